"""A second year: the synthetic 2025 fixture imports into a copy of the tree, validates, builds,
and change-table, indicator-series and the entity pages show 2024 → 2025.

The fixture (fixtures/benxi-2025-synthetic/, the workbook's sheets as UTF-8 CSV) holds
synthetic values only: its report is labelled 合成示例 / synthetic example, every figure says
合成数值 / synthetic value, and all of them derive from source/benxi-2025-synthetic.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from helpers.live import start_server
from helpers.support import REAL_TREE_PRESENT, REPO, run_cli

pytestmark = pytest.mark.skipif(not REAL_TREE_PRESENT, reason="project sources not written yet")
FIXTURE = Path(__file__).parent / "fixtures" / "benxi-2025-synthetic"
SOURCE = "https://w3id.org/vetgraph/source/benxi-2025-synthetic"


@pytest.fixture(scope="module")
def tree_2025(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("second-year")
    tree = base / "tree"
    for part in ("ontology", "data", "queries"):
        shutil.copytree(REPO / part, tree / part)
    done = run_cli("import", FIXTURE, "--out", tree / "data" / "ttl", "--root", tree)
    assert done.returncode == 0, done.stderr
    assert "14 warning(s)" in done.stdout  # the seed's own, no new ones
    done = run_cli("build", "--root", tree, "--store", base / "store")
    assert done.returncode == 0, done.stderr
    return tree, base / "store"


@pytest.mark.slow
def test_the_import_writes_one_file_per_sheet_marked_synthetic(tree_2025):
    tree, _ = tree_2025
    written = sorted(p.name for p in (tree / "data" / "ttl").glob("benxi-2025-synthetic-*"))
    assert written == ["benxi-2025-synthetic-report.ttl", "benxi-2025-synthetic-statistics.ttl",
                       "benxi-2025-synthetic-tables.ttl"]
    stats = (tree / "data" / "ttl" / "benxi-2025-synthetic-statistics.ttl").read_text("utf-8")
    assert stats.count("合成数值，非任何报告的数据") == 5
    assert stats.count(f"<{SOURCE}/table/") == 5
    report = (tree / "data" / "ttl" / "benxi-2025-synthetic-report.ttl").read_text("utf-8")
    assert "（2025，合成示例）" in report and "(2025, synthetic example)" in report
    done = run_cli("validate", "--root", tree)
    assert done.returncode == 0 and "conforms" in done.stdout


def _query(tree_2025, name: str, *params: str) -> list[dict[str, str]]:
    tree, store = tree_2025
    args = [a for p in params for a in ("-p", p)]
    done = run_cli("query", name, *args, "--format", "csv", "--root", tree, "--store", store)
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


@pytest.mark.slow
def test_change_table_shows_2024_to_2025(tree_2025):
    rows = _query(tree_2025, "change-table", "table=table-1-4-1", "from=2024", "to=2025")
    assert [(r["subjectName"], r["indicatorName"], r["fromValue"], r["toValue"], r["change"],
             r["relativeChange"]) for r in rows] == [
        ("本溪市机电工程学校", "生师比", "3.94", "4.44", "0.5", "12.69")]
    rows = _query(tree_2025, "change-table", "table=table-1-3-3", "from=2024", "to=2025")
    assert [(r["subjectName"], r["indicatorName"], r["fromValue"], r["toValue"]) for r in rows] \
        == [("本溪市卫生学校", "巩固率", "88.2", "90.1")]


@pytest.mark.slow
def test_indicator_series_runs_to_2025(tree_2025):
    rows = _query(tree_2025, "indicator-series", "table=table-1-4-1")
    series = [(r["year"], r["value"]) for r in rows if r["indicatorName"] == "生师比"]
    assert series == [("2018", "4.3"), ("2019", "4.36"), ("2020", "3.54"), ("2023", "4.96"),
                      ("2024", "3.94"), ("2025", "4.44")]


@pytest.mark.slow
def test_entity_page_shows_both_years(tree_2025, tmp_path):
    tree, store = tree_2025
    server = start_server(store, tmp_path, "--workers", "1", tree=tree)
    try:
        page = server.get("/id/school/benxi-electromechanical-school",
                          headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert "4.44" in page.text and "3.94" in page.text
        assert "2025" in page.text and "2024" in page.text
        report = server.get("/source/benxi-2025-synthetic", headers={"Accept": "text/html"})
        assert report.status_code == 200 and "合成示例" in report.text
    finally:
        server.stop()

"""``vetgraph import-table`` on the seed's own 表 1.1 and 表 1.3.3, copied from the report text.

The blocks in fixtures/ are the report's lines as they are (tabs, the 类别 only on a group's
first row, the wrapped "中" and "目" on rows of their own, the --- line). What comes out must
be the observations data/ttl/ holds for those tables: every triple but the curators' comments.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.support import REAL_TREE_PRESENT, REPO, run_cli
from rdflib import RDFS, Graph

pytestmark = pytest.mark.skipif(not REAL_TREE_PRESENT, reason="project sources not written yet")
FIXTURES = Path(__file__).parent / "fixtures"
SEED = REPO.parent / "shared" / "seed" / "000_687cde9a5ca8b571.txt"


def _run(name: str, out: Path | None) -> str:
    extra = ("--out", out) if out else ()
    done = run_cli("import-table", FIXTURES / f"{name}.tsv", "--mapping",
                   FIXTURES / f"{name}.json", *extra, "--root", REPO)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(not SEED.is_file(), reason="the seed report is not on this machine")
@pytest.mark.parametrize(("name", "first", "last"), [("table-1-1", 164, 174),
                                                     ("table-1-3-3", 258, 264)])
def test_fixtures_are_the_seed_text(name, first, last):
    lines = SEED.read_text(encoding="utf-8").splitlines(keepends=True)[first - 1:last]
    assert (FIXTURES / f"{name}.tsv").read_text(encoding="utf-8") == "".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "count"), [("table-1-1", 56), ("table-1-3-3", 36)])
def test_the_table_gives_the_data_sets_observations(tmp_path, name, count):
    out = tmp_path / f"{name}.ttl"
    preview = _run(name, out)
    assert f"\n{count} rows\n" in preview
    got = Graph().parse(out, format="turtle")
    data = Graph().parse(REPO / "data" / "ttl" / f"stats-{name}.ttl", format="turtle")
    observations = set(got.subjects())
    assert len(observations) == count
    expected = {t for t in data if t[0] in observations and t[1] != RDFS.comment}
    assert set(got) == expected


@pytest.mark.slow
def test_merged_cell_artefacts_are_named_in_the_preview():
    preview = _run("table-1-1", None)
    assert "note: line 6: '中' is a wrapped cell's remainder, dropped" in preview
    assert "note: line 7: column 0 filled down with '职业高中'" in preview
    assert "note: line 10: column 0 filled down with '普通中专'" in preview
    # the 合计 row's blank area cells: observations without a value, not reported
    assert "本溪市\t学校占地面积\t2024\t水平值\t\t平方米\t未报告\ttable/1-1" in preview
    preview = _run("table-1-3-3", None)
    assert "note: line 4: '目' is a wrapped cell's remainder" not in preview  # a header row


def test_csv_output_is_the_statistics_sheet(tmp_path):
    out = tmp_path / "statistics.csv"
    _run("table-1-3-3", out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("iri,dataset,subject,indicator,category,period,base_period")
    assert len(lines) == 2 + 36
    assert ("https://w3id.org/vetgraph/dataset/table-1-3-3,本溪市卫生学校,生源层次,应届初中毕业,"
            "2024,2023,绝对变化,0.3,百分点,如实报告,变化率%") in raw.decode("utf-8-sig")

"""Round trip: ``template --from-store`` on the 2024 data, then ``import``, gives data/ttl/ back.

Compared sheet by sheet (rdflib isomorphism, so the agreements' blank-node parties count) and
as a whole; the sheets together hold every data triple, so nothing is left uncovered.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.support import REAL_TREE_PRESENT, REPO, run_cli
from openpyxl import load_workbook
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from vetgraph.workbook.spec import SHEETS, TEMPLATE_VERSION

pytestmark = pytest.mark.skipif(not REAL_TREE_PRESENT, reason="project sources not written yet")
ROOT = ("--root", str(REPO))


def _diff(got: Graph, expected: Graph) -> str:
    _, only_got, only_expected = graph_diff(to_isomorphic(got), to_isomorphic(expected))
    return (f"imported only: {sorted(only_got)[:3]}\n"
            f"data/ttl only: {sorted(only_expected)[:3]}")


def test_every_data_triple_is_held_by_a_sheet(data_2024):
    data, held = data_2024
    assert set(data) == set().union(*held.values())
    # each triple in one sheet only, so the files do not repeat one another
    assert sum(len(h) for h in held.values()) == len(data)


def _round_trip(tmp_path: Path, book: Path, data_2024, store: Path) -> None:
    data, held = data_2024
    done = run_cli("template", "--from-store", "--out", book, *ROOT, "--store", store)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "ttl"
    done = run_cli("import", book, "--out", out, *ROOT, "--store", store)
    assert done.returncode == 0, done.stderr
    # the report's own disagreements stay, as `vetgraph validate` lists them
    assert "14 warning(s)" in done.stdout
    whole = Graph()
    for sheet in SHEETS:
        path = out / f"benxi-2024-{sheet.name.replace('_', '-')}.ttl"
        got = Graph().parse(path, format="turtle")
        expected = Graph()
        for triple in held[sheet.name]:
            expected.add(triple)
        assert len(got) == len(expected) > 0, sheet.name
        assert isomorphic(got, expected), f"{sheet.name}\n{_diff(got, expected)}"
        whole += got
    assert isomorphic(whole, data), _diff(whole, data)


@pytest.mark.slow
def test_xlsx_round_trip(tmp_path, data_2024):
    store = tmp_path / "nostore"
    book = tmp_path / "benxi-2024.xlsx"
    _round_trip(tmp_path, book, data_2024, store)
    workbook = load_workbook(book)
    assert workbook.sheetnames[0] == "README" and workbook.sheetnames[-1] == "lists"
    readme = workbook["README"]
    assert readme["A2"].value == "template_version" and readme["B2"].value == TEMPLATE_VERSION
    schools = workbook["schools"]
    assert [c.value for c in schools[1]][:3] == ["IRI", "中文名称 *", "英文名称 *"]
    assert [c.value for c in schools[2]][:3] == ["iri", "name_zh", "name_en"]
    assert sum(1 for r in range(3, schools.max_row + 1) if schools.cell(r, 2).value) == 6
    names = {schools.cell(r, 2).value for r in range(3, 9)}
    assert "本溪市卫生学校" in names and "桓仁满族自治县职业教育中心" in names
    # drop-downs: school type from its code list, located in from the entities
    validations = {str(v.sqref).split(":")[0]: v for v in schools.data_validations.dataValidation}
    assert validations["E3"].type == "list" and "lists!" in validations["E3"].formula1
    assert validations["F3"].type == "list"
    stats = workbook["statistics"]
    header = [c.value for c in stats[2]]
    value = header.index("value") + 1
    cells = {stats.cell(r, value).number_format for r in range(3, stats.max_row + 1)
             if stats.cell(r, value).value is not None}
    assert "0.00" in cells  # 97.20 keeps its second decimal
    assert stats.cell(3, header.index("period") + 1).data_type == "n"  # typed, not text


@pytest.mark.slow
def test_csv_round_trip_with_bom(tmp_path, data_2024):
    folder = tmp_path / "benxi-2024-csv"
    _round_trip(tmp_path, folder, data_2024, tmp_path / "nostore")
    schools = (folder / "schools.csv").read_bytes()
    assert schools.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese as UTF-8
    text = schools.decode("utf-8-sig")
    assert text.splitlines()[1].startswith("iri,name_zh,name_en")
    assert "本溪市卫生学校" in text
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["README.csv"] + [f"{s.name}.csv" for s in SHEETS])

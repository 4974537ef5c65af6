"""The cluster hierarchy's alignments (issue 18) and the training room's editorial note (issue 19)
in the workbook: a sheet with drop-downs for the basis, the SKOS relation and the codes, read
back by name as a steward writes them, and refused with the cell when a value is not allowed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.support import REAL_TREE_PRESENT, REPO, run_cli, settings_for
from openpyxl import load_workbook
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from test_bad_input import book_with, refused

from vetgraph.workbook.spec import SHEETS, SKOS

pytestmark = pytest.mark.skipif(not REAL_TREE_PRESENT, reason="project sources not written yet")
ALIGN = "https://w3id.org/vetgraph/id/cluster-alignment/"
KEYS = [c.key for c in next(s for s in SHEETS if s.name == "cluster_alignments").columns]


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory):
    """``template --from-store`` of the 2024 data, opened with openpyxl."""
    from vetgraph.workbook.steward import make_template

    path = tmp_path_factory.mktemp("filled") / "benxi-2024.xlsx"
    counts = make_template(settings_for(REPO, path.parent / "store"), path, from_store=True)
    return counts, load_workbook(path)


def _rows(ws) -> dict[str, dict[str, object]]:
    keys = [c.value for c in ws[2]]
    return {ws.cell(r, 1).value: {k: ws.cell(r, i).value for i, k in enumerate(keys, start=1)}
            for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value}


def _list_values(book, ws, letter: str) -> list[str]:
    validation = next(v for v in ws.data_validations.dataValidation
                      if str(v.sqref).startswith(f"{letter}3:"))
    assert validation.type == "list"
    sheet, cells = validation.formula1.lstrip("=").split("!")
    first, last = cells.replace("$", "").split(":")
    return [c.value for row in book[sheet][f"{first}:{last}"] for c in row]


def test_the_alignments_sheet_from_the_store(filled):
    counts, book = filled
    assert counts["cluster_alignments"] == 42  # every vet:ClusterAlignment of the hierarchy
    ws = book["cluster_alignments"]
    assert [c.value for c in ws[2]] == KEYS
    rows = _rows(ws)
    assert len(rows) == 42
    report = rows[ALIGN + "machinery-manufacturing-broader-cluster-equipment-manufacturing"]
    assert (report["cluster"], report["relation"], report["target"], report["basis"],
            report["standard"], report["source"]) == (
        "机械制造产业", "skos:broader", "装备制造", "报告原文", None, "section/1-2-1")
    standard = rows[ALIGN + "chemical-industry-closematch-gbt-c26"]
    assert (standard["relation"], standard["target"], standard["basis"],
            standard["standard"], standard["source"]) == (
        "skos:closeMatch", "化学原料和化学制品制造业", "国民经济行业分类", "gbt-4754-2017",
        "case/5\nsection/3-1-1")
    catalogue = rows[ALIGN + "agriculture-relatedmatch-moe-61"]
    assert (catalogue["target"], catalogue["standard"]) == ("61", "moe-major-2021")
    # drop-downs: the relation from the shape's six, the basis and the codes from their lists
    letter = {k: chr(ord("A") + i) for i, k in enumerate(KEYS)}
    assert _list_values(book, ws, letter["relation"]) == [
        "skos:broader", "skos:exactMatch", "skos:closeMatch", "skos:broadMatch",
        "skos:narrowMatch", "skos:relatedMatch"]
    assert _list_values(book, ws, letter["basis"]) == ["国民经济行业分类", "报告原文",
                                                      "职业教育专业目录"]
    targets = _list_values(book, ws, letter["target"])
    assert {"装备制造", "制造业", "化学原料和化学制品制造业", "61", "6702"} <= set(targets)
    assert "农业" in _list_values(book, ws, letter["cluster"])
    assert {"gbt-4754-2017", "moe-major-2021"} <= set(_list_values(book, ws, letter["standard"]))


def test_the_training_room_keeps_its_editorial_note(filled):
    rows = _rows(filled[1]["training_bases"])
    room = rows["https://w3id.org/vetgraph/id/training-base/"
                "electrical-equipment-operation-and-control-training-room"]
    assert room["editorial_note_zh"] == ("图 1.2.3 的图题只写实训室名称，未写所属学校，"
                                         "故不记 vet:owner 或 vet:partner。")
    assert room["editorial_note_en"].startswith("Figure 1.2.3's caption names the room only")
    assert room["owner"] is None


@pytest.mark.slow
def test_an_alignment_written_by_names_imports_as_the_data_has_it(blank_template, tmp_path,
                                                                  data_2024):
    """A steward's row, with names and a code's slug instead of IRIs, gives the triples of
    data/ttl/cluster-hierarchy.ttl for that alignment (its IRI found by its Chinese name)."""
    data, _ = data_2024
    iri = URIRef(ALIGN + "chemical-industry-closematch-gbt-c26")
    row = {"name_zh": "化工产业 近似对应 26 化学原料和化学制品制造业（国民经济行业分类）",
           "name_en": "Chemical industry: closeMatch GB/T 4754-2017 26 (standard)",
           "cluster": "化工产业", "relation": "skos:closeMatch", "target": "c26",
           "basis": "国民经济行业分类", "standard": "国民经济行业分类（GB/T 4754-2017）",
           "note_en": str(data.value(iri, SKOS.note)), "source": "case/5\nsection/3-1-1"}
    book = book_with(blank_template, tmp_path, {"cluster_alignments": [row]})
    done = run_cli("import", book, "--out", tmp_path / "out", "--root", str(REPO),
                   "--store", tmp_path / "nostore")
    assert done.returncode == 0, done.stderr
    got = Graph().parse(tmp_path / "out" / "benxi-2024-cluster-alignments.ttl")
    expected = Graph()
    for triple in data.triples((iri, None, None)):
        expected.add(triple)
    assert len(expected) == 11
    assert isomorphic(got, expected)


@pytest.mark.slow
@pytest.mark.parametrize(("cells", "messages"), [
    ({"relation": "skos:related"},
     ("cluster_alignments!E3: “skos:related”不可用（可选：skos:broader、skos:exactMatch、",
      "'skos:related' is not allowed (choose one of: skos:broader, skos:exactMatch, ")),
    ({"target": "钢铁"},
     ("cluster_alignments!F3: 代码表 industry-cluster、gbt-4754-2017、moe-major-2021 中没有“钢铁”",
      "'钢铁' is not in code lists industry-cluster, gbt-4754-2017, moe-major-2021")),
    ({"standard": "GB/T 4754"},
     ("cluster_alignments!H3: 没有名为“GB/T 4754”的代码表", "no code list 'GB/T 4754'")),
    ({"note_en": None}, ("cluster_alignments!K3: 必填列为空 / required column is empty",)),
])
def test_a_wrong_alignment_cell_is_refused(blank_template, tmp_path, cells, messages):
    row = {"name_zh": "化工产业 近似对应 26 化学原料和化学制品制造业（国民经济行业分类）",
           "name_en": "Chemical industry: closeMatch GB/T 4754-2017 26 (standard)",
           "cluster": "化工产业", "relation": "skos:closeMatch", "target": "c26",
           "basis": "国民经济行业分类", "standard": "gbt-4754-2017",
           "note_en": "Close to division 26.", "source": "section/3-1-1", **cells}
    book = book_with(blank_template, tmp_path, {"cluster_alignments": [row]})
    refused(book, tmp_path / "out", 1, *messages)


def test_the_readme_sheet_explains_the_new_columns(blank_template):
    readme = load_workbook(blank_template)["README"]
    described = {(r[0], r[1]): r[3] for r in readme.iter_rows(min_row=7, values_only=True)}
    assert described[("cluster_alignments", "target")] == (
        "code (industry-cluster, gbt-4754-2017, moe-major-2021)")
    assert described[("cluster_alignments", "relation")] == "choice"
    assert described[("training_bases", "editorial_note_en")] == "text"


@pytest.mark.slow
def test_csv_folders_carry_the_new_sheet(tmp_path: Path):
    folder = tmp_path / "csv"
    done = run_cli("template", "--from-store", "--out", folder, "--root", str(REPO),
                   "--store", tmp_path / "nostore")
    assert done.returncode == 0, done.stderr
    text = (folder / "cluster_alignments.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[1] == ",".join(KEYS)
    assert text.count("skos:broader") == 8  # the hierarchy's broader links

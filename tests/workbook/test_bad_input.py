"""Bad input gets a clear answer (``sheet!cell: zh / en``) and changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers.support import REAL_TREE_PRESENT, REPO, run_cli
from openpyxl import load_workbook
from rdflib import Graph, URIRef

from vetgraph.workbook.spec import QB, SHEETS

pytestmark = pytest.mark.skipif(not REAL_TREE_PRESENT, reason="project sources not written yet")
ROOT = ("--root", str(REPO))
SHEET = {s.name: s for s in SHEETS}

SCHOOL = {"name_zh": "本溪市示例职业学校", "name_en": "Benxi Example Vocational School",
          "school_type": "职业高中", "located_in": "本溪市", "source": "section/1-1"}
FIGURE = {"dataset": "https://w3id.org/vetgraph/dataset/table-1-1", "subject": "本溪市卫生学校",
          "indicator": "毕业生数", "period": 2023, "value_kind": "水平值", "value": 500,
          "unit": "人", "status": "如实报告", "source": "table/1-1"}


def book_with(template: Path, tmp_path: Path, rows: dict[str, list[dict[str, Any]]],
              change=None) -> Path:
    """The blank template with these rows filled in (row 3 on), then ``change(workbook)``."""
    workbook = load_workbook(template)
    for name, records in rows.items():
        keys = [c.key for c in SHEET[name].columns]
        for offset, record in enumerate(records):
            for key, value in record.items():
                workbook[name].cell(3 + offset, keys.index(key) + 1, value)
    if change is not None:
        change(workbook)
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    return path


def refused(book: Path, out: Path, code: int, *expected: str) -> str:
    done = run_cli("import", book, "--out", out, *ROOT, "--store", out.parent / "nostore")
    assert done.returncode == code, done.stdout + done.stderr
    for text in expected:
        assert text in done.stderr, done.stderr
    assert not out.exists() or not any(out.iterdir()), "a refused import wrote files"
    return done.stderr


@pytest.mark.slow
def test_a_good_row_imports(blank_template, tmp_path):
    book = book_with(blank_template, tmp_path, {"schools": [SCHOOL], "statistics": [FIGURE]})
    done = run_cli("import", book, "--out", tmp_path / "out", *ROOT)
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["benxi-2024-schools.ttl", "benxi-2024-statistics.ttl"]
    text = (tmp_path / "out" / "benxi-2024-schools.ttl").read_text(encoding="utf-8")
    assert "<https://w3id.org/vetgraph/id/school/benxi-example-vocational-school>" in text
    assert "<https://w3id.org/vetgraph/source/benxi-2024/section/1-1>" in text
    stats = (tmp_path / "out" / "benxi-2024-statistics.ttl").read_text(encoding="utf-8")
    assert "table-1-1/obs/benxi-health-school-graduates-2023" in stats


@pytest.mark.slow
def test_wrong_type_in_a_cell(blank_template, tmp_path):
    book = book_with(blank_template, tmp_path, {"statistics": [{**FIGURE, "value": "五百"}]})
    refused(book, tmp_path / "out", 1, "statistics!I3: 应为数字，实为“五百” / expected a number, "
            "found '五百'")


@pytest.mark.slow
def test_unknown_code(blank_template, tmp_path):
    book = book_with(blank_template, tmp_path, {"schools": [{**SCHOOL, "school_type": "技工学校"}]})
    refused(book, tmp_path / "out", 1, "schools!E3: 代码表 school-type 中没有“技工学校”",
            "'技工学校' is not in code list school-type (try: 普通中专、职业高中)")


@pytest.mark.slow
def test_duplicate_entity(blank_template, tmp_path):
    book = book_with(blank_template, tmp_path, {"schools": [SCHOOL, SCHOOL]})
    refused(book, tmp_path / "out", 1, "schools!A4: 与第 3 行重复",
            "duplicate of row 3: https://w3id.org/vetgraph/id/school/benxi-example-vocational-school")


@pytest.mark.slow
def test_school_name_not_found_suggests_the_closest(blank_template, tmp_path):
    book = book_with(blank_template, tmp_path,
                     {"statistics": [{**FIGURE, "subject": "本溪卫生学校"}]})
    refused(book, tmp_path / "out", 1, "statistics!C3: 找不到名为“本溪卫生学校”的实体",
            "no entity named '本溪卫生学校'; closest names: 本溪市卫生学校")


@pytest.mark.slow
def test_empty_required_column(blank_template, tmp_path):
    book = book_with(blank_template, tmp_path, {"schools": [{**SCHOOL, "school_type": None}]})
    refused(book, tmp_path / "out", 1, "schools!E3: 必填列为空 / required column is empty")


@pytest.mark.slow
def test_formula_cell(blank_template, tmp_path):
    book = book_with(blank_template, tmp_path, {"statistics": [{**FIGURE, "value": "=250*2"}]})
    refused(book, tmp_path / "out", 1, "statistics!I3: 单元格含公式 =250*2",
            "formula =250*2: paste its value instead")


@pytest.mark.slow
def test_merged_cells(blank_template, tmp_path):
    book = book_with(blank_template, tmp_path, {"schools": [SCHOOL, SCHOOL]},
                     lambda wb: wb["schools"].merge_cells("E3:E4"))
    refused(book, tmp_path / "out", 2, "schools!E3:E4: 有合并单元格", "merged cells: unmerge them")


@pytest.mark.slow
def test_hidden_sheet(blank_template, tmp_path):
    def hide(workbook):
        workbook["patents"].sheet_state = "hidden"

    book = book_with(blank_template, tmp_path, {"schools": [SCHOOL]}, hide)
    refused(book, tmp_path / "out", 2, "有隐藏的工作表 patents", "hidden sheets patents")


@pytest.mark.slow
def test_not_a_workbook(tmp_path):
    book = tmp_path / "report.xlsx"
    book.write_text("学校,在校生\n本溪市卫生学校,2339\n", encoding="utf-8")
    refused(book, tmp_path / "out", 2, "不是可读取的 .xlsx 工作簿 / not a readable .xlsx workbook")


@pytest.mark.slow
@pytest.mark.parametrize("version", [0, 1])  # 1: before the cluster_alignments sheet
def test_older_template_version(blank_template, tmp_path, version):
    def age(workbook):
        workbook["README"]["B2"] = version

    book = book_with(blank_template, tmp_path, {"schools": [SCHOOL]}, age)
    refused(book, tmp_path / "out", 2, f"模板版本 {version}，当前为 2",
            f"template version {version}, this vetgraph reads version 2: make a new one with "
            "`vetgraph template`")


@pytest.mark.slow
def test_a_violation_in_the_data_writes_nothing_into_the_tree(blank_template, tmp_path):
    """A school without its area passes every cell check but not the shapes; the data folder
    of the tree stays byte for byte as it was."""
    tree = tmp_path / "tree"
    for part in ("ontology", "data", "queries"):
        shutil.copytree(REPO / part, tree / part)
    before = {p.name: p.read_bytes() for p in (tree / "data" / "ttl").iterdir()}
    book = book_with(blank_template, tmp_path, {"schools": [{**SCHOOL, "located_in": None}]})
    done = run_cli("import", book, "--out", tree / "data" / "ttl", "--root", tree)
    assert done.returncode == 1
    assert "schools!F3: 校验未通过 本溪市示例职业学校 / Benxi Example Vocational School / " \
           "SHACL violation:" in done.stderr, done.stderr
    assert "nothing written" in done.stderr
    assert {p.name: p.read_bytes() for p in (tree / "data" / "ttl").iterdir()} == before


@pytest.mark.slow
def test_a_new_data_set_gets_the_usual_structure(blank_template, tmp_path):
    dataset = {"name_zh": "表 9.9 合成示例统计表", "name_en": "Table 9.9: Synthetic example table",
               "source": "table/1-1"}
    figure = {**FIGURE, "dataset": "表 9.9 合成示例统计表", "indicator": "巩固率",
              "category": "合计（不分项）", "unit": "%", "value": "90.10"}
    book = book_with(blank_template, tmp_path, {"datasets": [dataset], "statistics": [figure]})
    done = run_cli("import", book, "--out", tmp_path / "out", *ROOT)
    assert done.returncode == 0, done.stderr
    graph = Graph().parse(tmp_path / "out" / "benxi-2024-datasets.ttl", format="turtle")
    structure = URIRef("https://w3id.org/vetgraph/dataset/table-9-9/structure")
    components = sorted((int(graph.value(c, QB.order)), _component(graph, c))
                        for c in graph.objects(structure, QB.component))
    assert [p for _, p in components] == [
        "vet:refSubject", "sdmx-dimension:refPeriod", "vet:indicator", "vet:valueKind",
        "vet:category", "sdmx-measure:obsValue", "sdmx-attribute:unitMeasure",
        "sdmx-attribute:obsStatus"]
    stats = (tmp_path / "out" / "benxi-2024-statistics.ttl").read_text(encoding="utf-8")
    assert "dataset/table-9-9/obs/benxi-health-school-retention-rate-2023" in stats
    assert "sdmx-measure:obsValue 90.10 " in stats  # a text cell keeps its decimals


def _component(graph: Graph, component) -> str:
    from vetgraph.workbook.model import compact

    prop = next(o for p, o in graph.predicate_objects(component)
                if p in (QB.dimension, QB.measure, QB.attribute))
    return compact(prop)

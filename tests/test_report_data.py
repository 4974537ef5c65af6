"""The 2024 Benxi report as data: every table complete, listing rows as entities, and every
disagreement inside the report found by the data-quality rules — checked against the report.

Numbers in the expectations below are read from ``shared/seed/000_687cde9a5ca8b571.txt``.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from helpers.support import needs_real_tree, run_cli
from rdflib import RDF, RDFS, Dataset, Literal, Namespace, URIRef

from vetgraph.config import GRAPH_DATA, Settings
from vetgraph.dataset import load_dataset
from vetgraph.shacl.validate import ValidationReport, validate_dataset

pytestmark = needs_real_tree

VET = Namespace("https://w3id.org/vetgraph/ontology#")
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_M = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_A = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
SDMX_D = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
PROV = Namespace("http://www.w3.org/ns/prov#")
BASE = "https://w3id.org/vetgraph/"
SRC = BASE + "source/benxi-2024/"


@pytest.fixture(scope="module")
def real_dataset() -> Dataset:
    return load_dataset(Settings.load(env={}))


@pytest.fixture(scope="module")
def report(real_dataset: Dataset) -> ValidationReport:
    return validate_dataset(real_dataset)


@pytest.fixture(scope="module")
def data(real_dataset: Dataset):
    return real_dataset.graph(URIRef(GRAPH_DATA))


# ---------------------------------------------------------------- validation


@pytest.mark.slow
def test_validate_cli_conforms_on_the_real_tree() -> None:
    done = run_cli("validate", timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 violations" in done.stdout


def test_no_violation_and_exactly_the_expected_warnings(report: ValidationReport) -> None:
    assert report.conforms
    assert report.counts["Violation"] == 0
    assert report.counts["Warning"] == len(EXPECTED_WARNINGS)


# (rule, focus observation, the two figures each message must name)
EXPECTED_WARNINGS = [
    # 1.1 prose per school type vs the sum of the three schools' rows in 表 1.1
    (
        "GroupFigureMatchesMembers",
        "prose-overview/obs/vocational-high-school-in-school-students-2024",
        "1366",
        "1378",
    ),
    (
        "GroupFigureMatchesMembers",
        "prose-overview/obs/vocational-high-school-staff-2024",
        "392",
        "349",
    ),
    (
        "GroupFigureMatchesMembers",
        "prose-overview/obs/vocational-high-school-full-time-teachers-2024",
        "296",
        "265",
    ),
    (
        "GroupFigureMatchesMembers",
        "prose-overview/obs/regular-secondary-specialised-school-in-school-students-2024",
        "3714",
        "3743",
    ),
    (
        "GroupFigureMatchesMembers",
        "prose-overview/obs/regular-secondary-specialised-school-staff-2024",
        "558",
        "519",
    ),
    (
        "GroupFigureMatchesMembers",
        "prose-overview/obs/regular-secondary-specialised-school-full-time-teachers-2024",
        "462",
        "404",
    ),
    # 表 1.3.3: 2023 entry levels 89.4 + 9.0 + 2.5 = 100.9; 2024 ages 94.5 + 2.7 = 97.2
    (
        "BreakdownAddsUp",
        "table-1-3-3/obs/benxi-health-school-source-level-share-fresh-junior-secondary-graduates-2023",
        "100.9",
        "100",
    ),
    (
        "BreakdownAddsUp",
        "table-1-3-3/obs/benxi-health-school-age-structure-share-age-15-20-2024",
        "97.2",
        "100",
    ),
    # stated ratios vs counts of 表 1.1: 155/172 = 90.12 %, 88/104 = 84.62 %, 780/172 = 4.53
    (
        "RatioMatchesCounts",
        "prose-teachers/obs/benxi-electromechanical-school-double-qualified-teacher-share-2024",
        "90.4",
        "90.12",
    ),
    (
        "RatioMatchesCounts",
        "table-1-4-1/obs/benxi-electromechanical-school-double-qualified-teacher-share-2024",
        "90.4",
        "90.12",
    ),
    (
        "RatioMatchesCounts",
        "prose-teachers/obs/benxi-commerce-and-trade-school-double-qualified-teacher-share-2024",
        "84.7",
        "84.62",
    ),
    (
        "RatioMatchesCounts",
        "table-1-4-1/obs/benxi-electromechanical-school-student-teacher-ratio-2024",
        "3.94",
        "4.53",
    ),
    # 生均拨款 0.24 万元 vs 财政拨款收入 3771.70 万元 / 780 students = 4.84
    (
        "RatioMatchesCounts",
        "prose-funding/obs/benxi-electromechanical-school-per-student-appropriation-2024",
        "0.24",
        "4.84",
    ),
    (
        "RatioMatchesCounts",
        "table-7-2/obs/benxi-electromechanical-school-per-student-appropriation-2024",
        "0.24",
        "4.84",
    ),
]


@pytest.mark.parametrize(
    ("rule", "focus", "stated", "other"),
    EXPECTED_WARNINGS,
    ids=[f"{w[0]}:{w[1].split('/')[-1]}" for w in EXPECTED_WARNINGS],
)
def test_each_disagreement_is_reported_with_both_values_and_sources(
    report: ValidationReport, rule: str, focus: str, stated: str, other: str
) -> None:
    found = [
        r
        for r in report.results
        if r.severity == "Warning"
        and r.focus_node == BASE + "dataset/" + focus
        and (r.source_shape or "").endswith("#" + rule)
    ]
    assert len(found) == 1, [r.focus_node for r in report.results]
    message = " ".join(found[0].messages)
    numbers = set(re.findall(r"\d+(?:\.\d+)?", message))
    assert stated in numbers and other in numbers, message
    # both sources are named: the statement's own part and at least one other part or table
    sources = re.findall(
        r"(表 \d+(?:\.\d+)*|\d+(?:\.\d+)+ [^\s，、为中的]+)", message.split(" / ")[0]
    )
    assert len(set(sources)) >= (1 if rule == "BreakdownAddsUp" else 2), message


def test_warnings_are_only_the_expected_ones(report: ValidationReport) -> None:
    found = Counter(
        (r.source_shape.rsplit("#", 1)[-1], r.focus_node.removeprefix(BASE + "dataset/"))
        for r in report.results
    )
    assert found == Counter((rule, focus) for rule, focus, _, _ in EXPECTED_WARNINGS)


# ---------------------------------------------------------------- statistical tables

# cells of each statistical table in the report (rows × value columns, blanks included)
TABLE_CELLS = {
    "1-1": 7 * 8,  # 合计 + 6 schools × (毕业生, 招生, 在校生, 教职工合计, 专任, 双师型, 占地, 建筑)
    "1-3-3": 3 * 12,  # 2023 %, 2024 %, 变化率 % × 12 columns
    "1-4-1": 6 * 5,  # 6 indicators × 2018, 2019, 2020, 2023, 2024
    "2-1-6": 3 * 2,  # 禁毒, 校园欺凌, 法律知识 × 2023, 2024
    "2-2-1": 6 * 3,  # 6 satisfaction items × (2023, 2024, 调查人次)
    "2-3-2": 4,  # 电工, 汽车维修工, 焊工钳工, 计算机与外部设备装配调试员
    "2-4-4": 16,  # 16 MBTI types
    "3-1-2": 2 * 3,  # 2 rows × 2022, 2023, 2024
    "6-3": 4,  # 4 rows
    "7-2": 2 * 3,  # 2 rows × 2023, 2024, 变化率
}


@pytest.mark.parametrize(("table", "cells"), TABLE_CELLS.items())
def test_every_cell_of_each_statistical_table_is_an_observation(
    data, table: str, cells: int
) -> None:
    dataset = URIRef(f"{BASE}dataset/table-{table}")
    assert (dataset, RDF.type, QB.DataSet) in data
    assert (dataset, QB.structure, None) in data
    assert (dataset, PROV.wasDerivedFrom, URIRef(f"{SRC}table/{table}")) in data
    observations = set(data.subjects(QB.dataSet, dataset))
    assert len(observations) == cells
    for obs in observations:
        assert (obs, PROV.wasDerivedFrom, URIRef(f"{SRC}table/{table}")) in data


def value_of(data, obs_suffix: str) -> Literal:
    return data.value(URIRef(BASE + "dataset/" + obs_suffix), SDMX_M.obsValue)


def test_table_1_1_rows_as_the_report_prints_them(data) -> None:
    schools = {
        "huanren-vocational-education-centre": (136, 177, 457, 79, 70, 50, 90671, 31000),
        "benxi-county-vocational-education-centre": (187, 286, 663, 118, 91, 50, 54070, 25760),
        "benxi-commerce-and-trade-school": (102, 84, 258, 152, 104, 88, 100310, 67774),
        "benxi-health-school": (545, 875, 2339, 161, 120, 37, 160000, 77686),
        "benxi-chemical-industry-school": (169, 252, 624, 172, 112, 62, 140000, 77522),
        "benxi-electromechanical-school": (201, 230, 780, 186, 172, 155, 164000, 122000),
    }
    dataset = URIRef(BASE + "dataset/table-1-1")
    for slug, row in schools.items():
        school = URIRef(f"{BASE}id/school/{slug}")
        values = sorted(
            int(data.value(o, SDMX_M.obsValue))
            for o in data.subjects(VET.refSubject, school)
            if (o, QB.dataSet, dataset) in data
        )
        assert values == sorted(row), slug
    total = URIRef(BASE + "id/area/benxi-city")
    totals = [o for o in data.subjects(VET.refSubject, total) if (o, QB.dataSet, dataset) in data]
    assert sorted(
        int(v) for o in totals if (v := data.value(o, SDMX_M.obsValue)) is not None
    ) == sorted((1340, 1904, 5121, 868, 669, 442))
    not_reported = URIRef(BASE + "code/observation-status/not-reported")
    assert sum((o, SDMX_A.obsStatus, not_reported) in data for o in totals) == 2  # blank areas


def test_change_columns_are_kept_as_what_they_are(data) -> None:
    relative = URIRef(BASE + "code/value-kind/relative-change")
    absolute = URIRef(BASE + "code/value-kind/absolute-change")
    t72 = [
        o
        for o in data.subjects(QB.dataSet, URIRef(BASE + "dataset/table-7-2"))
        if (o, VET.valueKind, relative) in data
    ]
    assert sorted(str(data.value(o, SDMX_M.obsValue)) for o in t72) == ["0", "14.93"]
    t133 = [
        o
        for o in data.subjects(QB.dataSet, URIRef(BASE + "dataset/table-1-3-3"))
        if (o, VET.valueKind, absolute) in data
    ]
    assert len(t133) == 12
    assert all(str(data.value(o, VET.basePeriod)) == "2023" for o in t133)


def test_qualified_prose_figures_keep_their_status(data) -> None:
    status = {
        str(data.value(o, VET.statedText)): str(data.value(o, SDMX_A.obsStatus)).rsplit("/", 1)[-1]
        for o in data.subjects(SDMX_A.obsStatus, None)
        if data.value(o, VET.statedText)
    }
    assert status["桓仁县职教中心的学生年入学巩固率达 98% 以上"] == "lower-bound"
    assert status["桓仁县职教中心实训设备总价值 2000 多万元"] == "lower-bound"
    assert status["筹措资金 5 万余万元"] == "possible-misprint"
    assert status["本科及以上学历在专任教师中占比较高，多数学校占比在90%左右"] == "approximate"


# ---------------------------------------------------------------- listing tables as entities


@pytest.mark.parametrize(
    ("table", "cls", "rows"),
    [
        ("1-5-2", VET.TrainingBase, 3),
        ("2-4-1", VET.CareerStage, 3),
        ("4-3", VET.SchoolActivity, 5),
        ("6-4", VET.Patent, 4),
    ],
)
def test_each_row_of_a_listing_table_is_an_entity(data, table: str, cls: URIRef, rows: int) -> None:
    table_iri = URIRef(f"{SRC}table/{table}")
    entities = [
        e
        for e in data.subjects(PROV.wasDerivedFrom, table_iri)
        if (e, RDF.type, cls) in data and (e, VET.rowNumber, None) in data
    ]
    assert sorted(int(data.value(e, VET.rowNumber)) for e in entities) == list(range(1, rows + 1))


def test_patents_as_table_6_4_lists_them(data) -> None:
    numbers = sorted(
        str(data.value(p, VET.patentNumber)) for p in data.subjects(RDF.type, VET.Patent)
    )
    assert numbers == [
        "CN202222193198.2",
        "CN202310082548.4",
        "CN202320155707.4",
        "CN202321486603.8",
    ]
    shengfeng = URIRef(BASE + "id/organisation/benxi-shengfeng-agricultural-machinery-co-ltd")
    assert Literal("本溪盛丰农机制造有限公司", lang="zh") in set(
        data.objects(shengfeng, RDFS.label)
    )
    for patent in data.subjects(RDF.type, VET.Patent):
        assert data.value(patent, VET.partnerEnterprise) == shengfeng
        assert data.value(patent, VET.developedBy) == URIRef(
            BASE + "id/school/benxi-county-vocational-education-centre"
        )
    inventors = {
        str(label)
        for p in data.subjects(RDF.type, VET.Patent)
        for person in data.objects(p, VET.schoolInventor)
        for label in data.objects(person, RDFS.label)
        if label.language == "zh"
    }
    assert inventors == {"朱盛义", "栗田辉", "高俊龙", "王荣光"}


# ---------------------------------------------------------------- entities and labels


def test_the_six_schools_with_their_types(data) -> None:
    types = {}
    for school in data.subjects(RDF.type, VET.School):
        zh = next(
            str(label) for label in data.objects(school, RDFS.label) if label.language == "zh"
        )
        types[zh] = str(data.value(school, VET.schoolType)).rsplit("/", 1)[-1]
    assert types == {
        "桓仁满族自治县职业教育中心": "vocational-high-school",
        "本溪满族自治县中等职业技术教育中心": "vocational-high-school",
        "本溪市商贸服务学校": "vocational-high-school",
        "本溪市卫生学校": "regular-secondary-specialised-school",
        "本溪市化学工业学校": "regular-secondary-specialised-school",
        "本溪市机电工程学校": "regular-secondary-specialised-school",
    }


def test_short_forms_are_alt_labels(data) -> None:
    from rdflib.namespace import SKOS

    county = URIRef(BASE + "id/school/benxi-county-vocational-education-centre")
    health = URIRef(BASE + "id/school/benxi-health-school")
    assert Literal("本溪县职教中心", lang="zh") in set(data.objects(county, SKOS.altLabel))
    assert Literal("市卫生学校", lang="zh") in set(data.objects(health, SKOS.altLabel))


def test_unnamed_partner_is_kept_unnamed(data) -> None:
    """1.3.3: 商贸服务学校 … 与高校 3+2 联合办学 names no university; nothing is guessed."""
    commerce = URIRef(BASE + "id/school/benxi-commerce-and-trade-school")
    pathways = [p for p in data.subjects(VET.fromSchool, commerce)]
    assert pathways
    for pathway in pathways:
        assert (pathway, VET.toInstitution, None) not in data
        assert Literal("高校", lang="zh") in set(data.objects(pathway, VET.unnamedPartyDescription))


def test_every_report_part_is_present(data) -> None:
    parts = Counter(
        str(t).rsplit("#", 1)[-1]
        for _, t in data.subject_objects(RDF.type)
        if t in {VET.ReportSection, VET.ReportTable, VET.ReportFigure, VET.CaseStudy}
    )
    # contents: 8 chapters and 70 numbered sections, 14 tables, 29 figures, 9 cases
    assert parts == {"ReportSection": 78, "ReportTable": 14, "ReportFigure": 29, "CaseStudy": 9}


def test_majors_codes_come_from_the_reference_file_only(real_dataset: Dataset) -> None:
    """Every catalogue skos:notation is a code of shared/reference/moe-majors-2021.tsv."""
    from pathlib import Path

    from rdflib.namespace import SKOS

    tsv = Path(__file__).resolve().parents[2] / "shared" / "reference" / "moe-majors-2021.tsv"
    if not tsv.is_file():
        pytest.skip("shared/reference is not beside the repository")
    rows = [line.split("\t") for line in tsv.read_text(encoding="utf-8").splitlines()[1:]]
    known = (
        {r[2] for r in rows if r[2]} | {r[4] for r in rows if r[4]} | {r[6] for r in rows if r[6]}
    )
    codes = real_dataset.graph(URIRef(BASE + "graph/codes"))
    notations = {
        str(n)
        for s, n in codes.subject_objects(SKOS.notation)
        if (s, RDF.type, VET.CatalogueMajor) in codes or (s, RDF.type, VET.CatalogueGroup) in codes
    }
    assert notations and notations <= known


@pytest.mark.slow
def test_stats_cli_counts_observations_per_table(tmp_path) -> None:
    import json

    done = run_cli("stats", "--format", "json", "--store", tmp_path / "store", timeout=900)
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    per_dataset = {
        d["dataset"].removeprefix(BASE + "dataset/"): d["observations"] for d in stats["datasets"]
    }
    for table, cells in TABLE_CELLS.items():
        assert per_dataset[f"table-{table}"] == cells
    per_class = {c["class"]: c["count"] for c in stats["classes"]}
    assert per_class[str(VET.School)] == 6
    assert per_class[str(VET.Patent)] == 4
    assert per_class[str(QB.Observation)] == sum(per_dataset.values())


# ------------------------------------------------------- rules the 2024 data passes


def _with_changed_value(real_dataset: Dataset, obs_suffix: str, value: str) -> Dataset:
    """A copy of the real dataset with one observation's value replaced (the data stays as is)."""
    from rdflib import Dataset as RdfDataset

    copy = RdfDataset()
    for quad in real_dataset.quads((None, None, None, None)):
        copy.add(quad)
    graph = copy.graph(URIRef(GRAPH_DATA))
    obs = URIRef(BASE + "dataset/" + obs_suffix)
    datatype = graph.value(obs, SDMX_M.obsValue).datatype
    graph.set((obs, SDMX_M.obsValue, Literal(value, datatype=datatype)))
    return copy


@pytest.mark.slow
def test_a_wrong_change_rate_is_found(real_dataset: Dataset) -> None:
    """表 7.2 states 14.93 % for 3281.78 → 3771.70; a stated 15.93 must be reported."""
    changed = _with_changed_value(
        real_dataset,
        "table-7-2/obs/benxi-electromechanical-school-fiscal-appropriation-income-relative-change-2023-2024",
        "15.93",
    )
    found = [
        r
        for r in validate_dataset(changed).results
        if (r.source_shape or "").endswith("#ChangeMatchesValues")
    ]
    assert len(found) == 1
    message = " ".join(found[0].messages)
    assert "15.93" in message and "14.93" in message and "表 7.2" in message


@pytest.mark.slow
def test_a_figure_restated_differently_is_found(real_dataset: Dataset) -> None:
    """1.3.1 restates 机电's 780 students of 表 1.1; a prose 790 must be reported."""
    changed = _with_changed_value(
        real_dataset,
        "prose-students/obs/benxi-electromechanical-school-in-school-students-2024",
        "790",
    )
    found = [
        r
        for r in validate_dataset(changed).results
        if (r.source_shape or "").endswith("#RestatedFigureAgrees")
    ]
    assert len(found) == 1
    message = " ".join(found[0].messages)
    assert "780" in message and "790" in message


# ---------------------------------------------------------------- data fixes (issue 19)


def test_the_full_name_is_the_label_and_short_forms_are_alt_labels(data) -> None:
    """A zh altLabel that contains the zh label and is longer is the full name: it must be the
    label (docs/model.md). 巡特警大队 was the first found; every entity is checked."""
    from rdflib.namespace import SKOS

    swapped = []
    for entity, alt in data.subject_objects(SKOS.altLabel):
        if alt.language != "zh":
            continue
        for label in data.objects(entity, RDFS.label):
            if label.language == "zh" and str(label) in str(alt) and len(alt) > len(label):
                swapped.append((str(label), str(alt)))
    assert swapped == []
    brigade = URIRef(BASE + "id/organisation/high-tech-zone-patrol-and-swat-brigade")
    assert Literal("高新区公安分局巡特警大队", lang="zh") in set(data.objects(brigade, RDFS.label))
    assert Literal("巡特警大队", lang="zh") in set(data.objects(brigade, SKOS.altLabel))


def test_every_training_base_has_a_school_or_a_stated_reason(data) -> None:
    from rdflib.namespace import SKOS

    untied = {
        str(base).rsplit("/", 1)[-1]
        for base in data.subjects(RDF.type, VET.TrainingBase)
        if (base, VET.owner, None) not in data and (base, VET.partner, None) not in data
    }
    assert untied == {"electrical-equipment-operation-and-control-training-room"}
    room = URIRef(BASE + "id/training-base/" + untied.pop())
    notes = {n.language for n in data.objects(room, SKOS.editorialNote)}
    assert notes == {"zh", "en"}


def test_each_party_of_an_agreement_has_one_role(data) -> None:
    """Two roles on one association made role joins return each party twice."""
    roles = Counter(
        association
        for association in data.objects(None, PROV.qualifiedAssociation)
        for _ in data.objects(association, PROV.hadRole)
    )
    assert roles and set(roles.values()) == {1}
    drill = URIRef(BASE + "id/agreement/campus-anti-terrorism-training-drill")
    by_agent = {
        str(data.value(a, PROV.agent)).rsplit("/", 1)[-1]: str(data.value(a, PROV.hadRole))
        for a in data.objects(drill, PROV.qualifiedAssociation)
    }
    assert by_agent["high-tech-zone-patrol-and-swat-brigade"] == BASE + "code/party-role/instructor"


def test_one_prefix_per_namespace_named_after_it() -> None:
    """The editor's prefixes (the project's list and the sources'): no namespace twice, the
    project's id/ and code/ namespaces named after their kind or scheme."""
    from vetgraph.web import source_prefixes
    from vetgraph.web.sparql import COMMON_PREFIXES

    settings = Settings.load(env={})
    editor = {**COMMON_PREFIXES, **source_prefixes(settings)}
    by_namespace = Counter(editor.values())
    assert [ns for ns, n in by_namespace.items() if n > 1] == []
    assert editor["org"] == "http://www.w3.org/ns/org#"
    assert editor["organisation"] == BASE + "id/organisation/"
    assert editor["agreement-kind"] == BASE + "code/agreement-kind/"
    assert editor["base-kind"] == BASE + "code/base-kind/"
    assert not {"collab", "w3org", "c", "kind", "st"} & set(editor)
    for name, namespace in editor.items():
        own = re.match(r"^https://w3id\.org/vetgraph/(?:id|code)/([a-z0-9-]+)/$", namespace)
        if own:
            assert name == own.group(1)


def test_a_total_row_is_known_by_its_subjects_type(data) -> None:
    """表 1.1's 合计 row: the subject is the city (an area), never a school; no slug needed."""
    subjects = {
        data.value(obs, VET.refSubject)
        for obs in data.subjects(QB.dataSet, URIRef(BASE + "dataset/table-1-1"))
    }
    schools = {s for s in subjects if (s, RDF.type, VET.School) in data}
    totals = subjects - schools
    assert len(schools) == 6
    assert totals == {URIRef(BASE + "id/area/benxi-city")}
    assert (URIRef(BASE + "id/area/benxi-city"), RDF.type, VET.AdministrativeArea) in data

"""The catalogue itself: every query documented, parameters typed, findings query up to date."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.queries import answer, value
from rdflib import XSD, Literal, URIRef

from vetgraph.queries import (
    PARAMETER_TYPES,
    Parameter,
    ParameterError,
    QueryFileError,
    bind,
    check_resources,
    get_query,
    load_catalogue,
    parse_query,
    resolve,
    run,
    store_ask,
)
from vetgraph.shacl.findings import generate_for


def test_at_least_25_documented_queries(qsettings):
    queries = load_catalogue(qsettings)
    assert len(queries) >= 25
    for q in queries:
        assert q.summary_zh and q.summary_en and q.description, q.name
        assert q.tags, q.name
        assert q.answer.get("rows") and "columns" in q.answer, q.name
        if q.form == "SELECT":  # the documented columns are the projection
            assert list(q.answer["columns"]) == list(q.variables), q.name
        for p in q.params:
            assert p.type in PARAMETER_TYPES and p.description and p.example, (q.name, p.name)


def test_every_example_runs(qstore, qsettings):
    """Each parameter's example is a valid value naming something in the store."""
    for q in load_catalogue(qsettings):
        given = {p.name: p.example for p in q.params}
        result = run(qstore, q, given)
        assert result.rows or result.triples or result.boolean is not None, q.name


def test_findings_query_is_generated_from_the_shapes(qsettings):
    committed = (qsettings.queries_dir / "data-quality-findings.rq").read_text(encoding="utf-8")
    assert committed == generate_for(qsettings), (
        "run: python -m vetgraph.shacl.findings > queries/data-quality-findings.rq"
    )


@pytest.mark.slow
def test_findings_match_pyshacl(qstore, qsettings):
    """The SPARQL findings are pyshacl's warnings from the quality rules, message for message."""
    from vetgraph.shacl.validate import validate

    report = validate(qsettings)
    quality = {
        (r.focus_node, m)
        for r in report.results
        if (r.source_shape or "").startswith("https://w3id.org/vetgraph/shapes#")
        and r.severity == "Warning"
        for m in r.messages
    }
    rows = answer(qstore, qsettings, "data-quality-findings")

    # The rules' messages list sources with GROUP_CONCAT and SAMPLE, whose order and choice
    # are not defined: compare the subject part and the figures each message states.
    def gist(message: str) -> tuple[str, tuple[str, ...]]:
        zh = message.split(" / ")[0]
        return zh.split("：")[0], tuple(re.findall(r"为 (-?[0-9.]+)", zh))

    assert {(r["focus"], gist(r["message"])) for r in rows} == {
        (focus, gist(message)) for focus, message in quality
    }


# --- parameters -------------------------------------------------------------------------------


def param(**kw) -> Parameter:
    return Parameter(**{"name": "p", "type": "string", "var": "p", **kw})


@pytest.mark.parametrize(
    ("kwargs", "raw", "term"),
    [
        ({"type": "integer"}, "42", Literal("42", datatype=XSD.integer)),
        ({"type": "integer"}, "-7", Literal("-7", datatype=XSD.integer)),
        ({"type": "decimal"}, "2.50", Literal("2.50", datatype=XSD.decimal)),
        ({"type": "year"}, "2024", Literal("2024", datatype=XSD.gYear)),
        ({"type": "language"}, "zh-CN", Literal("zh-cn")),
        ({"type": "string"}, " 本溪 ", Literal(" 本溪 ")),
        ({"type": "enum", "values": ("a", "b")}, "b", Literal("b")),
        (
            {"type": "enum", "values": ("x",), "base": "https://e.org/"},
            "x",
            URIRef("https://e.org/x"),
        ),
        (
            {"type": "iri"},
            "https://w3id.org/vetgraph/id/school/a",
            URIRef("https://w3id.org/vetgraph/id/school/a"),
        ),
        (
            {"type": "iri", "base": "https://w3id.org/vetgraph/id/school/"},
            "benxi-health-school",
            URIRef("https://w3id.org/vetgraph/id/school/benxi-health-school"),
        ),
    ],
)
def test_typed_values(kwargs, raw, term):
    assert param(**kwargs).convert(raw) == term


@pytest.mark.parametrize(
    ("kwargs", "raw"),
    [
        ({"type": "integer"}, "4.2"),
        ({"type": "integer"}, "1e3"),
        ({"type": "integer"}, "x"),
        ({"type": "integer", "minimum": 0}, "-1"),
        ({"type": "integer", "maximum": 9}, "10"),
        ({"type": "decimal"}, "NaN"),
        ({"type": "decimal"}, "1e5"),
        ({"type": "year"}, "24"),
        ({"type": "year"}, "20245"),
        ({"type": "language"}, "zh_CN"),
        ({"type": "language"}, "z h"),
        ({"type": "string"}, ""),
        ({"type": "string"}, "x" * 201),
        ({"type": "enum", "values": ("a",)}, "A"),
        ({"type": "iri"}, "not an iri"),
        ({"type": "iri"}, "relative/path"),
        ({"type": "iri"}, "http://a/> } UNION { ?s ?p ?o"),
        ({"type": "iri"}, "http://a b"),
        ({"type": "iri", "base": "https://e.org/"}, "a b"),
    ],
)
def test_bad_values_name_the_parameter(kwargs, raw):
    with pytest.raises(ParameterError) as caught:
        param(**kwargs).convert(raw)
    assert caught.value.parameter == "p"
    assert caught.value.expected and "parameter 'p'" in str(caught.value)


def test_missing_unknown_and_defaults(qsettings):
    change = get_query(qsettings, "change-table")
    with pytest.raises(ParameterError, match="'table': is required") as caught:
        bind(change, {})
    assert caught.value.expected.startswith("one of table-1-3-3")
    with pytest.raises(ParameterError, match="'tabel': is not a parameter"):
        bind(change, {"tabel": "table-7-2"})
    bound = bind(change, {"table": "table-7-2"})
    assert bound["fromYear"] == Literal("2023", datatype=XSD.gYear)
    assert bound["toYear"] == Literal("2024", datatype=XSD.gYear)


def test_unknown_iri_and_wrong_class(qstore, qsettings):
    q = get_query(qsettings, "school-profile")
    ask = store_ask(qstore)
    with pytest.raises(ParameterError, match="is not in the store"):
        check_resources(q, bind(q, {"school": "no-such-school"}), ask)
    with pytest.raises(
        ParameterError, match="is not a <https://w3id.org/vetgraph/ontology#School>"
    ):
        check_resources(q, bind(q, {"school": "https://w3id.org/vetgraph/id/area/benxi-city"}), ask)
    check_resources(q, bind(q, {"school": "benxi-health-school"}), ask)


INJECTIONS = [
    '"} UNION { ?s ?p ?o } #',
    "x' } UNION { ?s ?p ?o }",
    '本溪市卫生学校"@zh } UNION { ?school ?p ?o',
    "} } DELETE WHERE { ?s ?p ?o }",
    '""" . } SELECT * WHERE { ?s ?p ?o',
]


@pytest.mark.parametrize("crafted", INJECTIONS)
def test_crafted_values_change_nothing(qstore, crafted):
    """A crafted string is a literal: the query's shape and answer stay what they were."""
    q = parse_query(
        "#+ params:\n#+   - {name: name, type: string, example: x}\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX vet: <https://w3id.org/vetgraph/ontology#>\n"
        "SELECT ?school ?name WHERE { ?school a vet:School ; rdfs:label ?name }",
        "by-name",
    )
    assert run(qstore, q, {"name": crafted}).rows == []
    found = run(qstore, q, {"name": "本溪市卫生学校"}).rows
    assert found == []  # a plain literal does not equal the @zh label either
    tagged = parse_query(q.text.replace("type: string", "type: string, var: name"), "t")
    assert run(qstore, tagged, {"name": crafted}).rows == []


@pytest.mark.parametrize(
    "crafted",
    ["benxi-health-school> } UNION { ?s ?p ?o } #", "benxi-health-school>", "<x>", "x\ny"],
)
def test_crafted_iris_are_refused(qsettings, crafted):
    with pytest.raises(ParameterError) as caught:
        bind(get_query(qsettings, "school-profile"), {"school": crafted})
    assert caught.value.parameter == "school"


# --- query files ------------------------------------------------------------------------------


def test_file_errors_name_the_line(tmp_path: Path, qsettings):
    bad = tmp_path / "bad.rq"
    bad.write_text("#+ summary_en: broken\nSELECT ?s WHERE {\n  ?s ?p ?o ]\n}\n", encoding="utf-8")
    with pytest.raises(QueryFileError) as caught:
        resolve(qsettings, str(bad))
    assert caught.value.line == 3 and str(caught.value).startswith(f"{bad}:3: SPARQL syntax")
    header = tmp_path / "header.rq"
    header.write_text("#+ summary_en: [unclosed\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(QueryFileError, match="bad #\\+ header"):
        resolve(qsettings, str(header))
    unprojected = tmp_path / "unprojected.rq"
    unprojected.write_text(
        "#+ params:\n#+   - {name: s, type: iri, example: 'http://a'}\n"
        "SELECT ?o WHERE { ?s ?p ?o }\n",
        encoding="utf-8",
    )
    with pytest.raises(QueryFileError, match=r"\?s must be in the SELECT projection"):
        resolve(qsettings, str(unprojected))
    service = tmp_path / "service.rq"
    service.write_text("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }\n")
    with pytest.raises(QueryFileError, match="SERVICE and LOAD are not allowed"):
        resolve(qsettings, str(service))


def test_values_are_plain_python(qstore, qsettings):
    rows = answer(qstore, qsettings, "school-indicators", school="benxi-electromechanical-school")
    assert rows[0]["students"] == 780 and isinstance(rows[0]["studentsPerTeacher"], Decimal)
    assert value(None) is None

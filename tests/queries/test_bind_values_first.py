"""``#+ bind: values-first`` (issue 22): a query may take its parameters as a leading VALUES
block instead of bindings. Its answers must be the ones substitution gives, for every
parameter value the report has, and the block must be built from the checked terms only."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.queries import value

from vetgraph.config import Settings
from vetgraph.queries import QueryFileError, bind, load_catalogue, parse_query
from vetgraph.store.oxigraph import OxigraphStore

OPTED_IN = ["articulation-pathways", "cooperation-network", "cooperation-network-graph",
            "majors-by-school", "schools"]
SCHOOLS = ["huanren-vocational-education-centre", "benxi-county-vocational-education-centre",
           "benxi-commerce-and-trade-school", "benxi-health-school",
           "benxi-chemical-industry-school", "benxi-electromechanical-school"]


def _rows(store: OxigraphStore, text: str, bindings) -> list:
    result = store.query(text, bindings=bindings or None)
    if result.kind == "graph":
        return sorted(tuple(map(str, t)) for t in result.triples)
    return [tuple(value(v) for v in row) for row in result.rows]


def test_the_catalogue_opts_in_these_queries(qsettings: Settings) -> None:
    assert sorted(q.name for q in load_catalogue(qsettings) if q.values_first) == OPTED_IN


@pytest.mark.parametrize("name", OPTED_IN)
def test_values_first_answers_as_substitution_does(
        qstore: OxigraphStore, qsettings: Settings, name: str) -> None:
    query = next(q for q in load_catalogue(qsettings) if q.name == name)
    params = [p for p in query.params if p.name in ("school", "type", "kind")]
    cases = [{}]
    for param in params:
        values = SCHOOLS if param.name == "school" else list(param.values or ())
        cases += [{param.name: v} for v in values]
    answered = 0
    for given in cases:
        bindings = bind(query, given)
        text, sent = query.prepared(bindings)
        if bindings:
            assert sent == {} and text != query.text and "VALUES (" in text
        first = _rows(qstore, text, sent)
        assert first == _rows(qstore, query.text, bindings), (name, given)
        answered += bool(first)
    assert answered >= 2  # the comparison saw answers, not only empty ones


def test_a_bind_mode_other_than_the_two_is_refused(tmp_path: Path) -> None:
    text = "#+ bind: values-last\nSELECT ?s WHERE { ?s ?p ?o }\n"
    with pytest.raises(QueryFileError, match="use substitute or values-first"):
        parse_query(text, "x", tmp_path / "x.rq")


def test_a_value_cannot_become_query_text() -> None:
    """The block is written from RDF terms: a string with braces stays one literal."""
    query = parse_query(
        "#+ bind: values-first\n#+ params:\n#+   - name: q\n#+     type: string\n"
        "SELECT ?q WHERE { BIND(1 AS ?one) }\n", "x")
    text, sent = query.prepared(bind(query, {"q": '"} } UNION { ?s ?p ?o } #'}))
    assert sent == {}
    solutions = OxigraphStore.in_memory([]).query(text).rows
    assert [str(row[0]) for row in solutions] == ['"} } UNION { ?s ?p ?o } #']

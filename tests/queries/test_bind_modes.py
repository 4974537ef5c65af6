"""``#+ bind:`` (issue 22): a query may take its parameters as VALUES blocks
(``values-first``) or written into its text as constants (``inline``) instead of bindings.
Its answers must be the ones substitution gives, for every value of every parameter the
report has, and the text must be built from the checked terms only."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.queries import value

from vetgraph.config import Settings
from vetgraph.engine.lexer import inline_terms, select_groups
from vetgraph.queries import NamedQuery, QueryFileError, bind, load_catalogue, parse_query
from vetgraph.store.oxigraph import OxigraphStore

VALUES_FIRST = ["articulation-pathways", "cooperation-network", "cooperation-network-graph",
                "majors-by-school", "partners-by-school", "schools"]
INLINE = ["cluster-profile", "major-cluster-links", "school-indicators", "school-profile",
          "training-bases", "training-bases-by-cluster"]


def _rows(store: OxigraphStore, text: str, bindings) -> list:
    result = store.query(text, bindings=bindings or None)
    if result.kind == "graph":
        return sorted(tuple(map(str, t)) for t in result.triples)
    return [tuple(value(v) for v in row) for row in result.rows]


def _cases(store: OxigraphStore, query: NamedQuery) -> list[dict[str, str]]:
    """The least each query needs (required parameters at their examples), every example
    together, then each parameter with every value the store has for it (every instance of
    an IRI parameter's class, every enum value)."""
    least = {p.name: p.example for p in query.params if p.required and p.example is not None}
    examples = {p.name: p.example for p in query.params if p.example is not None}
    cases: list[dict[str, str]] = [least, examples]
    for param in query.params:
        if param.type == "iri" and param.cls:
            found = store.query(f"SELECT DISTINCT ?x WHERE {{ ?x a <{param.cls}> }}").rows
            cases += [{**least, param.name: str(row[0])} for row in found]
        elif param.values:
            cases += [{**least, param.name: v} for v in param.values]
    return cases


def test_the_catalogue_opts_in_these_queries(qsettings: Settings) -> None:
    catalogue = load_catalogue(qsettings)
    assert sorted(q.name for q in catalogue if q.bind == "values-first") == VALUES_FIRST
    assert sorted(q.name for q in catalogue if q.bind == "inline") == INLINE


@pytest.mark.parametrize("name", VALUES_FIRST + INLINE)
def test_answers_as_substitution_gives_them(
        qstore: OxigraphStore, qsettings: Settings, name: str) -> None:
    query = next(q for q in load_catalogue(qsettings) if q.name == name)
    answered = 0
    cases = _cases(qstore, query)
    for given in cases:
        bindings = bind(query, given)
        text, sent = query.prepared(bindings)
        if bindings:
            assert sent == {} and text != query.text
        first = _rows(qstore, text, sent)
        assert first == _rows(qstore, query.text, bindings), (name, given)
        answered += bool(first)
    assert len(cases) >= 4 and answered >= 2  # answers compared, not only empty ones


def test_a_bind_mode_other_than_the_three_is_refused(tmp_path: Path) -> None:
    text = "#+ bind: values-last\nSELECT ?s WHERE { ?s ?p ?o }\n"
    with pytest.raises(QueryFileError, match="use substitute, values-first or inline"):
        parse_query(text, "x", tmp_path / "x.rq")


def test_inline_is_refused_where_a_constant_cannot_stand(tmp_path: Path) -> None:
    header = "#+ bind: inline\n#+ params:\n#+   - name: s\n#+     type: iri\n"
    with pytest.raises(QueryFileError, match="cannot be written as constants"):
        parse_query(header + "SELECT * WHERE { ?s ?p ?o }\n", "x", tmp_path / "x.rq")
    # Read when the file is, not when a request comes: ORDER BY <iri> is no SPARQL.
    with pytest.raises(QueryFileError, match="written as constants the query does not parse"):
        parse_query(header + "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s\n", "x",
                    tmp_path / "x.rq")


@pytest.mark.parametrize("mode", ["values-first", "inline"])
def test_a_value_cannot_become_query_text(mode: str) -> None:
    """The text is written from RDF terms: a string with braces stays one literal."""
    query = parse_query(
        f"#+ bind: {mode}\n#+ params:\n#+   - name: q\n#+     type: string\n"
        "SELECT ?q ?one WHERE { BIND(1 AS ?one) FILTER (STRLEN(?q) > 0) }\n", "x")
    text, sent = query.prepared(bind(query, {"q": '"} } UNION { ?s ?p ?o } #'}))
    assert sent == {}
    solutions = OxigraphStore.in_memory([]).query(text).rows
    assert [str(row[0]) for row in solutions] == ['"} } UNION { ?s ?p ?o } #']


def test_inline_writes_the_constant_only_where_it_is_the_variable() -> None:
    text = ("SELECT ?s ?n WHERE {\n"
            "  { SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s ORDER BY ?s }\n"
            "  { SELECT ?x WHERE { ?s ?q ?x } }\n"
            "  FILTER (EXISTS { ?s ?r ?z })\n"
            "} GROUP BY ?s ?n ORDER BY DESC(?s) ?s")
    out = inline_terms(text, {"s": "<urn:a>"})
    assert out == (
        "SELECT (<urn:a> AS ?s) ?n WHERE {\n"
        "  { SELECT  (COUNT(?o) AS ?n) WHERE { <urn:a> ?p ?o }"
        " GROUP BY (<urn:a>) ORDER BY (<urn:a>) }\n"
        "  { SELECT ?x WHERE { ?s ?q ?x } }\n"  # not projected there: another ?s
        "  FILTER (EXISTS { <urn:a> ?r ?z })\n"
        "} GROUP BY (<urn:a>) ?n ORDER BY DESC((<urn:a>)) (<urn:a>)")
    assert OxigraphStore.in_memory([]).query(out).rows == []  # Oxigraph reads it
    assert inline_terms("SELECT ?s WHERE { BIND (1 AS ?s) }", {"s": "<urn:a>"}) is None
    assert inline_terms("SELECT ?n WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }",
                        {"s": "<urn:a>"}) is None  # a subquery left projecting nothing


def test_select_groups_finds_every_where_group() -> None:
    text = ('SELECT ?s (EXISTS { ?a ?b ?c } AS ?e) WHERE { { SELECT * WHERE { ?s ?p ?o } }\n'
            '  OPTIONAL { SELECT ?k WHERE { ?k ?p "SELECT ?s {" } } }')
    found = [(text[offset:offset + 4], projected) for offset, projected in select_groups(text)]
    assert found == [(" { S", frozenset({"s"})), (" ?s ", None), (" ?k ", frozenset({"k"}))]

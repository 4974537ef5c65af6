"""The Store interface: every backend gives the same answers on the fixture data."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers.support import FIXTURE_COUNTS, FIXTURE_TOTAL, FIXTURE_TREE, settings_for
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from vetgraph.build import build_store
from vetgraph.config import GRAPH_CODES, GRAPH_DATA, GRAPH_ONTOLOGY, GRAPHS
from vetgraph.dataset import load_dataset, read_sources
from vetgraph.infer import infer_sources, load_rules
from vetgraph.shacl.graph import add_validation
from vetgraph.shacl.validate import validate_sources
from vetgraph.store import (
    BACKENDS,
    QueryError,
    ReadOnlyError,
    Store,
    StoreError,
    UnsupportedFormatError,
    open_store,
)
from vetgraph.store.oxigraph import OxigraphStore

PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX vet: <https://w3id.org/vetgraph/ontology#>
PREFIX qb: <http://purl.org/linked-data/cube#>
"""
SCHOOL = "https://w3id.org/vetgraph/id/school/"
JSON, CSV, TSV, XML = ("application/sparql-results+json", "text/csv",
                       "text/tab-separated-values", "application/sparql-results+xml")
TURTLE, NQUADS = "text/turtle", "application/n-quads"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """The fixture tree built once, as `vetgraph build` does."""
    store_dir = tmp_path_factory.mktemp("built") / "store"
    settings = settings_for(FIXTURE_TREE, store_dir)
    build_store(settings)
    return settings


@pytest.fixture(params=["oxigraph", "memory", "oxigraph-in-memory"])
def store(request: pytest.FixtureRequest, built) -> Store:
    if request.param == "oxigraph-in-memory":
        sources = read_sources(built)
        infer_sources(sources, load_rules(built))
        add_validation(sources, validate_sources(sources))  # graph/validation, as built
        s: Store = OxigraphStore.in_memory(sources.iter_quads(), prefixes=sources.prefixes)
    else:
        s = open_store(built, request.param)
    yield s
    s.close()


@pytest.fixture
def both(built):
    """The on-disk Oxigraph store and the rdflib one, to compare answers."""
    stores = (open_store(built, "oxigraph"), open_store(built, "memory"))
    yield stores
    for s in stores:
        s.close()


def test_backends_registered_and_protocol(store):
    assert {"memory", "oxigraph"} <= set(BACKENDS)  # others (remote) may register too
    assert isinstance(store, Store)
    with pytest.raises(StoreError, match="unknown store backend 'nope'"):
        open_store(settings_for(FIXTURE_TREE), "nope")


def test_missing_store_is_a_clear_error(tmp_path: Path):
    with pytest.raises(StoreError, match="run `vetgraph build` first"):
        open_store(settings_for(FIXTURE_TREE, tmp_path / "none"))


def test_union_default_graph(store):
    result = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert result.kind == "bindings" and result.variables == ["n"]
    assert result.rows == [(Literal(FIXTURE_TOTAL),)]
    # Ontology labels and data are both visible without GRAPH.
    ask = store.query(PREFIXES + 'ASK { vet:School rdfs:label "学校"@zh . ?s a vet:School }')
    assert ask.kind == "boolean" and ask.boolean is True


def test_graph_names_and_counts(store):
    assert store.graph_names() == sorted(GRAPHS.values())
    assert {g: store.triple_count(g) for g in store.graph_names()} == FIXTURE_COUNTS
    assert store.triple_count() == FIXTURE_TOTAL
    assert store.triple_count("https://example.org/no-such-graph") == 0


def test_default_graph_override(store):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert store.query(q, default_graph_uris=[GRAPH_CODES]).rows == [(Literal(11),)]
    assert store.query(q, default_graph_uris=[GRAPH_CODES, GRAPH_ONTOLOGY]).rows == [
        (Literal(33),)]
    # Naming only graphs for GRAPH leaves the default graph empty (SPARQL protocol).
    assert store.query(q, named_graph_uris=[GRAPH_DATA]).rows == [(Literal(0),)]
    named = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                        named_graph_uris=[GRAPH_DATA])
    assert named.rows == [(URIRef(GRAPH_DATA),)]


def test_bindings_are_values_not_text(store):
    q = PREFIXES + "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s"
    hostile = Literal('"} UNION { ?s ?p ?label } {"')
    assert store.query(q, bindings={"label": hostile}).rows == []
    nursing = store.query(q, bindings={"label": Literal("护理", lang="zh")})
    assert nursing.rows == [(URIRef("https://w3id.org/vetgraph/id/major/nursing"),
                             Literal("护理", lang="zh"))]
    typed = store.query(PREFIXES + "SELECT ?s ?n WHERE { ?s vet:studentCount ?n } ORDER BY ?s",
                        bindings={"n": Literal(800)})
    assert [row[0] for row in typed.rows] == [
        URIRef("https://w3id.org/vetgraph/dataset/enrolment-county"),
        URIRef(SCHOOL + "benxi-county"),
    ]
    iri = store.query(PREFIXES + "SELECT * WHERE { ?s vet:offersMajor ?m }",
                      bindings={"s": URIRef(SCHOOL + "benxi-county")})
    assert len(iri.rows) == 2
    # A binding must be projected, on every backend alike.
    with pytest.raises(QueryError, match=r"\?label"):
        store.query(PREFIXES + "SELECT ?s WHERE { ?s rdfs:label ?label }",
                    bindings={"label": hostile})


def test_same_answers_from_both_backends(both):
    queries = [
        PREFIXES + "SELECT ?s ?zh ?en WHERE { ?s a vet:School ; rdfs:label ?zh "
        'FILTER(lang(?zh) = "zh") OPTIONAL { ?s rdfs:label ?en FILTER(lang(?en) = "en") } } '
        "ORDER BY ?s",
        PREFIXES + "SELECT ?ds (SUM(?n) AS ?total) WHERE { ?o qb:dataSet ?ds ; "
        "vet:studentCount ?n } GROUP BY ?ds ORDER BY ?ds",
        PREFIXES + "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
        "GROUP BY ?g ORDER BY ?g",
        PREFIXES + "ASK { ?s vet:studentCount ?n FILTER(?n < 0) }",
    ]
    ox_store, mem_store = both
    for q in queries:
        a, b = ox_store.query(q), mem_store.query(q)
        assert (a.kind, a.variables, a.rows, a.boolean) == (b.kind, b.variables, b.rows,
                                                            b.boolean), q
    rows = ox_store.query(queries[1]).rows
    assert rows == [(URIRef("https://w3id.org/vetgraph/dataset/enrolment"), Literal(2650)),
                    (URIRef("https://w3id.org/vetgraph/dataset/graduates"), Literal(400))]
    construct = PREFIXES + "CONSTRUCT { ?s vet:studentCount ?n } WHERE { ?s vet:studentCount ?n }"
    a, b = ox_store.query(construct), mem_store.query(construct)
    assert a.kind == b.kind == "graph"
    assert sorted(a.triples) == sorted(b.triples) and len(a.triples) == 6


def test_unbound_and_empty_literals(store):
    q = PREFIXES + ("SELECT ?s ?en ?empty WHERE { ?s a vet:School "
                    'OPTIONAL { ?s rdfs:label ?en FILTER(lang(?en) = "en") } BIND("" AS ?empty) }'
                    " ORDER BY ?s")
    result = store.query(q)
    huanren = [r for r in result.rows if r[0] == URIRef(SCHOOL + "huanren")][0]
    assert huanren == (URIRef(SCHOOL + "huanren"), None, Literal(""))
    assert result.dicts()[-1] == {"s": URIRef(SCHOOL + "huanren"), "empty": Literal("")}
    body = json.loads(store.query_serialized(q, JSON)[1])
    assert body["results"]["bindings"][-1] == {
        "s": {"type": "uri", "value": SCHOOL + "huanren"},
        "empty": {"type": "literal", "value": ""},
    }


def test_max_rows_truncates(store):
    q = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    capped = store.query(q, max_rows=5)
    assert len(capped.rows) == 5 and capped.truncated is True
    whole = store.query(q, max_rows=FIXTURE_TOTAL)
    assert len(whole.rows) == FIXTURE_TOTAL and whole.truncated is False
    graph = store.query("CONSTRUCT WHERE { ?s ?p ?o }", max_rows=3)
    assert len(graph.triples) == 3 and graph.truncated is True
    kind, body, truncated = store.query_serialized(q, CSV, max_rows=5)
    assert (kind, truncated) == ("bindings", True)
    assert len(list(csv.reader(io.StringIO(body.decode())))) == 1 + 5


def test_serialized_formats(store):
    q = PREFIXES + "SELECT ?s ?label WHERE { ?s a vet:Major ; rdfs:label ?label } ORDER BY ?label"
    expected = store.query(q).rows
    assert len(expected) == 4
    for max_rows in (None, 100):  # native path and capped path agree
        kind, body, truncated = store.query_serialized(q, JSON, max_rows=max_rows)
        assert (kind, truncated) == ("bindings", False)
        data = json.loads(body)
        assert data["head"]["vars"] == ["s", "label"]
        assert [(b["s"]["value"], b["label"]["value"], b["label"]["xml:lang"])
                for b in data["results"]["bindings"]] == [
                    (str(s), str(label), label.language) for s, label in expected]
        parsed = list(ox.parse_query_results(
            store.query_serialized(q, TSV, max_rows=max_rows)[1], format=ox.QueryResultsFormat.TSV))
        assert len(parsed) == 4
        parsed = list(ox.parse_query_results(
            store.query_serialized(q, XML, max_rows=max_rows)[1], format=ox.QueryResultsFormat.XML))
        assert [str(p["label"].value) for p in parsed] == [str(r[1]) for r in expected]
        rows = list(csv.reader(io.StringIO(
            store.query_serialized(q, CSV, max_rows=max_rows)[1].decode())))
        assert rows[0] == ["s", "label"] and len(rows) == 5
        kind, body, _ = store.query_serialized("ASK { ?s ?p ?o }", JSON, max_rows=max_rows)
        assert kind == "boolean" and json.loads(body)["boolean"] is True
        kind, body, _ = store.query_serialized(
            PREFIXES + "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a vet:Major ; rdfs:label ?l }",
            JSON, graph_mime=TURTLE, max_rows=max_rows)
        assert kind == "graph"
        assert len(Graph().parse(data=body.decode(), format="turtle")) == 4


def test_format_mismatch_is_unsupported(store):
    with pytest.raises(UnsupportedFormatError):
        store.query_serialized("SELECT * WHERE { ?s ?p ?o }", TURTLE)
    with pytest.raises(UnsupportedFormatError):
        store.query_serialized("CONSTRUCT WHERE { ?s ?p ?o }", JSON)
    with pytest.raises(UnsupportedFormatError):
        store.query_serialized("SELECT * WHERE { ?s ?p ?o }", "image/png")
    with pytest.raises(UnsupportedFormatError):
        store.dump(TURTLE)  # a whole dataset needs a dataset syntax


def test_syntax_errors_are_query_errors(store):
    with pytest.raises(QueryError, match="syntax"):
        store.query("SELECT * WHERE { ?s ?p }")


def test_dump_round_trip(store, built):
    # The whole dataset in N-Quads loads into a fresh store with every quad.
    copy = OxigraphStore.in_memory(ox.parse(store.dump(NQUADS), format=ox.RdfFormat.N_QUADS))
    assert copy.graph_names() == store.graph_names()
    assert {g: copy.triple_count(g) for g in copy.graph_names()} == FIXTURE_COUNTS
    # One graph in Turtle is isomorphic to the same graph read from the sources.
    source = load_dataset(built).graph(URIRef(GRAPH_DATA))
    dumped = Graph().parse(data=store.dump(TURTLE, GRAPH_DATA).decode(), format="turtle")
    assert len(dumped) == FIXTURE_COUNTS[GRAPH_DATA]
    assert isomorphic(dumped, source)
    # Source prefixes make the dump readable.
    assert b"@prefix vet: <https://w3id.org/vetgraph/ontology#>" in store.dump(TURTLE, GRAPH_DATA)
    nq = store.dump(NQUADS, GRAPH_CODES).decode().splitlines()
    assert len(nq) == FIXTURE_COUNTS[GRAPH_CODES]


def test_updates(built):
    ro = open_store(built, "oxigraph")
    with pytest.raises(ReadOnlyError):
        ro.update("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }")
    ro.close()
    sources = read_sources(built)
    infer_sources(sources, load_rules(built))
    add_validation(sources, validate_sources(sources))
    for store in (open_store(built, "memory"), OxigraphStore.in_memory(sources.iter_quads())):
        store.update("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }")
        assert store.triple_count("urn:g") == 1
        assert "urn:g" in store.graph_names()
        assert store.triple_count() == FIXTURE_TOTAL + 1
        with pytest.raises(QueryError):
            store.update("INSERT DATA { nonsense")
        store.close()


def test_closed_store_refuses(built):
    store = open_store(built, "oxigraph")
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.query("ASK { ?s ?p ?o }")


def test_a_query_s_own_from_is_honoured_by_oxigraph() -> None:
    """pyoxigraph's union flag would otherwise win over FROM: the query names its dataset."""
    import pyoxigraph as ox

    from vetgraph.store.oxigraph import OxigraphStore

    s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    store = OxigraphStore.in_memory(
        quads=[
            ox.Quad(s, p, ox.Literal("1"), ox.NamedNode("http://example.org/g1")),
            ox.Quad(s, p, ox.Literal("2"), ox.NamedNode("http://example.org/g2")),
        ]
    )
    count = "SELECT (COUNT(*) AS ?n) {} WHERE {{ ?s ?p ?o }}"
    assert int(store.query(count.format("")).rows[0][0]) == 2  # union default graph
    assert int(store.query(count.format("FROM <http://example.org/g1>")).rows[0][0]) == 1
    # a FROM inside a string or an IRI is not a FROM clause
    quoted = 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o != "FROM <x>") }'
    assert int(store.query(quoted).rows[0][0]) == 2


@pytest.mark.parametrize("first", [True, False])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('SELECT (CONCAT("{", ?o) AS ?y) # a { in a comment\nWHERE { ?s <urn:p> ?o }',
         ['"{x"']),
        ("SELECT (EXISTS { ?s <urn:q> ?o } AS ?e) ?o { ?s <urn:p> ?o }",
         ['"false"^^<http://www.w3.org/2001/XMLSchema#boolean>', '"x"']),
        ('CONSTRUCT { ?s <urn:r> "} WHERE {" } WHERE { ?s <urn:p> ?o }',
         ['<urn:a> <urn:r> "} WHERE {"']),
        ("CONSTRUCT WHERE { ?s <urn:p> ?o }", ['<urn:a> <urn:p> "x"']),
        ("ASK { ?s <urn:p> ?o }", ["true"]),
    ],
)
def test_values_for_bindings_land_in_the_where_group(query: str, expected: list[str], first):
    """How the remote backend and the named queries bind a parameter: a VALUES block opening
    or closing the WHERE group, found on SPARQL tokens (a brace in a string, a comment or an
    EXISTS of the projection is not it; CONSTRUCT WHERE takes a trailing VALUES)."""
    from vetgraph.store.remote import with_values

    store = ox.Store()
    for s, o in (("urn:a", "x"), ("urn:b", "y")):
        store.add(ox.Quad(ox.NamedNode(s), ox.NamedNode("urn:p"), ox.Literal(o)))
    answer = store.query(with_values(query, {"s": URIRef("urn:a")}, first=first))
    if isinstance(answer, ox.QueryBoolean):
        assert [str(bool(answer)).lower()] == expected
    elif isinstance(answer, ox.QueryTriples):
        assert [f"{t.subject} {t.predicate} {t.object}" for t in answer] == expected
    else:
        (row,) = list(answer)
        assert sorted(str(term) for term in row) == expected

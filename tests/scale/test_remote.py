"""The remote backend against a real Virtuoso: build, the Store interface, the query library's
answers equal to Oxigraph's and rdflib's, and `vetgraph serve --backend remote`."""

from __future__ import annotations

import re
import time
import urllib.request
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox
import pytest
from helpers.live import start_server
from helpers.support import REPO, needs_real_tree, run_cli, settings_for
from rdflib import BNode, URIRef
from rdflib.term import Node

from vetgraph.config import GRAPHS
from vetgraph.dataset import read_sources, to_dataset
from vetgraph.infer import infer_sources, load_rules
from vetgraph.queries import bind, load_catalogue
from vetgraph.shacl.graph import add_validation
from vetgraph.shacl.validate import validate_sources
from vetgraph.store import QueryResult, ReadOnlyError, StoreError
from vetgraph.store.memory import MemoryStore
from vetgraph.store.oxigraph import OxigraphStore
from vetgraph.store.remote import RemoteStore

pytestmark = needs_real_tree
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in (
    "integer decimal double float int long short byte nonNegativeInteger positiveInteger "
    "negativeInteger nonPositiveInteger unsignedInt unsignedLong").split()}
#: The separators the named queries give GROUP_CONCAT.
SEPARATORS = re.compile(r"、|; |, | \| ")
TRAILING_ZEROS = re.compile(r"(?<![\d.])(\d+)\.(\d*?)0+(?![\d.])")


@pytest.fixture(scope="module")
def sources():
    """The sources with their inferred and validation graphs, as `vetgraph build --backend
    remote` loads them."""
    settings = settings_for(REPO)
    read = read_sources(settings)
    infer_sources(read, load_rules(settings))
    add_validation(read, validate_sources(read))
    return read


@pytest.fixture(scope="module")
def loaded(virtuoso, sources) -> RemoteStore:
    """The seed data in Virtuoso, loaded by the real command (validation included)."""
    done = run_cli("build", "--backend", "remote", *virtuoso.flags(), "--root", str(REPO))
    assert done.returncode == 0, done.stderr
    assert f"{sum(sources.counts().values())} triples in 6 graphs" in done.stdout
    return RemoteStore(virtuoso.query_url)


def test_graphs_counts_and_dumps(loaded: RemoteStore, sources) -> None:
    local = OxigraphStore.in_memory(sources.iter_quads())
    assert loaded.graph_names() == sorted(GRAPHS.values()) == local.graph_names()
    for graph in GRAPHS.values():
        assert loaded.triple_count(graph) == local.triple_count(graph)
    assert loaded.triple_count() == local.triple_count()
    # a dump is the graph itself (compared as canonical N-Triples, blank nodes aside)
    graph = GRAPHS["codes"]
    dumped = ox.parse(loaded.dump("application/n-triples", graph), format=ox.RdfFormat.N_TRIPLES)
    ours = ox.parse(local.dump("application/n-triples", graph), format=ox.RdfFormat.N_TRIPLES)
    assert {str(t) for t in dumped} == {str(t) for t in ours}
    quads = ox.parse(loaded.dump("application/n-quads"), format=ox.RdfFormat.N_QUADS)
    assert sum(1 for _ in quads) == local.triple_count()


def test_read_only_and_credentials(loaded: RemoteStore, virtuoso) -> None:
    with pytest.raises(ReadOnlyError):
        loaded.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    wrong = RemoteStore(virtuoso.update_url, user="dba", password="wrong", read_only=False)
    with pytest.raises(StoreError):
        wrong.update("INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } }")
    # the store's own graphs never leak into the dataset
    assert loaded.query("ASK { GRAPH ?g { ?s ?p ?o } FILTER (STRSTARTS(STR(?g), 'http://www.openlinksw')) }").boolean is False  # noqa: E501


def _without_trailing_zeros(text: str) -> str:
    """Decimals written inside text in their canonical form (9.0 -> 9, 3771.70 -> 3771.7)."""
    return TRAILING_ZEROS.sub(
        lambda m: m.group(1) + ("." + m.group(2) if m.group(2) else ""), text)


def _key(term: Node | None) -> object:
    """A term as compared across backends. Normalisations, each for a documented difference:

    - numbers by value (Virtuoso writes 3.50 as 3.5 and may type a count xsd:int);
    - plain and xsd:string literals alike (SPARQL JSON may or may not carry xsd:string);
    - GROUP_CONCAT lists as sorted parts (the order of an aggregate's values is unspecified);
    - decimals inside text without trailing zeros (STR of a decimal: Oxigraph writes the
      canonical 9 and 3771.7 where rdflib keeps the source's 9.0 and 3771.70);
    - language tags ignored (Oxigraph's GROUP_CONCAT keeps a tag its values share, SPARQL 1.1
      and the others return a simple literal); blank nodes by kind only (labels are local).
    """
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, BNode):
        return ("bnode",)
    text = _without_trailing_zeros(str(term))
    if term.language:  # GROUP_CONCAT keeps a shared tag on Oxigraph, not on rdflib/Virtuoso
        return ("lit", tuple(sorted(SEPARATORS.split(text))))
    datatype = str(term.datatype) if term.datatype else XSD + "string"
    if datatype in NUMERIC:
        try:
            return ("num", round(float(Decimal(text)), 6))
        except InvalidOperation:
            return ("num", text)
    if datatype == XSD + "string":
        return ("lit", tuple(sorted(SEPARATORS.split(text))))
    return ("typed", text, datatype)


def _answer(result: QueryResult) -> object:
    """Rows (or triples) as a set: Oxigraph's union default graph yields a triple once per
    graph holding it, rdflib and Virtuoso once (RDF merge)."""
    if result.kind == "boolean":
        return result.boolean
    if result.kind == "graph":
        return {tuple(_key(t) for t in triple) for triple in result.triples}
    return {tuple(_key(t) for t in row) for row in result.rows}


def _catalogue() -> list[str]:
    from vetgraph.queries import load_catalogue as catalogue

    try:
        return [q.name for q in catalogue(settings_for(REPO))]
    except Exception:  # sources missing: the module is skipped anyway
        return []


@pytest.fixture(scope="module")
def oxigraph(sources) -> OxigraphStore:
    return OxigraphStore.in_memory(sources.iter_quads())


def _example(name: str) -> tuple[str, dict[str, Node]]:
    """A named query's text and its example parameters, bound."""
    query = next(q for q in load_catalogue(settings_for(REPO)) if q.name == name)
    return query.text, bind(query, {p.name: p.example for p in query.params
                                    if p.example is not None})


@pytest.mark.parametrize("name", _catalogue())
def test_query_library_same_answers_on_oxigraph_and_virtuoso(
    name: str, loaded: RemoteStore, oxigraph: OxigraphStore
) -> None:
    """Every named query, with its example parameters, gives the same rows on Oxigraph and
    on Virtuoso (see :func:`_key` for what is normalised and why)."""
    text, bindings = _example(name)
    expected = _answer(oxigraph.query(text, bindings=bindings))
    assert expected not in (set(), None)  # the example finds something
    assert _answer(loaded.query(text, bindings=bindings)) == expected
    # As the server sends it: the header's bind mode (VALUES blocks, constants written in).
    query = next(q for q in load_catalogue(settings_for(REPO)) if q.name == name)
    prepared, sent = query.prepared(bindings)
    assert _answer(loaded.query(prepared, bindings=sent)) == expected


def _findings(result: QueryResult) -> set[tuple]:
    """Findings as (rule, severity, focus, the message's words, sorted): the lists inside a
    message (sources, parts) come in an engine's own order, and _key cannot split them out of
    the sentence around them; decimals as in :func:`_key`."""
    return {
        (str(rule), str(severity), str(focus), tuple(sorted(re.split(
            r"[\s、;,]+", _without_trailing_zeros(str(message))))))
        for rule, _name, severity, focus, message in result.rows
    }


def test_every_data_quality_finding_on_virtuoso(loaded: RemoteStore, oxigraph: OxigraphStore):
    """All five rules at once (no ``rule`` parameter): the 14 findings of the seed."""
    text, _ = _example("data-quality-findings")
    expected = _findings(oxigraph.query(text))
    assert len(expected) == 14
    assert _findings(loaded.query(text)) == expected


@pytest.fixture(scope="module")
def memory(sources) -> MemoryStore:
    return MemoryStore(to_dataset(sources))


@pytest.mark.parametrize("name", _catalogue())
def test_query_library_same_answers_on_oxigraph_and_memory(
    name: str, memory: MemoryStore, oxigraph: OxigraphStore
) -> None:
    """The memory backend (rdflib) gives Oxigraph's answer to every named query, with its
    example parameters, in reasonable time (same normalisation as for Virtuoso)."""
    text, bindings = _example(name)
    expected = _answer(oxigraph.query(text, bindings=bindings))
    assert expected not in (set(), None)
    started = time.monotonic()
    assert _answer(memory.query(text, bindings=bindings)) == expected
    assert time.monotonic() - started < 60  # seconds; the slowest (findings) takes ~15 s


def test_every_data_quality_finding_on_memory(memory: MemoryStore, oxigraph: OxigraphStore):
    text, _ = _example("data-quality-findings")
    expected = _findings(oxigraph.query(text))
    assert len(expected) == 14
    assert _findings(memory.query(text)) == expected


@pytest.fixture(scope="module")
def served(loaded: RemoteStore, virtuoso, tmp_path_factory: pytest.TempPathFactory):
    """`vetgraph serve --backend remote` on a free port, two workers."""
    live = start_server(None, tmp_path_factory.mktemp("serve-remote"), "--backend", "remote",
                        "--endpoint", virtuoso.query_url, "--workers", "2")
    yield live.url
    live.stop()


def _get(url: str, accept: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_remote_endpoint_api_views_pages(served: str) -> None:
    import json
    import urllib.parse

    query = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/vetgraph/ontology#School> }")  # noqa: E501
    status, body = _get(f"{served}/sparql?query={query}", "application/sparql-results+json")
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "6"
    status, body = _get(f"{served}/api/queries/schools?format=csv")
    assert status == 200 and body.decode().count("\n") == 7
    assert "卫生学校、市卫生学校" in body.decode() or "市卫生学校、卫生学校" in body.decode()
    status, body = _get(f"{served}/id/school/benxi-health-school", "text/turtle")
    assert status == 200 and "本溪市卫生学校" in body.decode()
    status, body = _get(f"{served}/network/school-major-cluster.json")
    assert status == 200 and json.loads(body)


def test_serve_remote_refuses_the_guard_bypass(served: str) -> None:
    """The remote backend's workers keep the host network (they talk to the store): the guard
    alone must stop the issue-17 bypass, and the home page says so."""
    import json
    import socket
    import urllib.parse

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.5)
    here = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    try:
        hidden = (
            "PREFIX ex: <http://example.org/>\nSELECT * WHERE { BIND(1 AS ?s) #x\r"
            f"BIND(ex:a\\' AS ?o) SERVICE <{here}> {{ ?x ?y ?z }} #'\n}}"
        )
        dotted = f"PREFIX ex: <http://e/> SELECT * {{ ?s ?p ex:o.a.SERVICE <{here}> {{}} }}"
        for text in (hidden, dotted):
            request = urllib.request.Request(
                f"{served}/sparql", data=urllib.parse.urlencode({"query": text}).encode()
            )
            try:
                urllib.request.urlopen(request, timeout=60)
                raise AssertionError("the bypass was not refused")
            except urllib.error.HTTPError as error:
                assert error.code == 400
                assert "SERVICE is not allowed" in error.read().decode()
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    status, body = _get(f"{served}/?format=json")
    assert status == 200 and json.loads(body)["limits"]["worker_network"] == "host"

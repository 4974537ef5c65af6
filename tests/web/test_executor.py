"""The worker's side of a query, in process: resource checks in the same call, row counts,
and answers written by the worker byte for byte as the API wrote them from JSON before."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers.support import REPO, settings_for
from rdflib import Dataset, Literal, URIRef

from vetgraph.engine import executor as engine
from vetgraph.engine.executor import QueryExecutor, QueryRequest, WorkerSpec, _run_query
from vetgraph.engine.guard import Refusal
from vetgraph.store.base import write_results
from vetgraph.store.memory import MemoryStore
from vetgraph.store.oxigraph import OxigraphStore

G = "urn:vetgraph:test:g"
SRJ = "application/sparql-results+json"
FORMATS = (
    SRJ,
    "text/csv",
    "text/tab-separated-values",
    "application/sparql-results+xml",
)
SELECT = "SELECT ?s ?label WHERE { ?s <urn:p> ?label } ORDER BY ?s"
EXISTS = "ASK { ?iri ?p ?o }"
TRIPLES = [
    ("urn:s1", Literal("一, \"quoted\"\tand tab", lang="zh")),
    ("urn:s2", Literal("2", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer"))),
    ("urn:s3", Literal("line\nbreak")),
]


def _oxigraph() -> OxigraphStore:
    return OxigraphStore.in_memory(
        ox.Quad(
            ox.NamedNode(s),
            ox.NamedNode("urn:p"),
            ox.Literal(str(o), language=o.language)
            if o.language
            else ox.Literal(str(o), datatype=ox.NamedNode(str(o.datatype)))
            if o.datatype
            else ox.Literal(str(o)),
            ox.NamedNode(G),
        )
        for s, o in TRIPLES
    )


def _memory() -> MemoryStore:
    dataset = Dataset(default_union=True)
    graph = dataset.graph(URIRef(G))
    for s, o in TRIPLES:
        graph.add((URIRef(s), URIRef("urn:p"), o))
    return MemoryStore(dataset)


@pytest.fixture(params=["oxigraph", "memory"])
def store(request: pytest.FixtureRequest):
    return _oxigraph() if request.param == "oxigraph" else _memory()


def _run(store, text: str, mime: str = SRJ, **options) -> object:
    options.setdefault("max_rows", 10)
    return _run_query(store, frozenset([G]), QueryRequest(text, mime, None, **options))


@pytest.mark.parametrize("mime", FORMATS)
@pytest.mark.parametrize("max_rows", [10, 2])
def test_counted_answer_is_the_page_the_api_wrote(store, mime: str, max_rows: int):
    """Before, the API asked for JSON and wrote the page itself (``write_results``)."""
    whole = _run(store, SELECT, max_rows=max_rows)
    doc = json.loads(whole.body)
    page = {"head": doc["head"], "results": {"bindings": doc["results"]["bindings"]}}
    counted = _run(store, SELECT, mime, max_rows=max_rows, count_rows=True)
    assert counted.body == write_results(page, mime)
    assert counted.rows == len(page["results"]["bindings"]) == min(3, max_rows)
    assert counted.truncated is whole.truncated is (max_rows < 3)


def test_preconditions_run_first_and_stop_at_the_first_false(store):
    there = (EXISTS, (("iri", URIRef("urn:s1")),))
    missing = (EXISTS, (("iri", URIRef("urn:nowhere")),))
    reply = _run(store, SELECT, preconditions=(there, there), count_rows=True)
    assert reply.failed_precondition is None and reply.rows == 3
    # The query is not run (a bad text would raise) once a precondition is false.
    stopped = _run(store, "SELECT nonsense {", preconditions=(there, missing, there))
    assert stopped.failed_precondition == 1 and stopped.body == b"" and stopped.checked is None


def test_a_precondition_must_be_an_ask(store):
    with pytest.raises(Refusal):
        _run(store, SELECT, preconditions=(("SELECT * WHERE { ?s ?p ?o }", ()),))


def test_idle_workers_are_taken_last_in_first_out():
    """The worker that answered last takes the next request (it is the warm one)."""
    executor = QueryExecutor(WorkerSpec("memory", None, None), workers=2)
    first, second = object(), object()
    executor._idle.put(first)  # type: ignore[arg-type]
    executor._idle.put(second)  # type: ignore[arg-type]
    assert executor._idle.get_nowait() is second
    assert executor._idle.get_nowait() is first


def test_a_long_answer_is_written_solution_by_solution_the_same(monkeypatch):
    """pyoxigraph writes a short JSON answer whole; past ``WHOLE_ANSWER_BYTES`` the worker
    stops it and writes the answer from the terms: the same bytes, counts and truncation,
    and the text goes that way at once next time."""
    store = _oxigraph()
    text = (
        "SELECT ?s ?label ?none WHERE { ?s <urn:p> ?label OPTIONAL { ?s <urn:q> ?none } } "
        "ORDER BY ?s"
    )
    monkeypatch.setattr(engine, "_long_answers", {})
    for mime in FORMATS:
        for max_rows in (10, 3, 2):
            whole = _run(store, text, mime, max_rows=max_rows)
            assert text not in engine._long_answers
            with monkeypatch.context() as short:
                short.setattr(engine, "WHOLE_ANSWER_BYTES", 64)
                written = _run(store, text, mime, max_rows=max_rows)
                assert (text in engine._long_answers) is (mime == SRJ)
                again = _run(store, text, mime, max_rows=max_rows)
            engine._long_answers.clear()
            for reply in (written, again):
                assert reply.body == whole.body
                assert reply.rows == whole.rows == min(3, max_rows)
                assert reply.truncated is whole.truncated is (max_rows < 3)
    doc = json.loads(_run(store, text, max_rows=2).body)
    assert doc["head"]["vars"] == ["s", "label", "none"]
    assert doc["results"]["bindings"][0] == {
        "s": {"type": "uri", "value": "urn:s1"},
        "label": {"type": "literal", "value": '一, "quoted"\tand tab', "xml:lang": "zh"},
    }


SCHOOLS = "SELECT (COUNT(?s) AS ?n) WHERE { ?s a <https://w3id.org/vetgraph/ontology#School> }"


@pytest.mark.parametrize("reopen_after", [0.0, None, 60.0])
def test_a_worker_opens_its_store_afresh_after_a_long_query(project_store: Path, reopen_after):
    """After a query that took ``reopen_after`` seconds or more a worker opens the store
    again (REOPEN_AFTER_SECONDS says why), answers the same from the new handle, and stays
    the same process; /health counts it. Here every query is long enough (0 s), or none."""
    spec = WorkerSpec(
        "oxigraph",
        Path(os.path.realpath(project_store)),
        settings_for(REPO, project_store),  # the tree project_store is built from
        isolate_network=False,
        reopen_after=reopen_after,
    )
    with QueryExecutor(spec, workers=1) as executor:
        answers = [
            json.loads(executor.query(QueryRequest(SCHOOLS, SRJ, None)).body)
            for _ in range(3)
        ]
        health = executor.health()
    assert {a["results"]["bindings"][0]["n"]["value"] for a in answers} == {"6"}
    assert health["store_reopens"] == (3 if reopen_after == 0.0 else 0)
    assert health["worker_restarts"] == 0
    assert health["workers"]["alive"] == 1

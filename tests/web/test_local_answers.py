"""The app's own queries answered in the web process once a worker has timed them
(``QueryExecutor.query``, ``--local-query-ms``): the same answers; never a user's query;
back to the workers when slower or larger than allowed; never from a store that changed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers.support import REPO, settings_for
from helpers.web import copy_store, start_server
from rdflib import URIRef

from vetgraph.engine import executor as engine
from vetgraph.engine.executor import QueryExecutor, QueryRequest, WorkerFailed, WorkerSpec

SRJ = "application/sparql-results+json"
DATA = "https://w3id.org/vetgraph/graph/data"
SCHOOL = "https://w3id.org/vetgraph/id/school/"
SCHOOLS = "SELECT (COUNT(?s) AS ?n) WHERE { ?s a <https://w3id.org/vetgraph/ontology#School> }"
FACTS_ABOUT = "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s"
PROBE = "SELECT (COUNT(*) AS ?n) WHERE { <urn:vetgraph:test:a> ?p ?o }"
INSERT = f"INSERT DATA {{ GRAPH <{DATA}> {{ <urn:vetgraph:test:a> <urn:vetgraph:test:p> 1 }} }}"


def _executor(store: Path, local_max: float) -> QueryExecutor:
    spec = WorkerSpec(
        "oxigraph",
        Path(os.path.realpath(store)),
        settings_for(REPO, store),  # the tree project_store is built from
        isolate_network=False,
    )
    return QueryExecutor(spec, workers=1, local_max=local_max)


def _count(executor: QueryExecutor, text: str, trusted: bool = True, **bindings: str
           ) -> tuple[str, bool]:
    """The count a query answers, and whether the web process answered it."""
    values = tuple((name, URIRef(iri)) for name, iri in bindings.items())
    reply = executor.query(QueryRequest(text, SRJ, None, bindings=values, trusted=trusted))
    return json.loads(reply.body)["results"]["bindings"][0]["n"]["value"], reply.local


def test_the_apps_queries_are_answered_here_once_a_worker_timed_them(project_store: Path):
    with _executor(project_store, local_max=10.0) as executor:
        trusted = [_count(executor, SCHOOLS) for _ in range(3)]
        users = [_count(executor, SCHOOLS, trusted=False) for _ in range(3)]
        # Other values bound are another request: a worker times each first.
        bound = [
            _count(executor, FACTS_ABOUT, s=SCHOOL + name)[1]
            for name in ("benxi-health-school", "benxi-electromechanical-school") * 2
        ]
        health = executor.health()
    assert trusted == [("6", False), ("6", True), ("6", True)]
    assert users == [("6", False)] * 3
    assert bound == [False, False, True, True]
    assert health["local_answers"] == 4
    assert health["worker_restarts"] == 0


def test_a_request_whose_check_failed_is_never_answered_here(project_store: Path):
    """The checks of a request answered here are not asked again (they held on this data):
    so a request whose check failed must go to a worker every time, and fail there."""
    exists = "ASK { ?iri a <https://w3id.org/vetgraph/ontology#School> }"
    replies = []
    with _executor(project_store, local_max=10.0) as executor:
        for name in ("no-such-school", "benxi-health-school") * 2:
            checks = ((exists, (("iri", URIRef(SCHOOL + name)),)),)
            reply = executor.query(QueryRequest(SCHOOLS, SRJ, None, preconditions=checks,
                                                trusted=True))
            replies.append((reply.failed_precondition, reply.local))
    assert replies == [(0, False), (None, False), (0, False), (None, True)]


def test_off_or_over_the_size_limit_every_request_goes_to_a_worker(
    project_store: Path, monkeypatch: pytest.MonkeyPatch
):
    with _executor(project_store, local_max=0.0) as executor:
        off = [_count(executor, SCHOOLS) for _ in range(3)]
    monkeypatch.setattr(engine, "LOCAL_MAX_BYTES", 100)  # the answer is 180 bytes or so
    with _executor(project_store, local_max=10.0) as executor:
        large = [_count(executor, SCHOOLS) for _ in range(3)]
    assert off == large == [("6", False)] * 3


def test_a_request_slower_here_than_the_limit_goes_back_to_the_workers(project_store: Path):
    with _executor(project_store, local_max=10.0) as executor:
        seen = [_count(executor, SCHOOLS)[1]]  # timed by the worker, within 10 s
        executor.local_max = 1e-9  # every evaluation now takes longer than that
        seen += [_count(executor, SCHOOLS)[1] for _ in range(3)]
    assert seen == [False, True, False, False]


def test_a_closed_executor_answers_nothing_here_either(project_store: Path):
    executor = _executor(project_store, local_max=10.0).start()
    try:
        assert [_count(executor, SCHOOLS) for _ in range(2)] == [("6", False), ("6", True)]
    finally:
        executor.close()
    with pytest.raises(WorkerFailed, match="closed"):
        _count(executor, SCHOOLS)


def test_after_an_update_a_worker_answers_first_from_the_new_data(
    project_store: Path, tmp_path: Path
):
    store = copy_store(project_store, tmp_path)
    with _executor(store, local_max=10.0) as executor:
        before = [_count(executor, PROBE) for _ in range(2)]
        executor.update(INSERT)
        after = [_count(executor, PROBE) for _ in range(2)]
    assert before == [("0", False), ("0", True)]
    assert after == [("1", False), ("1", True)]


def test_after_a_switch_the_answers_here_come_from_the_new_build(
    project_store: Path, tmp_path: Path
):
    old = copy_store(project_store, tmp_path / "old")
    new = copy_store(project_store, tmp_path / "new")
    raw = ox.Store(str(new))
    raw.add(ox.Quad(ox.NamedNode("urn:vetgraph:test:a"), ox.NamedNode("urn:vetgraph:test:p"),
                    ox.Literal("1"), ox.NamedNode(DATA)))
    raw.flush()
    del raw
    with _executor(old, local_max=10.0) as executor:
        before = [_count(executor, PROBE) for _ in range(2)]
        assert executor.switch_store(new, "a test")
        after = [_count(executor, PROBE) for _ in range(2)]
    assert before == [("0", False), ("0", True)]
    assert after == [("1", False), ("1", True)]


def _metrics(response) -> set[str]:
    """The names of the Server-Timing metrics of an answer."""
    return {part.split(";")[0].strip() for part in response.headers["Server-Timing"].split(",")}


@pytest.mark.parametrize("flags", [(), ("--local-query-ms", "0")])
def test_over_http_a_named_query_says_where_it_was_answered(
    built_store: Path, tmp_path: Path, flags: tuple[str, ...]
):
    """With the answer cache off, the second and third asking of a named query are answered
    in the web process (Server-Timing ``local``), the same bytes; /sparql never is."""
    server = start_server(built_store, tmp_path, "--workers", "2", *flags,
                          env={"VETGRAPH_ANSWER_CACHE": "0"})
    try:
        answers = [server.get("/api/queries/schools", headers={"Accept": SRJ})
                   for _ in range(3)]
        counted = server.get("/health").json()["local_answers"]
        users = [server.query(SCHOOLS) for _ in range(3)]
        health = server.get("/health").json()
    finally:
        server.stop()
    local = not flags
    assert [a.status_code for a in answers + users] == [200] * 6
    assert len({a.content for a in answers}) == 1
    assert [_metrics(a) & {"worker", "local"} for a in answers] == (
        [{"worker"}, {"local"}, {"local"}] if local else [{"worker"}] * 3
    )
    assert counted == (2 if local else 0)
    assert health["local_answers"] == counted  # a user's query went to a worker each time
    assert {u.json()["results"]["bindings"][0]["n"]["value"] for u in users} == {"6"}

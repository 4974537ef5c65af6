"""Fair share (issue 17, item 5): cheap requests keep being served while slow queries hold the
other workers; timeouts answer 503 with Retry-After; a per-client limit answers 429."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from helpers.web import FACTS, start_server

CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
ACCEPT = {"Accept": "application/sparql-results+json"}


def _cheap(server) -> tuple[int, float, object]:
    """A named query of the library (the schools) and an ad-hoc ASK: status, seconds, answer."""
    started = time.monotonic()
    schools = server.get("/api/queries/schools", headers=ACCEPT)
    ask = server.query("ASK { ?s ?p ?o }")
    elapsed = time.monotonic() - started
    if schools.status_code != 200 or ask.status_code != 200:
        return max(schools.status_code, ask.status_code), elapsed, schools.text + ask.text
    rows = schools.json()["results"]["bindings"]
    return 200, elapsed, (len(rows), ask.json()["boolean"])


@pytest.mark.slow
def test_cheap_requests_are_served_while_four_slow_clients_hold_the_workers(
    built_store, tmp_path
):
    """The issue's repro: four clients send slow queries again and again; a cheap probe
    waited 8.6 s, then got 503. Now every probe is answered, each within the queue wait."""
    server = start_server(
        built_store, tmp_path, "--workers", "4", "--query-timeout", "5", "--queue-wait", "2"
    )
    try:
        assert _cheap(server)[0] == 200  # warm
        stop = time.monotonic() + 12
        slow_answers: list = []

        def slow_client() -> None:
            while time.monotonic() < stop:
                slow_answers.append(server.query(CROSS))

        with ThreadPoolExecutor(4) as slow_pool:
            for _ in range(4):
                slow_pool.submit(slow_client)
            time.sleep(0.5)
            probes = []
            while time.monotonic() < stop - 1:
                probes.append(_cheap(server))
                time.sleep(0.2)
        assert len(probes) >= 10
        assert [p[0] for p in probes] == [200] * len(probes), probes
        assert {p[2] for p in probes} == {(FACTS["schools"], True)}
        assert max(p[1] for p in probes) < 4.0, [round(p[1], 2) for p in probes]
        assert slow_answers and all(r.status_code == 503 for r in slow_answers)
        for response in slow_answers:  # every refusal says when to come back
            assert int(response.headers["Retry-After"]) >= 1, response.text
        timeouts = [r for r in slow_answers if "ran longer than 5 s" in r.text]
        assert timeouts and all(r.headers["Retry-After"] == "5" for r in timeouts)
        health = server.get("/health").json()
        assert health["workers"]["expected"] == 4
    finally:
        server.stop()


@pytest.mark.slow
def test_a_client_past_its_share_gets_429_with_retry_after(built_store, tmp_path):
    server = start_server(
        built_store, tmp_path, "--workers", "3", "--query-timeout", "3",
        "--max-client-queries", "1",
    )
    try:
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(server.query, CROSS)
            time.sleep(1.0)
            second = server.query("ASK {}")
            assert second.status_code == 429, second.text
            assert second.headers["Retry-After"] == "1"
            assert "already has 1 queries running" in second.text
            assert slow.result().status_code == 503
        again = server.query("ASK {}")  # its query is over: served again
        assert again.status_code == 200 and again.json()["boolean"] is True
        assert server.get("/").status_code == 200  # pages are not counted
    finally:
        server.stop()


def test_the_service_description_names_the_fair_share_limits(server):
    from rdflib import Graph, Literal, Namespace, URIRef
    from rdflib.namespace import XSD

    vetsd = Namespace("https://w3id.org/vetgraph/ontology/service#")
    response = server.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    service = URIRef(server.sparql_url)
    assert graph.value(service, vetsd.reservedWorkers) == Literal(1, datatype=XSD.integer)
    assert graph.value(service, vetsd.maxClientQueries) == Literal(0, datatype=XSD.integer)
    assert graph.value(service, vetsd.reservedTimeout) == Literal("1.0", datatype=XSD.decimal)

"""The one HTTP layer (:mod:`vetgraph.web.http`): each failure has one name and status on every
surface, negotiation reads Accept through werkzeug with the alias table, one 304, one gzip.

The over-memory test runs a real server with real workers (the cap is what kills them); the
rest use Flask's test client on an app of one worker, since no worker behaviour is at stake.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers.support import settings_for
from helpers.web import FACTS, TREE, start_server

from vetgraph.web.http import HttpError, as_http_error

#: Three patterns over the whole store: far more than 50 ms of work, so a 1 MiB cap stops it.
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CROSS_QUERY_FILE = f"""#+ summary_zh: 交叉积（测试用）
#+ summary_en: A cross product, to exceed the workers' memory cap in a test
#+ description: Every triple against every triple against every triple, counted.
#+ tags: [test]
{CROSS}
"""
OVER_MEMORY = "the query used more than 1 MiB of memory and was stopped"
JSON = {"Accept": "application/json"}


def _tree_with_cross_query(tmp_path: Path) -> Path:
    """The served tree (linked, not copied) with one more named query, the cross product."""
    tree = tmp_path / "tree"
    tree.mkdir()
    for entry in TREE.iterdir():
        if entry.name != "queries" and not entry.name.startswith("."):
            (tree / entry.name).symlink_to(entry)
    shutil.copytree(TREE / "queries", tree / "queries")
    (tree / "queries" / "cross-product.rq").write_text(CROSS_QUERY_FILE, encoding="utf-8")
    return tree


def test_over_memory_has_one_name_on_every_surface(built_store: Path, tmp_path: Path) -> None:
    """The issue's disagreement: over the memory cap was ``internal-error`` on /api and
    ``graph-unavailable`` on /network; now ``over-memory``, 503 and Retry-After everywhere."""
    capped = start_server(
        built_store, tmp_path, "--workers", "1", "--worker-memory", "1", "--query-timeout", "30",
        tree=_tree_with_cross_query(tmp_path),
    )
    try:
        answers = {
            "/sparql GET": capped.get(params={"query": CROSS}, headers=JSON),
            "/sparql POST": capped.post(data={"query": CROSS}, headers=JSON),
            "/api": capped.get("/api/queries/cross-product", headers=JSON),
            "/network": capped.get("/network/entity.graphml", headers=JSON, timeout=120),
            "/graph (moved, 308)": capped.get("/graph/entity.graphml", headers=JSON, timeout=120),
        }
        for surface, response in answers.items():
            assert response.status_code == 503, (surface, response.text)
            assert response.headers["Retry-After"] == "30", surface
            assert response.json() == {
                "error": "over-memory", "message": OVER_MEMORY, "status": 503,
            }, surface
        text = capped.get("/api/queries/cross-product", headers={"Accept": "text/csv"})
        assert (text.status_code, text.text) == (503, OVER_MEMORY + "\n")
    finally:
        capped.stop()


@pytest.fixture(scope="module")
def app(built_store: Path) -> Iterator[Flask]:
    from vetgraph.web import create_app

    application = create_app(settings_for(TREE, built_store), workers=1)
    yield application
    application.extensions["vetgraph"].executor.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_a_refusal_answers_through_the_one_handler(client: FlaskClient) -> None:
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    answer = client.get("/sparql", query_string={"query": service}, headers=JSON)
    assert answer.status_code == 400
    assert answer.json is not None and answer.json["error"] == "service-refused"
    assert answer.headers["Cache-Control"] == "no-store"


def test_protocol_and_api_errors_share_the_error_shape(client: FlaskClient) -> None:
    both = client.post("/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"}, headers=JSON)
    assert (both.status_code, both.json) == (400, {
        "error": "bad-request", "message": "send either 'query' or 'update', not both",
        "status": 400,
    })
    turtle = client.get("/api/queries/schools", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 406
    assert turtle.text.startswith("this query answers in application/sparql-results+json")
    missing = client.get("/api/queries/no-such-query", headers=JSON)
    assert (missing.status_code, missing.json) == (404, {
        "error": "not-found", "message": "no query named 'no-such-query'; see /api/queries",
        "status": 404,
    })


def test_engine_errors_map_to_http_errors() -> None:
    from vetgraph.engine.executor import Busy, QueryOverMemory, WorkerDied, WorkerFailed
    from vetgraph.engine.guard import Refusal

    busy = as_http_error(Busy("all 1 query workers are busy", 2))
    assert busy is not None
    assert (busy.status, busy.name, busy.headers) == (503, "busy", {"Retry-After": "2"})
    memory = as_http_error(QueryOverMemory(OVER_MEMORY, 3))
    assert memory is not None and (memory.status, memory.name) == (503, "over-memory")
    died = as_http_error(WorkerDied("gone"))
    assert died is not None and (died.status, died.name, died.headers) == (500, "worker-died", {})
    refused = as_http_error(Refusal("no", 413, "too-long"))
    assert refused is not None and (refused.status, refused.name) == (413, "too-long")
    assert as_http_error(WorkerFailed("a bug")) is None  # an internal error: to the log only
    assert as_http_error(ValueError("x")) is None
    own = HttpError(418, "short and stout", "teapot")
    assert as_http_error(own) is own


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/json; charset=utf-8", "application/sparql-results+json"),
        ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
        ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
        ("", "application/sparql-results+json"),
    ],
)
def test_negotiation_over_http(client: FlaskClient, accept: str, expected: str) -> None:
    answer = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                        headers={"Accept": accept})
    assert answer.status_code == 200
    assert answer.mimetype == expected


def test_nothing_acceptable_is_406(client: FlaskClient) -> None:
    answer = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                        headers={"Accept": "image/png"})
    assert answer.status_code == 406


@pytest.mark.parametrize("path", [
    "/api/queries/schools", "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D", "/",
])
def test_one_304_on_every_surface(client: FlaskClient, path: str) -> None:
    first = client.get(path, headers=JSON)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = client.get(path, headers={**JSON, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert again.data == b""


@pytest.mark.parametrize(("encoding", "gzipped"), [
    ("gzip", True), ("x-gzip", True), ("*", True), ("gzip;q=0", False),
    ("gzip;q=0, *", False), ("identity", False), ("br, *;q=0.5", True),
])
def test_one_accept_encoding_reader(client: FlaskClient, encoding: str, gzipped: bool) -> None:
    answer = client.get("/api/queries/schools", headers={**JSON, "Accept-Encoding": encoding})
    assert answer.status_code == 200
    assert (answer.headers.get("Content-Encoding") == "gzip") is gzipped
    if not gzipped:
        assert FACTS["health_school"] in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", [
    "/api/queries/no-such-query",
    "/network/path.json?from=no-such-entity&to=another-missing-one",
    "/id/school/nothing-like-it",
])
def test_not_found_has_one_name_on_every_surface(client: FlaskClient, path: str) -> None:
    answer = client.get(path, headers=JSON)
    assert answer.status_code == 404, answer.get_data(as_text=True)
    assert answer.json is not None and answer.json["error"] == "not-found"
    assert answer.headers["Cache-Control"] == "no-store"


def test_a_bad_parameter_is_named_by_the_one_handler(client: FlaskClient) -> None:
    answer = client.get("/api/queries/schools?format=pdf", headers=JSON)
    assert answer.status_code == 400
    assert answer.json is not None and answer.json["error"] == "bad-parameter"
    assert answer.json["message"] == (
        "parameter 'format': 'pdf' is not one of json, xml, csv, tsv, html"
    )

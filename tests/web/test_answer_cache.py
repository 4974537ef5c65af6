"""The answer cache of /sparql and /api/queries (issue 22, item 3), against real servers: what
``Cache-Status`` says (RFC 9211), how query text is normalised, that an accepted update and a
build switch empty it, that it keeps to its size, that errors and truncated answers are never
kept, and that ``VETGRAPH_ANSWER_CACHE=0`` turns it off."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from helpers.support import clean_env, run_cli, settings_for
from helpers.web import FACTS, TREE, copy_store, start_server

from vetgraph.build import build_store

TOKEN = "cache-token"
JSON = {"Accept": "application/sparql-results+json"}
HIT = "vetgraph; hit"
STORED = "vetgraph; fwd=miss; stored"
MISS = "vetgraph; fwd=miss"
SCHOOLS = (
    "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a <https://w3id.org/vetgraph/ontology#School> }"
)
COUNT_NEW = "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:vetgraph:test:cache> ?o }"
#: More rows than the cached server answers whole (it answers 1,000).
MANY = "SELECT ?v WHERE { VALUES ?v { " + " ".join(map(str, range(1001))) + " } }"
#: The small server keeps this many bytes of answers.
CAPACITY = 1500


@pytest.fixture(scope="module")
def cached(built_store, tmp_path_factory):
    """A writable server with the cache on (its default size), at most 1,000 rows."""
    folder = tmp_path_factory.mktemp("cached")
    live = start_server(
        copy_store(built_store, folder), folder,
        "--workers", "2", "--max-rows", "1000", "--allow-update", "--update-token", TOKEN,
    )
    yield live
    live.stop()


def _timing(response) -> dict[str, float]:
    """Server-Timing's metrics and their durations, in order."""
    metrics = [m.strip().split(";") for m in response.headers["Server-Timing"].split(",")]
    return {m[0]: float(next(p[4:] for p in m[1:] if p.startswith("dur="))) for m in metrics}


def _count(server, text: str = SCHOOLS) -> tuple[int, str]:
    response = server.query(text)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"]), response.headers[
        "Cache-Status"
    ]


def test_a_repeated_query_is_a_hit_whatever_its_layout(cached):
    first = cached.query(SCHOOLS + " # first")
    assert first.status_code == 200, first.text
    assert first.headers["Cache-Status"] == STORED
    again = cached.query(SCHOOLS + " # first")
    assert again.headers["Cache-Status"] == HIT
    assert again.content == first.content
    assert again.headers["X-SPARQL-Truncated"] == "false"
    assert 'desc="answer cache hit"' in again.headers["Server-Timing"]
    # White space and comments outside strings do not make a new entry ...
    laid_out = SCHOOLS.replace(" WHERE ", "\n  WHERE\t# the schools\n  ")
    assert cached.query(laid_out).headers["Cache-Status"] == HIT
    # ... another result format, a dataset given, or white space inside a string does.
    csv = cached.query(SCHOOLS, "text/csv")
    assert csv.headers["Cache-Status"] == STORED
    assert csv.text.splitlines() == ["n", str(FACTS["schools"])]
    graph = cached.query(SCHOOLS, **{"default-graph-uri": "https://w3id.org/vetgraph/graph/data"})
    assert graph.headers["Cache-Status"] == STORED
    one, two = 'ASK { FILTER("a b" = "a b") }', 'ASK { FILTER("a  b" = "a b") }'
    assert cached.query(one).headers["Cache-Status"] == STORED
    answer = cached.query(two)
    assert answer.headers["Cache-Status"] == STORED
    assert answer.json()["boolean"] is False


def test_named_queries_are_kept_by_parameters_and_format(cached):
    first = cached.get("/api/queries/schools", headers=JSON)
    assert first.status_code == 200, first.text
    assert first.headers["Cache-Status"] == STORED
    again = cached.get("/api/queries/schools", headers=JSON)
    assert again.headers["Cache-Status"] == HIT
    assert again.content == first.content
    assert again.headers["X-SPARQL-Truncated"] == first.headers["X-SPARQL-Truncated"]
    assert again.headers.get("X-Total-Count") == first.headers.get("X-Total-Count")
    # Server-Timing: the worker's own time (query) within the round trip to it (worker) within
    # the whole request (total); a hit says so instead.
    timing = _timing(first)
    assert list(timing) == ["query", "worker", "total"]
    assert 0 <= timing["query"] <= timing["worker"] <= timing["total"] and timing["total"] > 0
    assert 'desc="answer cache hit"' in again.headers["Server-Timing"]
    assert list(_timing(again)) == ["query", "total"]
    paged = cached.get("/api/queries/schools", params={"limit": "2"}, headers=JSON)
    assert paged.headers["Cache-Status"] == STORED
    assert len(paged.json()["results"]["bindings"]) == 2
    paged_again = cached.get("/api/queries/schools", params={"limit": "2"}, headers=JSON)
    assert paged_again.headers["Cache-Status"] == HIT
    assert paged_again.headers["Link"] == paged.headers["Link"]
    page = cached.get("/api/queries/schools", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["Cache-Status"] == MISS  # pages for people are drawn each time


def test_errors_and_truncated_answers_are_never_kept(cached):
    for _ in range(2):
        wrong = cached.query("SELECT WHERE {")
        assert wrong.status_code == 400
        assert wrong.headers["Cache-Status"] == MISS
        unknown = cached.get("/api/queries/no-such-query", headers=JSON)
        assert unknown.status_code == 404
        assert unknown.headers["Cache-Status"] == MISS
        cut = cached.query(MANY)
        assert cut.status_code == 200
        assert cut.headers["X-SPARQL-Truncated"] == "true"
        assert len(cut.json()["results"]["bindings"]) == 1000
        assert cut.headers["Cache-Status"] == MISS


def _values(first: int) -> str:
    """A query whose JSON answer is a little under 1,000 bytes (three rows)."""
    pad = "p" * 250
    rows = " ".join(f'"{first + i}{pad}"' for i in range(3))
    return f"SELECT ?v WHERE {{ VALUES ?v {{ {rows} }} }}"


def test_the_cache_keeps_to_its_size_least_recently_used_out(built_store, tmp_path):
    small = start_server(
        built_store, tmp_path, "--workers", "1", "--answer-cache-bytes", str(CAPACITY)
    )
    try:
        a, b = _values(1), _values(2)
        first = small.query(a)
        assert first.headers["Cache-Status"] == STORED
        assert CAPACITY / 2 < len(first.content) <= CAPACITY  # one fits, two do not
        assert small.query(a).headers["Cache-Status"] == HIT
        assert small.query(b).headers["Cache-Status"] == STORED  # a is pushed out
        assert small.query(b).headers["Cache-Status"] == HIT
        assert small.query(a).headers["Cache-Status"] == STORED
        assert small.query(b).headers["Cache-Status"] == STORED
        big = small.get("/api/queries/schools", headers=JSON)  # larger than the whole cache
        assert big.status_code == 200 and len(big.content) > CAPACITY
        assert big.headers["Cache-Status"] == MISS  # not kept
        assert small.get("/api/queries/schools", headers=JSON).headers["Cache-Status"] == MISS
    finally:
        small.stop()


def test_an_accepted_update_empties_the_cache(cached):
    assert _count(cached, COUNT_NEW) == (0, STORED)
    assert _count(cached, COUNT_NEW) == (0, HIT)
    _count(cached)  # kept now, if an earlier test had not kept it
    assert _count(cached) == (FACTS["schools"], HIT)
    update = cached.post(
        data={"update": "INSERT DATA { <urn:vetgraph:test:a> <urn:vetgraph:test:cache> 1 }"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert update.status_code == 200, update.text
    assert _count(cached, COUNT_NEW) == (1, STORED)
    assert _count(cached, COUNT_NEW) == (1, HIT)
    assert _count(cached) == (FACTS["schools"], STORED)  # every answer went, not just one


def test_off_by_setting(built_store, tmp_path):
    server = start_server(
        built_store, tmp_path, "--workers", "1", env=clean_env(VETGRAPH_ANSWER_CACHE="0")
    )
    try:
        for _ in range(2):
            assert _count(server) == (FACTS["schools"], "vetgraph; fwd=bypass")
            named = server.get("/api/queries/schools", headers=JSON)
            assert named.headers["Cache-Status"] == "vetgraph; fwd=bypass"
    finally:
        server.stop()


@pytest.mark.slow
def test_a_build_switch_empties_the_cache(tmp_path: Path):
    """Another build under a running server (new sources, so a new dataset version): the
    answers of the old one are gone."""
    store = tmp_path / "var" / "store"
    build_store(settings_for(TREE, store))
    pinned = os.path.realpath(store)
    server = start_server(store, tmp_path, "--workers", "2")
    try:
        assert _count(server) == (FACTS["schools"], STORED)
        assert _count(server) == (FACTS["schools"], HIT)
        data = tmp_path / "data"
        shutil.copytree(TREE / "data" / "ttl", data)
        first = sorted(data.glob("*.ttl"))[0]
        first.write_text(first.read_text(encoding="utf-8") + "\n# another build\n",
                         encoding="utf-8")
        done = run_cli("build", "--root", TREE, "--data-dir", data, "--store", store)
        assert done.returncode == 0, done.stderr
        assert os.path.realpath(store) != pinned
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            health = server.get("/health", headers={"Accept": "application/json"}).json()
            if health["store"] == Path(os.path.realpath(store)).name:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"the server did not switch: {health}")
        assert _count(server) == (FACTS["schools"], STORED)
        assert _count(server) == (FACTS["schools"], HIT)
    finally:
        server.stop()

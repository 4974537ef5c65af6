"""SPARQL Update: refused by default, accepted with --allow-update and the bearer token."""

from __future__ import annotations

import pytest
from helpers.web import copy_store, start_server

TOKEN = "s3cret-token"
ASK_NEW = "ASK { <urn:vetgraph:test:a> <urn:vetgraph:test:p> ?o }"
COUNT_NEW = "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:vetgraph:test:p> ?o }"


@pytest.fixture(scope="module")
def writable(built_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("writable")
    live = start_server(
        copy_store(built_store, folder),
        folder,
        "--workers",
        "2",
        "--allow-update",
        "--update-token",
        TOKEN,
    )
    yield live
    live.stop()


def _ask(server, text: str = ASK_NEW) -> bool:
    response = server.query(text)
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def _count(server) -> int:
    return int(server.select(COUNT_NEW)[0]["n"])


def test_update_is_refused_on_a_read_only_server(server):
    response = server.post(
        data={"update": "INSERT DATA { <urn:x> <urn:y> 1 }"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 403
    assert "read-only" in response.text
    direct = server.post(data="CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert direct.status_code == 403


def test_update_without_token_is_401(writable):
    response = writable.post(data={"update": "INSERT DATA { <urn:x> <urn:y> 1 }"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="vetgraph"'


def test_update_with_wrong_token_is_401(writable):
    response = writable.post(
        data="CLEAR ALL",
        headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer nope"},
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert _count(writable) >= 0  # and the store still answers, untouched


@pytest.mark.slow
def test_update_by_post_form_is_applied(writable):
    before = _count(writable)
    response = writable.post(
        data={"update": "INSERT DATA { <urn:vetgraph:test:a> <urn:vetgraph:test:p> 1 }"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200, response.text
    assert _ask(writable)
    assert _count(writable) == before + 1


@pytest.mark.slow
def test_update_by_post_direct_is_applied(writable):
    before = _count(writable)
    response = writable.post(
        data=b"INSERT DATA { <urn:vetgraph:test:b> <urn:vetgraph:test:p> 2 }",
        headers={
            "Content-Type": "application/sparql-update",
            "Authorization": f"Bearer {TOKEN}",
        },
    )
    assert response.status_code == 200, response.text
    assert _count(writable) == before + 1


def test_a_failing_update_changes_nothing(writable):
    before = _count(writable)
    text = (
        "INSERT DATA { <urn:vetgraph:test:c> <urn:vetgraph:test:p> 3 } ;\n"
        "CLEAR GRAPH <urn:vetgraph:test:no-such-graph>"
    )
    response = writable.post(data={"update": text}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 400
    assert "does not exist" in response.text
    assert _count(writable) == before
    assert not _ask(writable, "ASK { <urn:vetgraph:test:c> ?p ?o }")


def test_update_may_not_reach_outside(writable):
    for text in (
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "INSERT { ?s ?p ?o } USING <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    ):
        response = writable.post(
            data={"update": text}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert response.status_code == 400, text


@pytest.mark.slow
def test_updates_show_in_the_etag(writable):
    first = writable.query(COUNT_NEW).headers["ETag"]
    accept = "application/sparql-results+json"
    same = writable.get(
        params={"query": COUNT_NEW}, headers={"If-None-Match": first, "Accept": accept}
    )
    assert same.status_code == 304
    writable.post(
        data={"update": "INSERT DATA { <urn:vetgraph:test:d> <urn:vetgraph:test:p> 4 }"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    again = writable.get(
        params={"query": COUNT_NEW}, headers={"If-None-Match": first, "Accept": accept}
    )
    assert again.status_code == 200
    assert again.headers["ETag"] != first

"""Updates with --allow-update (issue 17, item 6): the core shapes judge the result before it
is committed (422 with the report, nothing changed); the dataset version after updates is
unique and kept across restarts; a destructive update keeps a snapshot that `vetgraph restore`
puts back, switching atomically as a build does."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from helpers.support import run_cli, settings_for
from helpers.web import FACTS, TREE, start_server

from vetgraph.build import build_store
from vetgraph.store.oxigraph import OxigraphStore, read_manifest
from vetgraph.updates import apply_update, list_snapshots, snapshots_dir

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DATA = "https://w3id.org/vetgraph/graph/data"
VET = "https://w3id.org/vetgraph/ontology#"
HEALTH = "https://w3id.org/vetgraph/id/school/benxi-health-school"
SCHOOL_LABELS = (
    f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DATA}> {{ ?s a <{VET}School> ; "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?l } }"
)
SCHOOLS = f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{VET}School> }}"
ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    target = tmp_path / "var" / "store"
    build_store(settings_for(TREE, target))
    return target


def _serve(store: Path, tmp_path: Path):
    return start_server(
        store, tmp_path, "--workers", "2", "--allow-update", "--update-token", TOKEN,
        "--query-timeout", "30",
    )


def _count(server, text: str) -> int:
    return int(server.select(text)[0]["n"])


def _update(server, text: str, accept: str = "text/plain"):
    return server.post(data={"update": text}, headers={**AUTH, "Accept": accept})


@pytest.mark.slow
def test_updates_that_break_the_shapes_are_422_and_change_nothing(store, tmp_path):
    server = _serve(store, tmp_path)
    try:
        labels = _count(server, SCHOOL_LABELS)
        assert labels == 2 * FACTS["schools"]  # zh and en
        etag = server.query(SCHOOL_LABELS).headers["ETag"]
        unlabel = (
            f"DELETE {{ GRAPH <{DATA}> {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }} }}"
            f" WHERE {{ GRAPH <{DATA}> {{ ?s a <{VET}School> ; "
            "<http://www.w3.org/2000/01/rdf-schema#label> ?l } }"
        )
        refused = _update(server, unlabel, "application/json")
        assert refused.status_code == 422, refused.text
        body = refused.json()
        assert body["error"] == "shacl-violation"
        assert body["report"]["conforms"] is False
        focus = {r["focus_node"] for r in body["report"]["results"] if r["severity"] == "Violation"}
        assert HEALTH in focus
        assert len(focus & _schools(server)) == FACTS["schools"]

        bad_type = f"INSERT DATA {{ GRAPH <{DATA}> {{ <{HEALTH}> a <{VET}Major> }} }}"
        refused = _update(server, bad_type)
        assert refused.status_code == 422, refused.text
        assert refused.text.startswith("the update was not applied: its result has ")
        assert HEALTH in refused.text

        assert _count(server, SCHOOL_LABELS) == labels  # nothing changed
        ask = server.query(f"ASK {{ <{HEALTH}> a <{VET}Major> }}").json()["boolean"]
        assert ask is False
        assert server.query(SCHOOL_LABELS).headers["ETag"] == etag
        assert not (store.parent / "stores" / "snapshots").exists()
    finally:
        server.stop()


def _schools(server) -> set[str]:
    rows = server.select(f"SELECT ?s WHERE {{ ?s a <{VET}School> }}")
    return {row["s"] for row in rows}


@pytest.mark.slow
def test_the_version_after_an_update_is_unique_and_survives_a_restart(store, tmp_path):
    built = read_manifest(os.path.realpath(store))
    server = _serve(store, tmp_path)
    try:
        before = server.query(ALL)
        old_etag = before.headers["ETag"]
        assert int(before.json()["results"]["bindings"][0]["n"]["value"]) == built["triples"]
        insert = f"INSERT DATA {{ GRAPH <{DATA}> {{ <urn:vetgraph:test:a> <urn:vetgraph:p> 1 }} }}"
        applied = _update(server, insert)
        assert applied.status_code == 200, applied.text
        version = applied.headers["X-Dataset-Version"]
        assert version.startswith(built["version"] + "+u1-")
        after = server.query(ALL)
        assert after.headers["ETag"] != old_etag
        new_etag = after.headers["ETag"]
    finally:
        server.stop()
    manifest = read_manifest(os.path.realpath(store))
    assert manifest["version"] == version
    assert manifest["triples"] == built["triples"] + 1
    assert manifest["graphs"][DATA] == built["graphs"][DATA] + 1
    assert manifest["built_version"] == built["version"]

    restarted = _serve(store, tmp_path)  # the generation counter starts again at 0
    try:
        stale = restarted.get(
            params={"query": ALL},
            headers={"If-None-Match": old_etag, "Accept": "application/sparql-results+json"},
        )
        assert stale.status_code == 200  # never 304 for the pre-update answer
        assert int(stale.json()["results"]["bindings"][0]["n"]["value"]) == built["triples"] + 1
        assert stale.headers["ETag"] == new_etag  # the same data, the same tag
        home = restarted.get("/?format=json").json()
        assert home["dataset_version"].startswith(version)
    finally:
        restarted.stop()


@pytest.mark.slow
def test_drop_all_keeps_a_snapshot_and_restore_puts_it_back(store, tmp_path):
    built = read_manifest(os.path.realpath(store))
    server = _serve(store, tmp_path)
    try:
        dropped = _update(server, "DROP ALL")
        assert dropped.status_code == 200, dropped.text
        assert _count(server, ALL) == 0
        snapshot = dropped.text.split("snapshot ", 1)[1].split()[0]
        assert f"`vetgraph restore {snapshot}`" in dropped.text

        listed = run_cli("restore", "--root", TREE, "--store", store)
        assert listed.returncode == 0, listed.stderr
        assert snapshot in listed.stdout
        assert f"{built['triples']} triples" in listed.stdout
        assert "emptied data, codes, ontology, shapes" in listed.stdout

        unknown = run_cli("restore", "--root", TREE, "--store", store, "no-such-snapshot")
        assert unknown.returncode == 2 and "no snapshot 'no-such-snapshot'" in unknown.stderr

        restored = run_cli("restore", "--root", TREE, "--store", store, snapshot)
        assert restored.returncode == 0, restored.stderr
        assert store.is_symlink()
        manifest = read_manifest(os.path.realpath(store))
        assert manifest["restored_from"] == snapshot
        assert manifest["triples"] == built["triples"]

        deadline = time.monotonic() + 30  # the server moves to it between requests
        while _count(server, ALL) != built["triples"] and time.monotonic() < deadline:
            time.sleep(0.3)
        assert _count(server, ALL) == built["triples"]
        assert _count(server, SCHOOLS) == FACTS["schools"]
    finally:
        server.stop()


def test_only_the_newest_snapshots_are_kept(store):
    """Each snapshot holds the store's files as they were (hard links the live store compacts
    away): after a new one, those older than the ``keep_snapshots`` newest are deleted, and
    0 keeps every one."""
    writer = OxigraphStore.open(os.path.realpath(store), read_only=False)
    fact = f"GRAPH <{DATA}> {{ <urn:vetgraph:a> <urn:vetgraph:b> ?n }}"
    taken = []
    for n, keep in enumerate((2, 2, 2, 0)):
        outcome = apply_update(  # one triple replaced: 0 removed, a snapshot at threshold 0
            writer,
            f"DELETE WHERE {{ {fact} }} ; INSERT DATA {{ {fact.replace('?n', str(n))} }}",
            store,
            snapshot_threshold=0,
            keep_snapshots=keep,
        )
        taken.append(outcome.snapshot)
    assert len(set(taken)) == 4
    assert [s["name"] for s in list_snapshots(store)] == taken[1:]
    assert sorted(p.name for p in snapshots_dir(store).iterdir()) == sorted(taken[1:])
    writer.close()

"""A running server and later builds (issue 17, item 1): leases keep the version it serves,
it moves to a new build between requests, a lost version is reopened, failed worker starts are
retried without shrinking the pool, and ``/health`` says when it is degraded (503)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.support import clean_env, run_cli, settings_for
from helpers.web import FACTS, TREE, start_server

from vetgraph.build import build_store
from vetgraph.store.leases import leased_versions

CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
SCHOOLS = (
    "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a <https://w3id.org/vetgraph/ontology#School> }"
)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A private store of the served tree, built once."""
    target = tmp_path / "var" / "store"
    build_store(settings_for(TREE, target))
    return target


def _build(store: Path) -> None:
    """``vetgraph build`` in a process of its own, as a steward runs it."""
    done = run_cli("build", "--root", TREE, "--store", store)
    assert done.returncode == 0, done.stderr


def _health(server) -> tuple[int, dict]:
    response = server.get("/health", headers={"Accept": "application/json"})
    return response.status_code, response.json()


def _wait_health(server, test, timeout: float = 30.0) -> dict:
    """Poll /health until ``test(status, body)`` holds; the last answer otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = _health(server)
        if test(status, body) or time.monotonic() > deadline:
            return {"status_code": status, **body}
        time.sleep(0.2)


def _schools(server) -> int:
    return int(server.select(SCHOOLS)[0]["n"])


@pytest.mark.slow
def test_two_builds_under_a_running_server_then_slow_queries(store: Path, tmp_path: Path):
    """The issue's repro: serve, build twice, time out every worker, then ASK {} answers."""
    pinned = Path(os.path.realpath(store))
    server = start_server(store, tmp_path, "--workers", "2", "--query-timeout", "2")
    try:
        first = _wait_health(server, lambda s, b: s == 200)
        assert first["status_code"] == 200, first
        assert first["store"] == pinned.name
        assert first["workers"] == {"alive": 2, "expected": 2, "starting": 0}
        assert first["degraded"] == []
        assert first["uptime_seconds"] >= 0

        _build(store)
        _build(store)
        newest = Path(os.path.realpath(store))
        assert newest != pinned
        # A live server's lease kept the version it serves, though it is two builds old.
        assert pinned.is_dir()

        # Between requests the server moves to the newest build, without a restart.
        moved = _wait_health(server, lambda s, b: s == 200 and b["store"] == newest.name)
        assert moved["store"] == newest.name, moved
        assert moved["switches"][-1]["to"] == newest.name
        assert "switched" in server.log()
        assert _schools(server) == FACTS["schools"]

        # Its old version is released: the next build removes it.
        deadline = time.monotonic() + 10
        while str(pinned) in map(str, leased_versions(store)) and time.monotonic() < deadline:
            time.sleep(0.2)
        _build(store)
        assert not pinned.exists()

        for _ in range(4):  # every worker times out and is replaced, twice over
            slow = server.query(CROSS)
            assert slow.status_code == 503, slow.text
            assert "ran longer than 2 s" in slow.text
        ask = server.query("ASK {}")
        assert ask.status_code == 200, ask.text
        assert ask.json()["boolean"] is True
        whole = _wait_health(server, lambda s, b: s == 200 and b["workers"]["alive"] == 2)
        assert whole["workers"] == {"alive": 2, "expected": 2, "starting": 0}, whole
        assert whole["worker_restarts"] == 4
        assert _schools(server) == FACTS["schools"]
    finally:
        server.stop()


@pytest.mark.slow
def test_a_lost_version_is_reopened(store: Path, tmp_path: Path):
    """The version served is deleted behind the server's back (a build of an older vetgraph,
    a steward's rm -rf): the server reopens the current build and says so."""
    server = start_server(store, tmp_path, "--workers", "2", "--query-timeout", "2")
    try:
        served = Path(os.path.realpath(store))
        _build(store)
        newest = Path(os.path.realpath(store))
        shutil.rmtree(served)
        assert server.query(CROSS).status_code == 503  # its worker is replaced: on what?
        for _ in range(3):
            assert _schools(server) == FACTS["schools"]
        whole = _wait_health(server, lambda s, b: s == 200 and b["store"] == newest.name)
        assert whole["store"] == newest.name, whole
        assert whole["workers"]["alive"] == 2
        log = server.log()
        assert "switched" in log and newest.name in log
    finally:
        server.stop()


@pytest.mark.slow
def test_workers_that_cannot_start_are_retried_and_health_says_503(
    store: Path, tmp_path: Path
):
    """With the store gone, a replacement cannot start: /health answers 503 with the reason
    while the pool keeps trying; once the store is back the pool is whole again."""
    server = start_server(store, tmp_path, "--workers", "2", "--query-timeout", "2")
    try:
        served = Path(os.path.realpath(store))
        hidden = served.with_name(served.name + "-away")
        served.rename(hidden)  # the link now points nowhere
        assert server.query(CROSS).status_code == 503  # one worker killed; its replacement fails
        degraded = _wait_health(server, lambda s, b: len(b["degraded"]) == 3)
        assert degraded["status_code"] == 503, degraded
        assert degraded["status"] == "degraded"
        assert degraded["workers"]["alive"] == 1
        assert degraded["workers"]["starting"] == 1
        assert any("fail to start" in reason for reason in degraded["degraded"])
        assert any("is gone" in reason for reason in degraded["degraded"])
        assert "failed to start (attempt 2)" in _wait_log(server, "failed to start (attempt 2)")

        hidden.rename(served)  # back: the next retry (backoff at most a few seconds) succeeds
        whole = _wait_health(server, lambda s, b: s == 200)
        assert whole["status_code"] == 200, whole
        assert whole["workers"] == {"alive": 2, "expected": 2, "starting": 0}
        assert _schools(server) == FACTS["schools"]
    finally:
        server.stop()


def _wait_log(server, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while text not in server.log() and time.monotonic() < deadline:
        time.sleep(0.2)
    return server.log()


LEASE_HOLDER = """
import sys, time
from pathlib import Path
from vetgraph.store.leases import Lease
lease = Lease(Path(sys.argv[1]))
lease.hold([Path(sys.argv[2])])
print("held", flush=True)
time.sleep(600)
"""


@pytest.mark.slow
def test_a_killed_servers_lease_is_stale_and_removed(store: Path):
    """A lease whose process was killed (-9) keeps nothing: the next builds remove its file
    and, once two builds old, the version it named."""
    named = Path(os.path.realpath(store))
    holder = subprocess.Popen(
        [sys.executable, "-c", LEASE_HOLDER, str(store), str(named)],
        stdout=subprocess.PIPE, env=clean_env(),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        _build(store)
        _build(store)
        assert named.is_dir()  # held by a live process
        assert leased_versions(store) == {named}
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    assert leased_versions(store) == set()  # the stale lease is gone
    assert list((store.parent / "stores" / "leases").iterdir()) == []
    _build(store)
    assert not named.exists()

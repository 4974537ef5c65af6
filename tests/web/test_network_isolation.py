"""Where query workers cannot leave the host network, ``vetgraph serve`` refuses to start unless
told to accept it, says which mode runs, and the guard alone stops the issue-17 bypass.

``unshare`` is denied inside the test by a seccomp filter on the server's process tree
(helpers/deny_unshare.py, as Docker's default profile does); the host is not changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.support import REPO, clean_env
from helpers.web import TREE, start_server
from test_safety import Listener
from test_sparql_lexer import ATTACK_QUERY, ATTACK_UPDATE

from vetgraph.testing import free_port

DENY = (sys.executable, str(Path(__file__).parent.parent / "helpers" / "deny_unshare.py"))


def _net(pid: int) -> str:
    return os.readlink(f"/proc/{pid}/ns/net")


@pytest.mark.slow
def test_serve_refuses_to_start_when_workers_keep_the_host_network(built_store):
    command = [*DENY, sys.executable, "-m", "vetgraph.cli", "serve", "--root", str(TREE),
               "--store", str(built_store), "--port", str(free_port()), "--workers", "1"]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=180, env=clean_env(), cwd=REPO
    )
    assert done.returncode == 2, done.stderr
    assert "query workers cannot leave the host network" in done.stderr
    assert "--allow-shared-network" in done.stderr


@pytest.fixture(scope="module")
def shared(built_store, tmp_path_factory):
    """A server under the denied unshare that accepts it (updates on, to try LOAD)."""
    from helpers.web import copy_store

    store = copy_store(built_store, tmp_path_factory.mktemp("shared"))
    live = start_server(
        store, tmp_path_factory.mktemp("logs"), "--workers", "2", "--query-timeout", "5",
        "--allow-shared-network", "--allow-update", "--update-token", "t0ken", launcher=DENY,
    )
    yield live
    live.stop()


def test_accepted_shared_network_is_announced(shared):
    home = shared.get("/?format=json").json()
    assert home["limits"]["worker_network"] == "shared"
    assert "share the host network" in home["network_note"]
    page = shared.get("/", headers={"Accept": "text/html"}).text
    assert "--allow-shared-network" in page
    description = shared.get("/sparql", headers={"Accept": "text/turtle"}).text
    assert 'vetsd:workerNetwork "shared"' in description
    # The workers really kept the host network: unshare was denied, not skipped.
    workers = [pid for pid in shared.descendants() if pid != shared.process.pid]
    assert workers and all(_net(pid) == _net(os.getpid()) for pid in workers)


def test_the_guard_alone_stops_the_bypass(shared):
    listener = Listener()
    try:
        here = f"http://127.0.0.1:{listener.port}/"
        response = shared.post(data={"query": ATTACK_QUERY.format(here=here)})
        assert response.status_code == 400, response.text
        assert "SERVICE is not allowed" in response.text
        response = shared.post(
            data={"update": ATTACK_UPDATE.format(here=here)},
            headers={"Authorization": "Bearer t0ken"},
        )
        assert response.status_code == 400, response.text
        assert "LOAD is not allowed" in response.text
        time.sleep(0.5)
        assert listener.connections == []
    finally:
        listener.close()

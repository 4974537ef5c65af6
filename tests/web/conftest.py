"""Live servers for the web tests: ``vetgraph serve`` in a real process on a loopback port.

The served tree is the project's own (ontology/, data/ttl/, queries/) once its data exists,
else the small fixture tree; :data:`FACTS` holds the exact answers each tree must give.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from support import FIXTURE_TREE, REAL_TREE_PRESENT, REPO, clean_env, settings_for

G = "https://w3id.org/vetgraph/graph/"
#: VETGRAPH_WEB_TREE=fixture serves the fixture tree even when the project's data exists.
REAL = REAL_TREE_PRESENT and os.environ.get("VETGRAPH_WEB_TREE") != "fixture"
TREE = REPO if REAL else FIXTURE_TREE

#: Exact answers of the served tree.
FACTS = (
    {"schools": 6, "health_school": "本溪市卫生学校"}
    if REAL
    else {"schools": 3, "health_school": "本溪市卫生学校"}
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    """A running ``vetgraph serve``; ``url`` ends without a slash."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    store: Path

    @property
    def sparql_url(self) -> str:
        return self.url + "/sparql"

    def get(self, path: str = "/sparql", **kwargs: object) -> requests.Response:
        return requests.get(self.url + path, timeout=30, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str = "/sparql", **kwargs: object) -> requests.Response:
        return requests.post(self.url + path, timeout=30, **kwargs)  # type: ignore[arg-type]

    def query(
        self, text: str, accept: str = "application/sparql-results+json", **params: str
    ) -> requests.Response:
        return self.get(params={"query": text, **params}, headers={"Accept": accept})

    def select(self, text: str) -> list[dict[str, str]]:
        """Rows of a SELECT as {variable: value}, asserting a 200."""
        response = self.query(text)
        assert response.status_code == 200, response.text
        return [
            {k: v["value"] for k, v in row.items()}
            for row in response.json()["results"]["bindings"]
        ]

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def descendants(self) -> list[int]:
        """PIDs below the server process (the fork server and the query workers)."""
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            for child in children.get(pid, []):
                found.append(child)
                todo.append(child)
        return found

    def stop(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_server(
    store: Path, log_dir: Path, *flags: str, tree: Path = TREE, env: dict[str, str] | None = None
) -> LiveServer:
    """Start ``vetgraph serve`` and wait until it answers."""
    port = free_port()
    log_path = log_dir / f"serve-{port}.log"
    command = [
        sys.executable,
        "-m",
        "vetgraph.cli",
        "serve",
        "--root",
        str(tree),
        "--store",
        str(store),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *flags,
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env or clean_env(), cwd=REPO
        )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log_path, store)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"vetgraph serve exited:\n{server.log()}")
        try:
            requests.get(server.url + "/sparql/prefixes.json", timeout=2)
            return server
        except requests.ConnectionError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"vetgraph serve did not start:\n{server.log()}")


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The served tree built once (through the validation gate) into a private store.

    VETGRAPH_WEB_STORE=DIR serves a store built beforehand instead (a local shortcut)."""
    from vetgraph.build import build_store

    prebuilt = os.environ.get("VETGRAPH_WEB_STORE")
    if prebuilt:
        return Path(prebuilt)
    store = tmp_path_factory.mktemp("store") / "var" / "store"
    build_store(settings_for(TREE, store))
    return store


def copy_store(built: Path, target_parent: Path) -> Path:
    """A private copy of a built store (for servers that write)."""
    target = target_parent / "store"
    shutil.copytree(os.path.realpath(built), target)
    return target


@pytest.fixture(scope="session")
def server(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The read-only server most tests talk to: 2 workers, 2 s timeout, 1,000 rows."""
    live = start_server(
        built_store,
        tmp_path_factory.mktemp("logs"),
        "--workers",
        "2",
        "--query-timeout",
        "2",
        "--max-rows",
        "1000",
        "--max-query-length",
        "20000",
    )
    yield live
    live.stop()


@pytest.fixture(scope="session")
def graph_counts(built_store: Path) -> dict[str, int]:
    """Triples per named graph, from the build manifest."""
    from vetgraph.store.oxigraph import read_manifest

    manifest = read_manifest(os.path.realpath(built_store))
    assert manifest is not None
    return manifest["graphs"]

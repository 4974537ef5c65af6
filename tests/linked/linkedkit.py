"""Helpers of the linked-data tests: canonical comparison, raptor, pyld (a plain module)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import requests
from support import REPO, clean_env

BASE = "https://w3id.org/vetgraph/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    store: Path

    def get(self, path: str, **kwargs: object) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        return requests.get(self.url + path, **kwargs)  # type: ignore[arg-type]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def serve(store: Path, tree: Path, log_dir: Path, *flags: str) -> Server:
    """Start ``vetgraph serve`` and wait until it answers."""
    port = free_port()
    log_path = log_dir / f"serve-{port}.log"
    command = [sys.executable, "-m", "vetgraph.cli", "serve", "--root", str(tree),
               "--store", str(store), "--host", "127.0.0.1", "--port", str(port), *flags]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   env=clean_env(), cwd=REPO)
    server = Server(f"http://127.0.0.1:{port}", process, log_path, store)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("vetgraph serve exited:\n" + log_path.read_text(errors="replace"))
        try:
            requests.get(server.url + "/context.jsonld", timeout=30)
            return server
        except requests.ConnectionError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("vetgraph serve did not start:\n" + log_path.read_text(errors="replace"))


def canonical(quads: object) -> set[ox.Quad]:
    """Quads with blank nodes relabelled canonically (RDFC-1.0): equal sets = isomorphic."""
    dataset = ox.Dataset(quads)  # type: ignore[arg-type]
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def as_default_graph(quads: object) -> list[ox.Quad]:
    return [ox.Quad(q.subject, q.predicate, q.object) for q in quads]  # type: ignore[attr-defined]


def union(quads: list[ox.Quad]) -> set[ox.Quad]:
    return canonical({ox.Quad(q.subject, q.predicate, q.object) for q in quads})


def rapper(data: bytes, syntax: str, out: str = "ntriples") -> bytes:
    """Parse with Debian's raptor (an independent parser) and write N-Triples or N-Quads."""
    result = subprocess.run(
        ["rapper", "-q", "-i", syntax, "-o", out, "-", "http://example.org/base/"],
        input=data, capture_output=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def jsonld_quads(doc: object, loader: object) -> list[ox.Quad]:
    """Expand and convert a JSON-LD document with pyld, then read its N-Quads."""
    from pyld import jsonld

    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": loader})
    return list(ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS))


def json_of(response: requests.Response) -> object:
    import json

    return json.loads(response.content)

"""A live ``vetgraph serve`` of the project's own data for the linked-data tests.

The store is built through the real validation gate (``vetgraph.build``) once per session;
the server runs in its own process on a loopback port, as an integrator would meet it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from linkedkit import BASE
from live import LiveServer, start_server
from support import REAL_TREE_PRESENT, REPO, settings_for


@pytest.fixture(scope="session")
def linked_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's tree built once, through validation, into a private store.

    ``VETGRAPH_TEST_STORE`` names a store already built from this tree, to skip the build
    while working on these tests.
    """
    from vetgraph.build import build_store

    if not REAL_TREE_PRESENT:
        pytest.skip("needs the project's data (data/ttl)")
    if os.environ.get("VETGRAPH_TEST_STORE"):
        return Path(os.environ["VETGRAPH_TEST_STORE"])
    store = tmp_path_factory.mktemp("linked") / "var" / "store"
    build_store(settings_for(REPO, store))
    return store


@pytest.fixture(scope="session")
def server(linked_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(linked_store, tmp_path_factory.mktemp("linked-logs"), "--workers", "2")
    yield live
    live.stop()


@pytest.fixture(scope="session")
def store_quads(linked_store: Path) -> list[ox.Quad]:
    """Every quad of the built store, read with pyoxigraph directly (the reference)."""
    store = ox.Store.read_only(os.path.realpath(linked_store))
    quads = list(store.quads_for_pattern(None, None, None, None))
    del store
    return quads


@pytest.fixture(scope="session")
def context_document(server: LiveServer) -> dict:
    return server.get("/context.jsonld").json()


@pytest.fixture(scope="session")
def document_loader(context_document: dict, server: LiveServer):
    """A pyld document loader that serves the vocabulary's context and fetches nothing else."""

    def load(url: str, options: dict | None = None) -> dict:
        if url not in (BASE + "context.jsonld", server.url + "/context.jsonld"):
            raise AssertionError(f"pyld tried to fetch {url}")
        return {"contentType": "application/ld+json", "contextUrl": None,
                "documentUrl": url, "document": context_document}

    return load

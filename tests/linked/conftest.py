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
from helpers.linked import BASE
from helpers.live import LiveServer, start_server


@pytest.fixture(scope="session")
def linked_store(project_store: Path) -> Path:
    """The project's tree built once, through validation: the suite-wide store (read only)."""
    return project_store


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

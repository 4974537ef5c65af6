"""Live servers for the web tests: ``vetgraph serve`` in a real process on a loopback port
(the tree served and its exact answers are in :mod:`helpers.web`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.live import LiveServer
from helpers.support import settings_for
from helpers.web import REPO, TREE, start_server


@pytest.fixture(scope="session")
def built_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The served tree built once (through the validation gate) into a private store: the
    suite-wide ``project_store`` when the served tree is the project's own.

    VETGRAPH_WEB_STORE=DIR serves a store built beforehand instead (a local shortcut)."""
    from vetgraph.build import build_store

    prebuilt = os.environ.get("VETGRAPH_WEB_STORE")
    if prebuilt:
        return Path(prebuilt)
    if TREE == REPO:
        return request.getfixturevalue("project_store")
    store = tmp_path_factory.mktemp("store") / "var" / "store"
    build_store(settings_for(TREE, store))
    return store


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

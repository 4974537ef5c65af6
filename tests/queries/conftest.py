"""Fixtures for the named-query tests: the project's own data in Oxigraph, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.live import start_server
from helpers.queries import load_store, project_settings
from helpers.support import REAL_TREE_PRESENT

from vetgraph.config import Settings
from vetgraph.store.oxigraph import OxigraphStore


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here reads the project's data: skip them all until it exists."""
    if REAL_TREE_PRESENT:
        return
    skip = pytest.mark.skip(reason="project sources (data/ttl/) not written yet")
    for item in items:
        if "tests/queries/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def qsettings() -> Settings:
    return project_settings()


@pytest.fixture(scope="session")
def qstore(qsettings: Settings) -> OxigraphStore:
    return load_store(qsettings)


@pytest.fixture(scope="session")
def api(project_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """A live server over the project's data (the suite-wide store), for the API, OpenAPI and
    browser tests."""
    folder = tmp_path_factory.mktemp("api")
    server = start_server(project_store, folder, "--workers", "2")
    yield server
    server.stop()

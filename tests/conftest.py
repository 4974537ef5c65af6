"""Fixtures shared by vetgraph's tests (helpers live in the ``helpers`` package), and the
hook that puts each test in its tier (docs/testing.md)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from helpers.support import FIXTURE_TREE, REAL_TREE_PRESENT, REPO, settings_for

from vetgraph.config import Settings


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A private copy of the fixture tree, free to break."""
    root = tmp_path / "tree"
    shutil.copytree(FIXTURE_TREE, root)
    return root


@pytest.fixture
def tree_settings(tree: Path, tmp_path: Path) -> Settings:
    return settings_for(tree, tmp_path / "var" / "store")


@pytest.fixture(scope="session")
def project_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's own tree built once per session, through the validation gate, for every
    test that only reads it (the web, linked-data, network and named-query servers and CLI
    runs): one build instead of one per folder. A test that writes copies it first.

    ``VETGRAPH_TEST_STORE`` names a store already built from this tree, to skip the build
    while working on the tests."""
    from vetgraph.build import build_store

    if not REAL_TREE_PRESENT:
        pytest.skip("needs the project's data (data/ttl)")
    if os.environ.get("VETGRAPH_TEST_STORE"):
        return Path(os.environ["VETGRAPH_TEST_STORE"])
    store = tmp_path_factory.mktemp("project") / "var" / "store"
    build_store(settings_for(REPO, store))
    return store


@pytest.fixture(scope="session")
def browser():
    """One headless Debian chromium for every page test of the session."""
    pytest.importorskip("playwright.sync_api")
    from helpers.browser import CHROMIUM, launch_chromium

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed")
    with launch_chromium() as chromium:
        yield chromium


#: Marker -> the fixture whose use puts a test in that tier (tests/scale is the scale tier).
FIXTURE_MARKERS = {"browser": "browser", "virtuoso": "virtuoso"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Apply the tier markers a test earns by what it uses, so no test has to remember them:
    ``browser`` (the chromium fixture), ``virtuoso`` (the Virtuoso server), ``scale``
    (everything under tests/scale)."""
    scale = Path(__file__).resolve().parent / "scale"
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for marker, fixture in FIXTURE_MARKERS.items():
            if fixture in used:
                item.add_marker(marker)
        if scale in Path(str(item.path)).parents:
            item.add_marker("scale")

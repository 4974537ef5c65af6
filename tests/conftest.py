"""Fixtures shared by vetgraph's tests (helpers live in ``support.py``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import FIXTURE_TREE, settings_for

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
def browser():
    """One headless Debian chromium for every page test of the session."""
    pytest.importorskip("playwright.sync_api")
    from browser import CHROMIUM, launch_chromium

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed")
    with launch_chromium() as chromium:
        yield chromium

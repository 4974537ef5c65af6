"""Live servers for the web tests: ``vetgraph serve`` in a real process on a loopback port.

The served tree is the project's own (ontology/, data/ttl/, queries/) once its data exists,
else the small fixture tree; :data:`FACTS` holds the exact answers each tree must give.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import live
import pytest
from live import LiveServer
from support import FIXTURE_TREE, REAL_TREE_PRESENT, REPO, settings_for

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


def start_server(
    store: Path, log_dir: Path, *flags: str, tree: Path = TREE, env: dict[str, str] | None = None
) -> LiveServer:
    """:func:`live.start_server` serving :data:`TREE` unless told otherwise."""
    return live.start_server(store, log_dir, *flags, tree=tree, env=env)


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

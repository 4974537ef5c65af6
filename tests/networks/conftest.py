"""The project's own sources (the 2024 report) in Oxigraph stores, in memory and on disk.

In memory, no build (validation is the build tests' business): the views only need a store
to answer SPARQL, and loading the quads directly keeps these tests fast on a two-core
machine. On disk, the suite-wide built store (``project_store``), shared with the other folders.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.support import REAL_TREE_PRESENT, REPO, settings_for

from vetgraph.dataset import read_sources
from vetgraph.infer import infer_sources, load_rules
from vetgraph.networks import Facts, load_facts
from vetgraph.store.oxigraph import OxigraphStore


@pytest.fixture(scope="session")
def store() -> OxigraphStore:
    if not REAL_TREE_PRESENT:
        pytest.skip("project sources (ontology/, data/ttl/) not written yet")
    settings = settings_for(REPO)
    sources = read_sources(settings)
    infer_sources(sources, load_rules(settings))  # the union default graph, as a build makes it
    return OxigraphStore.in_memory(sources.iter_quads(), prefixes=sources.prefixes)


@pytest.fixture(scope="session")
def disk_store(project_store: Path) -> Path:
    """The same data in an on-disk store, for ``vetgraph --store DIR`` in a real process: the
    suite-wide built store (read only)."""
    return project_store


@pytest.fixture(scope="session")
def facts(store: OxigraphStore) -> Facts:
    return load_facts(store)

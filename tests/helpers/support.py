"""Helpers for vetgraph's tests: the fixture tree, its known numbers, running the CLI.

A plain module (not conftest) so tests can import it by name: ``from helpers.support import ...``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vetgraph.config import Settings
from vetgraph.testing import clean_env

__all__ = ["clean_env"]  # re-exported: the tests take it from here with the other helpers

TESTS = Path(__file__).resolve().parent.parent
REPO = TESTS.parent
FIXTURE_TREE = TESTS / "fixtures" / "tree"

# The project's own sources, written by other engineers; tests on them skip until they exist.
REAL_TREE_PRESENT = (REPO / "ontology" / "vetgraph.ttl").is_file() and any(
    (REPO / "data" / "ttl").glob("*.ttl")
)
needs_real_tree = pytest.mark.skipif(
    not REAL_TREE_PRESENT, reason="project sources (ontology/, data/ttl/) not written yet"
)

# Numbers of the fixture tree, counted by hand from the Turtle files.
FIXTURE_COUNTS = {
    "https://w3id.org/vetgraph/graph/codes": 11,
    "https://w3id.org/vetgraph/graph/data": 46,
    "https://w3id.org/vetgraph/graph/ontology": 22,
    "https://w3id.org/vetgraph/graph/shapes": 35,
    # the build's RDFS closure: the 3 schools are schema:EducationalOrganization (subClassOf)
    "https://w3id.org/vetgraph/graph/inferred": 3,
    # the build's validation report: the report (type, conforms, result) and its one warning
    # (type, severity, focus node, value, source shape, constraint component, message)
    "https://w3id.org/vetgraph/graph/validation": 10,
}
FIXTURE_TOTAL = 127


def settings_for(root: Path, store: Path | None = None) -> Settings:
    """Settings for a tree, ignoring any VETGRAPH_* variables of the caller's environment."""
    return Settings.load(env={}, root=root, store_dir=store)


def run_cli(*args: str | os.PathLike[str], env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``vetgraph`` in a real process (exit codes, stdout, stderr as a user sees them)."""
    return subprocess.run(
        [sys.executable, "-m", "vetgraph.cli", *map(str, args)],
        capture_output=True, text=True, env=env or clean_env(), timeout=timeout, cwd=REPO,
    )


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact, unique piece of a fixture file (fails loudly if the fixture moved)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not found exactly once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")

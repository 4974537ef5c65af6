"""``vetgraph serve`` itself: first start builds through the validation gate; bad flags fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.support import FIXTURE_COUNTS, edit, run_cli
from helpers.web import start_server


@pytest.mark.slow
def test_first_start_builds_the_store(tree: Path, tmp_path: Path):
    store = tmp_path / "var" / "store"
    assert not store.exists()
    live = start_server(store, tmp_path, "--workers", "1", tree=tree)
    try:
        assert store.is_symlink()
        home = live.get("/?format=json").json()
        assert home["graphs"] == FIXTURE_COUNTS
        assert "no store at" in live.log() and "building it" in live.log()
        assert "Serving on http://127.0.0.1:" in live.log()  # waitress, not Flask's server
    finally:
        live.stop()
    assert live.process.returncode == 0  # SIGTERM stops it cleanly


def test_first_start_refuses_data_with_violations(tree: Path, tmp_path: Path):
    edit(tree / "data" / "ttl" / "schools.ttl", "vet:studentCount 800", "vet:studentCount -800")
    store = tmp_path / "var" / "store"
    result = run_cli("serve", "--root", tree, "--store", store, "--port", "1")
    assert result.returncode == 1
    assert "value -800" in result.stderr
    assert "build refused, not serving" in result.stderr
    assert not store.exists()


def test_update_without_token_is_a_usage_error(tree: Path, tmp_path: Path):
    result = run_cli(
        "serve",
        "--root",
        tree,
        "--store",
        tmp_path / "s",
        "--backend",
        "memory",
        "--allow-update",
        "--update-token",
        "t",
        "--port",
        "1",
    )
    assert result.returncode == 2
    assert "--allow-update works with the oxigraph backend only" in result.stderr

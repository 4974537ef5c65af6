"""`vetgraph build` and `vetgraph stats`: atomic switch, refusals and kills leave the old store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.support import (
    FIXTURE_COUNTS,
    FIXTURE_TOTAL,
    REPO,
    clean_env,
    edit,
    run_cli,
    settings_for,
)

from vetgraph.build import BuildError, BuildRefused, build_store, versions_dir
from vetgraph.dataset import SourceError, dataset_version
from vetgraph.store.oxigraph import MANIFEST_NAME, OxigraphStore, read_manifest

COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def count(store_dir: Path) -> int:
    store = OxigraphStore.open(store_dir)
    try:
        return int(store.query(COUNT_ALL).rows[0][0])
    finally:
        store.close()


def snapshot(store_dir: Path) -> tuple[str, bytes]:
    """Where the link points and everything the store holds, byte for byte."""
    store = OxigraphStore.open(store_dir)
    try:
        return os.readlink(store_dir), store.dump("application/n-quads")
    finally:
        store.close()


def versions(store_dir: Path) -> list[str]:
    return sorted(p.name for p in versions_dir(store_dir).iterdir() if p.is_dir())


@pytest.mark.slow
def test_good_build_answers_exact_counts(tree: Path, tmp_path: Path):
    store_dir = tmp_path / "var" / "store"
    result = run_cli("build", "--root", tree, "--store", store_dir)
    assert result.returncode == 0, result.stderr
    version = dataset_version(settings_for(tree))
    assert f"version {version}, {FIXTURE_TOTAL} triples, 1 warning(s)" in result.stdout
    assert store_dir.is_symlink()
    link = os.readlink(store_dir)
    assert not os.path.isabs(link) and link.startswith(f"stores/store-{version}-")
    assert count(store_dir) == FIXTURE_TOTAL
    manifest = read_manifest(store_dir)
    assert manifest["version"] == version
    assert manifest["graphs"] == FIXTURE_COUNTS
    assert manifest["triples"] == FIXTURE_TOTAL
    assert manifest["sources"]["https://w3id.org/vetgraph/graph/data"] == [
        "data/ttl/schools.ttl", "data/ttl/statistics.ttl"]
    assert manifest["prefixes"]["vet"] == "https://w3id.org/vetgraph/ontology#"
    # Per graph, through the store interface.
    store = OxigraphStore.open(store_dir)
    assert {g: store.triple_count(g) for g in store.graph_names()} == FIXTURE_COUNTS
    store.close()


@pytest.mark.slow
def test_rebuild_switches_and_keeps_one_previous(tree_settings, tree: Path):
    store_dir = tree_settings.store_dir
    first = build_store(tree_settings)
    reader = OxigraphStore.open(store_dir)  # a server holding the first version open
    edit(tree / "data" / "ttl" / "statistics.ttl", "vet:studentCount 400 .",
         "vet:studentCount 400 ; vet:note \"revised\" .")
    second = build_store(tree_settings)
    assert second.manifest["version"] != first.manifest["version"]
    assert count(store_dir) == FIXTURE_TOTAL + 1
    assert reader.triple_count() == FIXTURE_TOTAL  # the open one still answers, unchanged
    assert versions(store_dir) == sorted([first.version_dir.name, second.version_dir.name])
    reader.close()
    edit(tree / "data" / "ttl" / "statistics.ttl", 'vet:note "revised"', 'vet:note "again"')
    third = build_store(tree_settings)
    assert versions(store_dir) == sorted([second.version_dir.name, third.version_dir.name])
    assert count(store_dir) == FIXTURE_TOTAL + 1


@pytest.mark.slow
def test_refused_build_leaves_previous_store(tree_settings, tree: Path):
    store_dir = tree_settings.store_dir
    build_store(tree_settings)
    before, dirs = snapshot(store_dir), versions(store_dir)
    edit(tree / "data" / "ttl" / "schools.ttl", "vet:studentCount 800", "vet:studentCount -800")
    with pytest.raises(BuildRefused) as refused:
        build_store(tree_settings)
    assert refused.value.report.counts["Violation"] == 1
    assert snapshot(store_dir) == before
    assert versions(store_dir) == dirs

    result = run_cli("build", "--root", tree, "--store", store_dir)
    assert result.returncode == 1
    assert "本溪满族自治县中等职业技术教育中心" in result.stdout
    assert "value -800" in result.stdout
    assert "refused, the store was not changed" in result.stderr
    assert snapshot(store_dir) == before and versions(store_dir) == dirs


@pytest.mark.slow
def test_unreadable_source_leaves_previous_store(tree_settings, tree: Path):
    store_dir = tree_settings.store_dir
    build_store(tree_settings)
    before, dirs = snapshot(store_dir), versions(store_dir)
    edit(tree / "data" / "ttl" / "schools.ttl", "major:tourism a vet:Major", "major:tourism a")
    with pytest.raises(SourceError):
        build_store(tree_settings)
    result = run_cli("build", "--root", tree, "--store", store_dir)
    assert result.returncode == 2
    assert result.stderr.startswith(str(tree / "data" / "ttl" / "schools.ttl") + ":")
    assert snapshot(store_dir) == before and versions(store_dir) == dirs


@pytest.mark.slow
def test_source_changed_during_build_leaves_previous_store(tree_settings, tree: Path,
                                                          monkeypatch):
    """The build validates the files, then loads them again from disk: an edit in between
    (here made right after validation) must not reach the store unvalidated."""
    from vetgraph import build

    store_dir = tree_settings.store_dir
    build_store(tree_settings)
    before, dirs = snapshot(store_dir), versions(store_dir)
    validated = build.validate_tree

    def validate_then_edit(settings):
        outcome = validated(settings)
        edit(tree / "data" / "ttl" / "schools.ttl", "vet:studentCount 800",
             "vet:studentCount -800")
        return outcome

    monkeypatch.setattr(build, "validate_tree", validate_then_edit)
    with pytest.raises(BuildError, match="source files changed while the build was running"):
        build_store(tree_settings)
    assert snapshot(store_dir) == before and versions(store_dir) == dirs


@pytest.mark.slow
def test_killed_build_leaves_previous_store(tree_settings, tree: Path):
    """SIGKILL in the middle of a build: data loaded, store not finished (VETGRAPH_BUILD_PAUSE
    holds the build there)."""
    store_dir = tree_settings.store_dir
    build_store(tree_settings)
    before, dirs = snapshot(store_dir), versions(store_dir)
    edit(tree / "data" / "ttl" / "statistics.ttl", "vet:studentCount 400", "vet:studentCount 401")

    proc = subprocess.Popen(
        [sys.executable, "-m", "vetgraph.cli", "build", "--root", str(tree),
         "--store", str(store_dir)],
        env=clean_env(VETGRAPH_BUILD_PAUSE="60"), cwd=REPO,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        partial: list[Path] = []
        while time.monotonic() < deadline and not partial:
            assert proc.poll() is None, proc.communicate()
            partial = [
                p for p in versions_dir(store_dir).iterdir()
                if p.is_dir() and p.name not in dirs and (p / "CURRENT").exists()
            ]
            time.sleep(0.1)
        assert partial, "the build never started loading"
        time.sleep(0.5)  # inside the pause after loading: the new store is not finished
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert not (partial[0] / MANIFEST_NAME).exists()

    assert snapshot(store_dir) == before  # same link, same bytes, still readable
    assert count(store_dir) == FIXTURE_TOTAL

    # The next build cleans the leftover up and switches.
    outcome = build_store(tree_settings)
    assert not partial[0].exists()
    assert versions(store_dir) == sorted([*dirs, outcome.version_dir.name])
    assert read_manifest(store_dir)["version"] == dataset_version(tree_settings)


@pytest.mark.slow
def test_store_path_that_is_a_real_directory_is_not_touched(tree: Path, tmp_path: Path):
    store_dir = tmp_path / "mine"
    store_dir.mkdir()
    (store_dir / "keep.txt").write_text("precious", encoding="utf-8")
    result = run_cli("build", "--root", tree, "--store", store_dir)
    assert result.returncode == 2
    assert "is not a store link" in result.stderr
    assert (store_dir / "keep.txt").read_text(encoding="utf-8") == "precious"
    with pytest.raises(BuildError):
        build_store(settings_for(tree, store_dir))


EXPECTED_STATS = {
    "graphs": FIXTURE_COUNTS,
    "triples": FIXTURE_TOTAL,
    "classes": [
        {"class": "http://purl.org/linked-data/cube#Observation", "label_zh": None,
         "label_en": None, "count": 4},
        {"class": "https://w3id.org/vetgraph/ontology#School", "label_zh": "学校",
         "label_en": "School", "count": 3},
        {"class": "http://purl.org/linked-data/cube#DataSet", "label_zh": None,
         "label_en": None, "count": 2},
        {"class": "https://w3id.org/vetgraph/ontology#Major", "label_zh": "专业",
         "label_en": "Major", "count": 2},
    ],
    "datasets": [
        {"dataset": "https://w3id.org/vetgraph/dataset/enrolment",
         "label_zh": "表 1.1 在校生规模", "label_en": "Table 1.1 Enrolment", "observations": 3},
        {"dataset": "https://w3id.org/vetgraph/dataset/graduates",
         "label_zh": "表 2.1 毕业生", "label_en": "Table 2.1 Graduates", "observations": 1},
    ],
}


@pytest.mark.slow
def test_stats_builds_when_missing_and_counts_exactly(tree: Path, tmp_path: Path):
    store_dir = tmp_path / "var" / "store"
    result = run_cli("stats", "--root", tree, "--store", store_dir, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "building it" in result.stderr
    assert json.loads(result.stdout) == EXPECTED_STATS
    assert store_dir.is_symlink()

    result = run_cli("stats", "--root", tree, "--store", store_dir)
    assert result.returncode == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "Triples per graph"
    assert "        46  https://w3id.org/vetgraph/graph/data" in lines
    assert "       127  total" in lines  # with the 3 inferred and the 10 validation triples
    assert "         3  https://w3id.org/vetgraph/ontology#School  学校 / School" in lines
    assert ("         3  https://w3id.org/vetgraph/dataset/enrolment  "
            "表 1.1 在校生规模 / Table 1.1 Enrolment") in lines


def test_stats_on_memory_backend_agree(tree_settings):
    from vetgraph import stats
    from vetgraph.store import open_store

    build_store(tree_settings)
    for backend in ("oxigraph", "memory"):
        store = open_store(tree_settings, backend)
        assert stats.collect(store) == EXPECTED_STATS, backend
        store.close()

"""``vetgraph graph``, ``path`` and ``gaps`` as a user runs them, on an Oxigraph store."""

from __future__ import annotations

import io

import networkx as nx
import pytest
from helpers.support import REAL_TREE_PRESENT, REPO, run_cli
from PIL import Image

pytestmark = pytest.mark.skipif(not REAL_TREE_PRESENT, reason="project sources not written yet")
ROOT = ("--root", str(REPO))


@pytest.mark.slow
def test_list_names_every_view():
    done = run_cli("graph", "--list", *ROOT)
    assert done.returncode == 0, done.stderr
    for name in ("school-major-cluster", "school-partner", "cluster-coverage", "training-bases",
                 "entity", "school-projection", "major-projection"):
        assert name in done.stdout
    unknown = run_cli("graph", "no-such-view", *ROOT)
    assert unknown.returncode == 2 and "--list" in unknown.stderr


@pytest.mark.slow
def test_graph_writes_a_picture_and_graphml(tmp_path, disk_store):
    png = tmp_path / "smc.png"
    done = run_cli("graph", "school-major-cluster", "--out", png, "--store", disk_store, *ROOT)
    assert done.returncode == 0, done.stderr
    assert "49 nodes" in done.stderr
    assert Image.open(png).format == "PNG"
    graphml = run_cli("graph", "school-partner", "--format", "graphml", "--lang", "en",
                      "--store", disk_store, *ROOT)
    assert graphml.returncode == 0, graphml.stderr
    g = nx.read_graphml(io.StringIO(graphml.stdout))
    assert g.nodes["https://w3id.org/vetgraph/id/school/benxi-health-school"]["label"] == (
        "Benxi Health School")


def test_path_by_labels_prints_the_triples(disk_store):
    done = run_cli("path", "市化学工业学校", "辽宁医药职业学院", "--store", disk_store, *ROOT)
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("本溪市化学工业学校 → 辽宁医药职业学院") and "2 step(s)" in first
    assert "<https://w3id.org/vetgraph/id/school/benxi-chemical-industry-school>" in done.stdout


@pytest.mark.slow
def test_gaps_ranks_the_clusters_rolled_up_the_hierarchy(disk_store):
    done = run_cli("gaps", "--top", "3", "--store", disk_store, *ROOT)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Industry clusters, least served first")
    ranked = [line.split()[1] for line in lines if line[:3] in (" 1.", " 2.", " 3.")][:3]
    # Issue 18: the pillars are served through their industries (1.2.1), not gaps.
    assert ranked == ["医药及相关产业", "中医药产业", "农业"]
    assert "Schools, fewest partners first:" in lines
    assert " 1. 本溪市机电工程学校  1" in lines
    missing = run_cli("path", "本溪市卫生学校", "nowhere at all", "--store", disk_store, *ROOT)
    assert missing.returncode == 2 and "no entity" in missing.stderr

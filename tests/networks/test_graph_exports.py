"""GraphML, GEXF and JSON read back by networkx into the same graph, attributes included;
the backends agree; the standalone HTML carries everything it needs."""

from __future__ import annotations

import io
import json

import networkx as nx
import pytest
from helpers.support import REPO, settings_for

from vetgraph import networks
from vetgraph.networks.export import cytoscape, to_gexf, to_graphml, to_html, to_json

VIEWS = ("school-major-cluster", "school-partner", "entity")


def _same(a: nx.Graph, b: nx.Graph) -> None:
    assert nx.is_isomorphic(a, b, node_match=dict.__eq__, edge_match=dict.__eq__)
    assert set(a) == set(b)  # and the identity map is the isomorphism: nodes are IRIs
    for n, d in a.nodes(data=True):
        assert b.nodes[n] == d, n
    for u, v, d in a.edges(data=True):
        assert b.edges[u, v] == d, (u, v)


@pytest.mark.parametrize("name", VIEWS)
def test_graphml_round_trip(facts, name):
    g = networks.build(facts, name)
    back = nx.read_graphml(io.BytesIO(to_graphml(g)))
    _same(g, back)
    assert back.graph["title"] == g.graph["title"]


@pytest.mark.parametrize("name", VIEWS)
def test_gexf_round_trip(facts, name):
    g = networks.build(facts, name, lang="en")
    back = nx.read_gexf(io.BytesIO(to_gexf(g)))
    assert not back.is_directed()
    _same(g, back)


def test_json_round_trip(facts):
    g = networks.build(facts, "cluster-coverage")
    back = nx.node_link_graph(json.loads(to_json(g)), edges="edges")
    _same(g, back)


def test_cytoscape_payload_matches_the_view(facts):
    g = networks.build(facts, "school-major-cluster")
    payload = cytoscape(g)
    assert len(payload["elements"]["nodes"]) == len(g)
    assert len(payload["elements"]["edges"]) == g.number_of_edges()
    assert [entry["type"] for entry in payload["legend"]] == ["School", "IndustryCluster", "Major"]
    # Layered: one x per column, schools left of majors left of clusters.
    xs = {}
    for node in payload["elements"]["nodes"]:
        xs.setdefault(node["data"]["type"], set()).add(node["position"]["x"])
    assert all(len(v) == 1 for v in xs.values())
    assert min(xs["School"]) < min(xs["Major"]) < min(xs["IndustryCluster"])


def test_standalone_html_is_self_contained(facts):
    page = to_html(networks.build(facts, "school-partner", lang="en")).decode()
    assert "cytoscape" in page and "window.VETGRAPH_VIEW" in page
    assert "<script src=" not in page and "<link" not in page  # nothing fetched


@pytest.mark.slow
def test_memory_backend_gives_the_same_facts(facts):
    """The views only ask SPARQL: the rdflib backend answers exactly as Oxigraph does."""
    from vetgraph.store import open_store

    memory = open_store(settings_for(REPO), "memory")
    try:
        assert networks.load_facts(memory) == facts
    finally:
        memory.close()

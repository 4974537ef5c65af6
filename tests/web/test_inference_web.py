"""The inferred graph on the surfaces an analyst reads first: the home page, the service
description and /ontology (issue 19: "no inference and nothing says so")."""

from __future__ import annotations

import pytest
from helpers.web import REAL, copy_store, start_server
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

INFERRED = "https://w3id.org/vetgraph/graph/inferred"
SD = "http://www.w3.org/ns/sparql-service-description#"
TOKEN = "infer-token"
RULES = ["cluster-link-serves", "major-serves-cluster", "school-partners", "school-training-base"]
AGGREGATES = ["cluster-coverage", "school-group-sums"]


def test_home_says_what_is_inferred(server, graph_counts):
    home = server.get("/?format=json").json()
    inference = home["inference"]
    assert inference["graph"] == INFERRED
    assert inference["triples"] == graph_counts[INFERRED] == home["graphs"][INFERRED]
    assert inference["stale"] is False
    assert "FROM" in inference["note"]["en"] and "FROM" in inference["note"]["zh"]
    if REAL:
        assert [(r["name"], r["kind"]) for r in inference["rules"]] == [
            *((name, "rule") for name in RULES), *((name, "aggregate") for name in AGGREGATES)]
        major = next(r for r in inference["rules"] if r["name"] == "major-serves-cluster")
        assert major["label"] == {"zh": "专业服务产业集群", "en": "A major serves a cluster"}
    html = server.get("/", headers={"Accept": "text/html"}).text
    assert 'id="inference"' in html and INFERRED in html and "inference-stale" not in html


def test_service_description_names_the_inferred_graph(server, graph_counts):
    response = server.get("/sparql", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=response.text, format="turtle")
    named = next(g.subjects(URIRef(SD + "name"), URIRef(INFERRED)))
    comments = {c.language for c in g.objects(named, RDFS.comment)}
    assert comments == {"zh", "en"}
    defaults = [str(c) for c in g.objects(None, RDFS.comment) if isinstance(c, Literal)]
    assert any("inferred facts included" in c and "FROM" in c for c in defaults)


@pytest.mark.skipif(not REAL, reason="the rules are the project's own")
def test_ontology_page_shows_each_rule_with_its_explanation(server):
    html = server.get("/ontology", headers={"Accept": "text/html"}).text
    for name in RULES + AGGREGATES:
        assert f'id="rule-{name}"' in html
    assert 'id="aggregates"' in html and "vet:DerivedObservation" in html
    assert "各校数之和（按学校类型与地区）" in html and "Cluster coverage, rolled up" in html
    assert "专业服务产业集群" in html and "A major serves a cluster" in html
    assert "vet:cooperatesOnPatent" in html  # the explanation of the partners' rule


@pytest.mark.slow
def test_an_accepted_update_marks_the_inferred_graph_stale(built_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("writable-inference")
    live = start_server(copy_store(built_store, folder), folder, "--workers", "1",
                        "--allow-update", "--update-token", TOKEN)
    try:
        assert live.get("/?format=json").json()["inference"]["stale"] is False
        response = live.post(
            data={"update": "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 200, response.text
        assert live.get("/?format=json").json()["inference"]["stale"] is True
        assert 'id="inference-stale"' in live.get("/", headers={"Accept": "text/html"}).text
    finally:
        live.stop()

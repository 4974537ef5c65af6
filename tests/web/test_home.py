"""The home page: what the dataset is, its size and limits, as HTML and as JSON."""

from __future__ import annotations

import pytest
from web_support import FACTS, REAL, start_server

ENTITIES = """SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {
  GRAPH <https://w3id.org/vetgraph/graph/data> { ?s a ?c }
  FILTER(STRSTARTS(STR(?s), "https://w3id.org/vetgraph/id/")) }"""


def test_home_as_json(server, graph_counts):
    response = server.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    home = response.json()
    assert home["graphs"] == graph_counts
    assert home["triples"] == sum(graph_counts.values())
    assert home["entities"] == int(server.select(ENTITIES)[0]["n"])
    schools = [
        c for c in home["classes"] if c["class"] == "https://w3id.org/vetgraph/ontology#School"
    ]
    assert schools[0]["count"] == FACTS["schools"]
    assert home["limits"] == {
        "query_timeout_seconds": 2.0,
        "max_query_length_bytes": 20000,
        "max_query_depth": 64,
        "max_query_operators": 2000,
        "max_query_alternatives": 1000,
        "max_query_unions": 500,
        "max_query_patterns": 2000,
        "max_request_body_bytes": 1048576,
        "max_result_rows": 1000,
        "max_concurrent_queries": 2,
        "worker_memory_mb": 2048,
        "updates_allowed": False,
        "worker_network": "isolated",
    }
    assert home["links"]["sparql_editor"] == server.sparql_url
    assert server.get("/?format=json").json() == home


@pytest.mark.skipif(not REAL, reason="the report is described by the project's own data")
def test_home_names_the_source_report(server):
    home = server.get("/?format=json").json()
    titles = [s["title_zh"] for s in home["sources"]]
    assert "本溪市中等职业教育质量年度报告（2024）" in titles


def test_home_as_html(server, graph_counts):
    response = server.get("/", headers={"Accept": "text/html"})
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.text
    assert f'<td id="triples">{sum(graph_counts.values())}</td>' in html
    assert 'href="http://127.0.0.1' in html and "/sparql" in html
    assert "X-SPARQL-Truncated" in html
    assert "<code>https://w3id.org/vetgraph/graph/data</code>" in html


def test_home_has_an_etag(server):
    first = server.get("/")
    again = server.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_documentation_link_serves(server):
    links = server.get("/?format=json").json()["links"]
    for key in ("documentation", "sparql_documentation"):
        response = server.get(links[key].removeprefix(server.url))
        if REAL:
            assert response.status_code == 200
            assert response.headers["Content-Type"].startswith("text/markdown")
        else:
            assert response.status_code in (200, 404)
    assert server.get("/docs/../README.md").status_code == 404


def test_memory_backend_gives_the_same_answers(built_store, tmp_path, server):
    memory = start_server(built_store, tmp_path, "--backend", "memory", "--workers", "1")
    try:
        query = """PREFIX vet: <https://w3id.org/vetgraph/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?s ?name WHERE { ?s a vet:School ; rdfs:label ?name } ORDER BY ?s ?name"""
        assert memory.select(query) == server.select(query)
        assert len(memory.select(query)) >= FACTS["schools"]
        refused = memory.query("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }")
        assert refused.status_code == 400
        assert memory.get("/?format=json").json()["backend"] == "memory"
    finally:
        memory.stop()

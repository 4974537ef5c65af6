"""The home page: what the dataset is, its size and limits, as HTML and as JSON."""

from __future__ import annotations

import pytest
from helpers.web import FACTS, REAL, TREE, start_server

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
        "reserved_workers": 1,
        "reserved_timeout_seconds": 1.0,
        "max_client_queries": 0,
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
            assert response.headers["Content-Type"].startswith("text/html")
            markdown = server.get(links[key].removeprefix(server.url) + ".md")
            assert markdown.status_code == 200
            assert markdown.headers["Content-Type"].startswith("text/markdown")
            assert server.get(
                links[key].removeprefix(server.url), params={"format": "md"}
            ).text == markdown.text
        else:
            assert response.status_code in (200, 404)
    assert server.get("/docs/../README.md").status_code == 404
    assert server.get("/docs/%2E%2E%2FREADME.md").status_code == 404
    assert server.get("/docs/nothere").status_code == 404


@pytest.mark.skipif(not REAL, reason="the fixture tree has no docs/")
def test_documentation_pages_render_markdown():
    """docs/model.md as HTML: headings with anchors, its identifier table, code, the layout."""
    from vetgraph.web.docpages import page_href, render

    text = (TREE / "docs" / "model.md").read_text(encoding="utf-8")
    page = render("model", text, lambda iri: iri.replace("https://w3id.org/vetgraph/", "/"))
    assert page.title == "The vetgraph model"
    assert '<h2 id="identifiers">Identifiers</h2>' in page.html
    assert "<th>IRI pattern</th>" in page.html
    assert (2, "identifiers", "Identifiers") in page.toc
    assert "<td><code>id/school/benxi-health-school</code></td>" in page.html
    assert page_href("sparql.md#formats", str) == "sparql#formats"
    assert page_href("../README.md", str) == "../README.md"
    assert page_href("https://w3id.org/vetgraph/id/school/x", lambda i: "/id/school/x") == (
        "/id/school/x"
    )


def test_favicon_is_served(server):
    response = server.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/vnd.microsoft.icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO header


def test_home_counts_codes_and_labels_external_classes(server):
    """Majors and clusters live in the codes graph; qb:Observation has a label (zh/en)."""
    home = server.get("/?format=json").json()
    per_class = {c["class"]: c for c in home["classes"]}
    counted = server.select(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { VALUES ?g { <https://w3id.org/vetgraph/graph/"
        "codes> <https://w3id.org/vetgraph/graph/data> } GRAPH ?g"
        " { ?s a <https://w3id.org/vetgraph/ontology#Major> } }"
    )
    if REAL:  # the report's majors are code-list concepts
        assert int(counted[0]["n"]) == 28
    assert per_class["https://w3id.org/vetgraph/ontology#Major"]["count"] == int(counted[0]["n"])
    obs = per_class["http://purl.org/linked-data/cube#Observation"]
    assert (obs["label_zh"], obs["label_en"]) == ("观测值", "Observation")
    html = server.get("/", headers={"Accept": "text/html"}).text
    assert 'href="https://w3id.org/vetgraph/' not in html


@pytest.mark.slow
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

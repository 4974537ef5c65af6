"""SPARQL 1.1 Protocol over real HTTP against a live ``vetgraph serve`` (one behaviour a test)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import requests
from helpers.web import FACTS, G
from rdflib import Graph, URIRef

SCHOOLS = """PREFIX vet: <https://w3id.org/vetgraph/ontology#>
SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a vet:School }"""
HEALTH = (
    "PREFIX vet: <https://w3id.org/vetgraph/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    f'SELECT ?s WHERE {{ ?s a vet:School ; rdfs:label "{FACTS["health_school"]}"@zh }}'
)
GRID = 'SELECT ?a ?b WHERE { VALUES ?a { 1 2 3 } VALUES ?b { "x" "y" } } ORDER BY ?a ?b'
GRID_ROWS = [(a, b) for a in ("1", "2", "3") for b in ("x", "y")]
CONSTRUCT = """PREFIX vet: <https://w3id.org/vetgraph/ontology#>
CONSTRUCT { ?s a vet:School } WHERE { ?s a vet:School }"""
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SPARQL_JSON = "application/sparql-results+json"


def _count(response: requests.Response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def _grid(response: requests.Response) -> list[tuple[str, str]]:
    rows = response.json()["results"]["bindings"]
    return [(r["a"]["value"], r["b"]["value"]) for r in rows]


# --- the three ways to send a query --------------------------------------------------------


def test_query_by_get(server):
    response = server.query(SCHOOLS)
    assert response.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
    assert _count(response) == FACTS["schools"]


def test_query_by_post_form(server):
    response = server.post(data={"query": SCHOOLS}, headers={"Accept": SPARQL_JSON})
    assert _count(response) == FACTS["schools"]


def test_query_by_post_direct(server):
    response = server.post(
        data=SCHOOLS.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": SPARQL_JSON},
    )
    assert _count(response) == FACTS["schools"]


def test_post_direct_with_utf8_literal(server):
    response = server.post(
        data=HEALTH.encode("utf-8"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-8", "Accept": SPARQL_JSON},
    )
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 1


# --- the dataset --------------------------------------------------------------------------


def test_default_graph_is_union_of_named_graphs(server, graph_counts):
    assert _count(server.query(COUNT_ALL)) == sum(graph_counts.values())


def test_named_graphs_stay_addressable(server, graph_counts):
    rows = server.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    )
    assert {r["g"]: int(r["n"]) for r in rows} == graph_counts


def test_from_names_a_store_graph(server, graph_counts):
    response = server.query(f"SELECT (COUNT(*) AS ?n) FROM <{G}codes> WHERE {{ ?s ?p ?o }}")
    assert _count(response) == graph_counts[G + "codes"]
    only_named = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{G}codes> WHERE {{ ?s ?p ?o }}"
    assert _count(server.query(only_named)) == 0  # FROM NAMED alone: empty default graph


def test_default_graph_uri_overrides_from(server, graph_counts):
    text = f"SELECT (COUNT(*) AS ?n) FROM <{G}ontology> WHERE {{ ?s ?p ?o }}"
    response = server.query(text, **{"default-graph-uri": G + "codes"})
    assert _count(response) == graph_counts[G + "codes"]


def test_two_default_graph_uris_are_merged(server, graph_counts):
    response = server.get(
        params=[
            ("query", COUNT_ALL),
            ("default-graph-uri", G + "codes"),
            ("default-graph-uri", G + "ontology"),
        ],
        headers={"Accept": SPARQL_JSON},
    )
    assert _count(response) == graph_counts[G + "codes"] + graph_counts[G + "ontology"]


def test_named_graph_uri_overrides_from_named(server, graph_counts):
    text = (
        f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{G}ontology> "
        "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    rows = server.get(
        params={"query": text, "named-graph-uri": G + "data"}, headers={"Accept": SPARQL_JSON}
    ).json()["results"]["bindings"]
    assert [(r["g"]["value"], int(r["n"]["value"])) for r in rows] == [
        (G + "data", graph_counts[G + "data"])
    ]


def test_protocol_graph_outside_the_store_is_refused(server):
    response = server.query(COUNT_ALL, **{"default-graph-uri": "file:///etc/passwd"})
    assert response.status_code == 400
    assert "default-graph-uri <file:///etc/passwd> is not a graph in this store" in response.text


# --- content negotiation ------------------------------------------------------------------


def test_select_as_json(server):
    response = server.query(GRID, SPARQL_JSON)
    assert response.json()["head"]["vars"] == ["a", "b"]
    assert _grid(response) == GRID_ROWS


def test_select_as_xml(server):
    response = server.query(GRID, "application/sparql-results+xml")
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(response.content)
    rows = [
        tuple(b.find("r:literal", ns).text for b in result.findall("r:binding", ns))
        for result in root.findall("r:results/r:result", ns)
    ]
    assert rows == GRID_ROWS


def test_select_as_csv(server):
    response = server.query(GRID, "text/csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [["a", "b"], *map(list, GRID_ROWS)]


def test_select_as_tsv(server):
    response = server.query(GRID, "text/tab-separated-values")
    assert response.headers["Content-Type"].startswith("text/tab-separated-values")
    lines = response.text.splitlines()
    assert lines[0] == "?a\t?b"
    assert lines[1:] == ['1\t"x"', '1\t"y"', '2\t"x"', '2\t"y"', '3\t"x"', '3\t"y"']


def test_ask_as_json_and_xml(server):
    text = "ASK { VALUES ?x { 1 } }"
    assert server.query(text).json() == {"head": {}, "boolean": True}
    xml = server.query(text, "application/sparql-results+xml").text
    assert "<boolean>true</boolean>" in xml


def test_accept_q_values_pick_the_format(server):
    accept = "application/sparql-results+json;q=0.5, text/csv;q=0.9, */*;q=0.1"
    response = server.query(GRID, accept)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/trig", "trig"),
        ("application/n-quads", "nquads"),
    ],
)
def test_construct_in_every_rdf_format(server, accept, rdflib_format):
    response = server.query(CONSTRUCT, accept)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == f"{accept}; charset=utf-8"
    graph = Graph()
    graph.parse(data=response.content, format=rdflib_format)
    schools = set(graph.subjects())
    assert len(schools) == FACTS["schools"]
    assert len(graph) == FACTS["schools"]


def test_describe_answers_rdf(server):
    school = server.select(HEALTH)[0]["s"]
    response = server.query(f"DESCRIBE <{school}>", "text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    assert (URIRef(school), None, None) in graph


def test_format_parameter_for_browser_links(server):
    response = server.get(
        params={"query": GRID, "format": "csv"}, headers={"Accept": "text/html,*/*;q=0.8"}
    )
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    response = server.get(params={"query": CONSTRUCT, "format": "ttl"})
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"


def test_unknown_format_parameter_is_400(server):
    response = server.get(params={"query": GRID, "format": "pdf"})
    assert response.status_code == 400
    assert "unknown format 'pdf'" in response.text


def test_unmet_accept_is_406(server):
    response = server.query(GRID, "image/png")
    assert response.status_code == 406
    response = server.query(CONSTRUCT, "text/csv")  # a results format for a graph answer
    assert response.status_code == 406
    assert "CONSTRUCT query answers in an RDF syntax" in response.text


# --- service description and editor -------------------------------------------------------


def test_service_description_for_machines(server, graph_counts):
    response = server.get(headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=response.text, format="turtle")
    answer = graph.query(
        """PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
        PREFIX void: <http://rdfs.org/ns/void#>
        PREFIX vetsd: <https://w3id.org/vetgraph/ontology/service#>
        SELECT ?endpoint ?name ?triples ?timeout ?rows ?depth WHERE {
          ?service a sd:Service ; sd:endpoint ?endpoint ; sd:feature sd:UnionDefaultGraph ;
            sd:supportedLanguage sd:SPARQL11Query ; sd:defaultDataset ?d ;
            vetsd:queryTimeout ?timeout ; vetsd:maxResultRows ?rows ;
            vetsd:maxQueryNesting ?depth .
          ?d sd:namedGraph [ sd:name ?name ; sd:graph [ void:triples ?triples ] ] .
        }"""
    )
    rows = {str(r.name): int(r.triples) for r in answer}
    assert rows == graph_counts
    first = next(iter(answer))
    assert str(first.endpoint) == server.sparql_url
    assert (float(first.timeout), int(first.rows), int(first.depth)) == (2.0, 1000, 64)
    formats = set(
        graph.objects(None, URIRef("http://www.w3.org/ns/sparql-service-description#resultFormat"))
    )
    assert len(formats) == 10


def test_service_description_in_json_ld(server):
    response = server.get(headers={"Accept": "application/ld+json"})
    assert response.headers["Content-Type"] == "application/ld+json; charset=utf-8"
    assert len(Graph().parse(data=response.text, format="json-ld")) > 20


def test_editor_for_browsers(server):
    response = server.get(headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "vendor/yasgui/yasgui.min.js" in response.text
    assert "https://" not in response.text.split('<script id="vetgraph-config"')[0].replace(
        "https://w3id.org", ""
    )


# --- errors the protocol names ------------------------------------------------------------


def test_malformed_query_is_400_with_position(server):
    response = server.query("SELECT *\nWHERE { ?s ?p }", "text/plain")
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text.startswith("syntax error at line 2, column 9")
    as_json = server.query("SELECT *\nWHERE { ?s ?p }", "application/json").json()
    assert (as_json["error"], as_json["line"], as_json["column"]) == ("syntax-error", 2, 9)


def test_post_without_content_type_is_415(server):
    response = requests.post(
        server.sparql_url, data=b"query=ASK{}", timeout=10, headers={"Content-Type": ""}
    )
    assert response.status_code == 415
    assert "application/sparql-query" in response.headers["Accept-Post"]


def test_post_with_wrong_content_type_is_415(server):
    response = server.post(data=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "cannot read a text/plain body" in response.text


def test_non_utf8_body_is_400(server):
    body = 'ASK { ?s ?p "本溪" }'.encode("gb18030")
    response = server.post(data=body, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400
    assert "not valid UTF-8" in response.text
    form = b"query=ASK%7B%3Fs%3Fp%22%B1%BE%22%7D"  # %B1%BE: GBK bytes, not UTF-8
    response = server.post(data=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400


def test_non_utf8_charset_is_415(server):
    response = server.post(
        data=b"ASK {}", headers={"Content-Type": "application/sparql-query; charset=latin-1"}
    )
    assert response.status_code == 415


def test_two_query_parameters_are_400(server):
    response = server.get(params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert response.status_code == 400
    assert "2 'query' parameters" in response.text
    response = server.post(data={"query": ["ASK {}", "ASK {}"]})
    assert response.status_code == 400


def test_query_and_update_together_are_400(server):
    response = server.post(data={"query": "ASK {}", "update": "CLEAR ALL"})
    assert response.status_code == 400


def test_other_methods_are_405(server):
    for method in ("PUT", "DELETE", "PATCH"):
        response = requests.request(method, server.sparql_url, timeout=10)
        assert response.status_code == 405, method
        assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_body_over_the_limit_is_413(server):
    body = b"query=ASK{}" + b"+" * (1024 * 1024)
    response = server.post(data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert "larger than the limit of 1048576 bytes" in response.text


def test_query_over_the_length_limit_is_413(server):
    text = "ASK {}" + " " * 20_000
    response = server.post(data=text, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413
    assert "the limit is 20000 bytes" in response.text


def test_update_on_get_is_400(server):
    response = server.get(params={"update": "CLEAR ALL"})
    assert response.status_code == 400


def test_empty_query_is_400(server):
    assert server.get(params={"query": "  "}).status_code == 400


# --- truncation, caching, CORS, gzip, log -------------------------------------------------


FORTY = " ".join(map(str, range(40)))
BIG = f"SELECT ?a ?b WHERE {{ VALUES ?a {{ {FORTY} }} VALUES ?b {{ {FORTY} }} }}"


def test_row_cap_marks_truncation_in_header_and_body(server):
    response = server.query(BIG)
    assert response.headers["X-SPARQL-Truncated"] == "true"
    assert response.headers["X-SPARQL-Max-Rows"] == "1000"
    body = response.json()
    assert len(body["results"]["bindings"]) == 1000
    assert body["vetgraph"] == {"truncated": True, "limit": 1000}
    assert "X-SPARQL-Truncated" in response.headers["Access-Control-Expose-Headers"]
    csv_rows = server.query(BIG, "text/csv").text.splitlines()
    assert len(csv_rows) == 1001
    xml = server.query(BIG, "application/sparql-results+xml").text
    assert "vetgraph: truncated to the first 1000 results" in xml
    ET.fromstring(xml)  # still well-formed


def test_untruncated_answer_says_so(server):
    response = server.query(GRID)
    assert response.headers["X-SPARQL-Truncated"] == "false"
    assert "vetgraph" not in response.json()


def test_etag_and_cache_control_on_get(server):
    first = server.query(GRID)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = server.get(
        params={"query": GRID}, headers={"Accept": SPARQL_JSON, "If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    other = server.query(GRID, "text/csv")
    assert other.headers["ETag"] != etag


def test_cors_headers(server):
    response = server.get(params={"query": GRID}, headers={"Origin": "http://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(
        server.sparql_url,
        timeout=10,
        headers={
            "Origin": "http://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    posted = server.post(data={"query": GRID}, headers={"Origin": "http://example.org"})
    assert posted.headers["Access-Control-Allow-Origin"] == "*"


def test_gzip_when_asked(server):
    response = server.query(BIG, **{})
    raw = requests.get(
        server.sparql_url,
        params={"query": BIG},
        timeout=30,
        stream=True,
        headers={"Accept-Encoding": "gzip", "Accept": SPARQL_JSON},
    )
    assert raw.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in raw.headers["Vary"]
    compressed = raw.raw.read(decode_content=False)
    assert len(compressed) < len(response.content) / 5
    plain = requests.get(
        server.sparql_url,
        params={"query": BIG},
        timeout=30,
        headers={"Accept-Encoding": "identity", "Accept": SPARQL_JSON},
    )
    assert "Content-Encoding" not in plain.headers


def test_requests_are_logged_with_timing(server):
    server.query(GRID, format="csv")
    lines = [line for line in server.log().splitlines() if "vetgraph.web.access" in line]
    assert any(
        '"GET /sparql?query=' in line
        and "format=csv" in line
        and " 200 " in line
        and line.endswith("ms")
        for line in lines
    )


def test_server_timing_header(server):
    timing = server.query(GRID).headers["Server-Timing"]
    assert timing.startswith("query;dur=") and "total;dur=" in timing


def test_prefixes_for_the_editor(server):
    prefixes = server.get("/sparql/prefixes.json").json()
    assert prefixes["vet"] == "https://w3id.org/vetgraph/ontology#"
    assert prefixes["rdfs"] == "http://www.w3.org/2000/01/rdf-schema#"


def test_results_parse_with_pyoxigraph(server):
    for accept, fmt in (
        (SPARQL_JSON, ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ):
        parsed = ox.parse_query_results(server.query(GRID, accept).content, format=fmt)
        assert [(s["a"].value, s["b"].value) for s in parsed] == GRID_ROWS


def test_json_error_for_json_clients(server):
    response = server.query("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "service-refused"
    assert json.dumps(body)


def test_vendored_editor_files_are_served_gzipped(server):
    path = "/static/vendor/yasgui/yasgui.min.js"
    plain = server.get(path, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert plain.headers["Content-Type"].startswith("text/javascript")
    zipped = requests.get(
        server.url + path, timeout=30, stream=True, headers={"Accept-Encoding": "gzip"}
    )
    assert zipped.headers["Content-Encoding"] == "gzip"
    body = zipped.raw.read(decode_content=False)
    assert int(zipped.headers["Content-Length"]) == len(body) < len(plain.content) / 3
    assert gzip.decompress(body) == plain.content
    assert server.get("/static/vendor/yasgui/LICENSE").text.count("MIT") >= 1

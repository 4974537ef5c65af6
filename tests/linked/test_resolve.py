"""Every IRI resolves: the content-negotiation matrix, suffix URLs, 404s, caching, HTTP manners."""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
import pytest
from helpers.linked import BASE, jsonld_quads
from helpers.live import start_server
from helpers.support import REPO

SCHOOL = "/id/school/benxi-health-school"
KINDS = {
    "entity": SCHOOL,
    "code": "/code/major/nursing",
    "scheme": "/code/industry-cluster",
    "dataset": "/dataset/table-1-1",
    "observation": "/dataset/table-1-1/obs/benxi-health-school-in-school-students-2024",
    "source": "/source/benxi-2024/table/1-1",
    "report": "/source/benxi-2024",
    "ontology": "/ontology",
    "shapes": "/shapes",
    "void": "/dataset",
}
LABELS = {  # a label each description must carry (zh, as the report writes it)
    "entity": "本溪市卫生学校",
    "code": "护理",
    "scheme": "产业与产业集群",
    "dataset": "表 1.1：本溪市 2024 年中等职业学校基本情况",
    "observation": "在校生数",
    "source": "表 1.1 本溪市 2024 年中等职业学校基本情况",
    "report": "本溪市中等职业教育质量年度报告（2024）",
    "ontology": "中等职业学校",
    "shapes": "vetgraph SHACL 约束",
    "void": "vetgraph 职业教育知识图谱",
}
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
SUFFIX = {"text/turtle": "ttl", "application/n-triples": "nt", "application/rdf+xml": "rdf",
          "application/ld+json": "jsonld", "text/html": "html"}


def triples_of(response, mime: str, loader) -> list:
    if mime == "application/ld+json":
        return jsonld_quads(json.loads(response.content), loader)
    return list(ox.parse(response.content, format=RDF_TYPES[mime], base_iri=BASE))


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("mime", list(SUFFIX))
def test_negotiation_matrix(server, document_loader, kind, mime):
    path = KINDS[kind]
    response = server.get(path, headers={"Accept": mime})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == mime
    assert "Accept" in [v.strip() for v in response.headers["Vary"].split(",")]
    assert response.headers["Content-Location"] == f"{path}.{SUFFIX[mime]}"
    links = response.headers["Link"]
    for other, ext in SUFFIX.items():
        if other != mime:
            assert f'<{path}.{ext}>; rel="alternate"; type="{other}"' in links
    assert '</.well-known/void>; rel="describedby"' in links
    if mime == "text/html":
        assert LABELS[kind] in response.text
        return
    triples = triples_of(response, mime, document_loader)
    texts = {t.object.value for t in triples if isinstance(t.object, ox.Literal)}
    assert LABELS[kind] in texts
    subjects = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    iri = BASE + path.lstrip("/")
    if kind not in ("ontology", "shapes"):
        assert iri in subjects


@pytest.mark.parametrize("kind", ["entity", "code", "dataset", "source", "ontology", "void"])
@pytest.mark.parametrize("mime", list(SUFFIX))
def test_suffix_urls_fix_the_format(server, kind, mime):
    path = f"{KINDS[kind]}.{SUFFIX[mime]}"
    response = server.get(path, headers={"Accept": "text/html"})  # the suffix wins
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == mime
    assert "Content-Location" not in response.headers
    vary = [v.strip() for v in response.headers.get("Vary", "").split(",")]
    assert "Accept" not in vary


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("*/*", "text/html"),
        (None, "text/html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("application/json", "application/ld+json"),
        ("text/plain", "application/n-triples"),
        ("application/rdf+xml;q=0.5, text/turtle;q=0.9", "text/turtle"),
        ("application/ld+json;q=0, */*;q=0.1", "text/html"),
        ("application/x-turtle", "text/turtle"),
    ],
)
def test_accept_variants(server, accept, expected):
    headers = {"Accept": accept} if accept else {}
    response = server.get(SCHOOL, headers=headers)
    assert response.headers["Content-Type"].split(";")[0] == expected


def test_void_address_prefers_rdf(server):
    assert server.get("/.well-known/void", headers={"Accept": "*/*"}).headers[
        "Content-Type"] == "text/turtle; charset=utf-8"
    assert server.get("/.well-known/void", headers={"Accept": "text/html"}).headers[
        "Content-Type"] == "text/html; charset=utf-8"


def test_unacceptable_is_406(server):
    response = server.get(SCHOOL, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.text
    assert f'<{SCHOOL}.ttl>; rel="alternate"' in response.headers["Link"]


def test_description_is_the_cbd_plus_labels(server):
    """An agreement's qualified parties (blank nodes) come with it, and so do the labels of
    everything it points at and the links into it (issue 19); nothing else about those
    neighbours does."""
    rows = server.get("/dataset/table-1-1.nt").content
    triples = list(ox.parse(rows, format=ox.RdfFormat.N_TRIPLES))
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    me = ox.NamedNode(BASE + "dataset/table-1-1")
    others = {t.predicate for t in triples if t.subject != me and t.object != me}
    assert others <= {label, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")}
    incoming = {t.predicate.value for t in triples if t.object == me}
    assert incoming == {"http://purl.org/linked-data/cube#dataSet"}
    agreement = server.get("/sparql", params={"query": (
        "PREFIX vet: <https://w3id.org/vetgraph/ontology#> "
        "PREFIX prov: <http://www.w3.org/ns/prov#> "
        "SELECT ?a WHERE { ?a a vet:CooperationAgreement ; prov:qualifiedAssociation ?q } "
        "ORDER BY ?a LIMIT 1")}, headers={"Accept": "application/sparql-results+json"})
    iri = agreement.json()["results"]["bindings"][0]["a"]["value"]
    body = server.get("/" + iri[len(BASE):] + ".nt").content
    triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    blanks = {t.object for t in triples
              if t.predicate.value == "http://www.w3.org/ns/prov#qualifiedAssociation"}
    assert blanks and all(isinstance(b, ox.BlankNode) for b in blanks)
    for blank in blanks:
        described = {t.predicate.value for t in triples if t.subject == blank}
        assert {"http://www.w3.org/ns/prov#agent", "http://www.w3.org/ns/prov#hadRole"} <= \
            described
    agents = {t.object for t in triples if t.predicate.value == "http://www.w3.org/ns/prov#agent"}
    for agent in agents:
        assert any(t.subject == agent and t.predicate == label for t in triples)


def test_jsonld_document_uses_the_context(server, document_loader):
    response = server.get(SCHOOL + ".jsonld")
    doc = response.json()
    assert doc["@context"] == server.url + "/context.jsonld"  # fetchable from this server
    me = doc["@graph"][0]
    assert me["id"] == BASE + SCHOOL.lstrip("/")
    assert me["type"] == "School"
    assert me["label"] == {"en": "Benxi Health School", "zh": "本溪市卫生学校"}
    assert me["locatedIn"] == BASE + "id/area/benxi-city"
    from_jsonld = {(t.subject, t.predicate, t.object)
                   for t in jsonld_quads(doc, document_loader)}
    turtle = server.get(SCHOOL + ".ttl").content
    from_turtle = {(t.subject, t.predicate, t.object)
                   for t in ox.parse(turtle, format=ox.RdfFormat.TURTLE)}
    assert from_jsonld == from_turtle


def test_jsonld_parses_with_rdflib_and_pyld_from_the_live_server(server):
    """Real clients, their own loaders: the context comes from this server, nothing else."""
    import rdflib
    from pyld import jsonld

    turtle = server.get(SCHOOL + ".ttl").content
    from_turtle = {(t.subject.value, t.predicate.value, str(t.object.value))
                   for t in ox.parse(turtle, format=ox.RdfFormat.TURTLE)}
    graph = rdflib.Graph().parse(server.url + SCHOOL + ".jsonld", format="json-ld")
    assert len(graph) == len(from_turtle) > 20
    school = rdflib.URIRef(BASE + SCHOOL.lstrip("/"))
    assert graph.value(school, rdflib.RDFS.label) is not None
    assert {str(o) for o in graph.objects(school, rdflib.RDFS.label)} >= {"本溪市卫生学校"}
    expanded = jsonld.to_rdf(server.get(SCHOOL + ".jsonld").json(),
                             {"format": "application/n-quads",
                              "documentLoader": jsonld.requests_document_loader(timeout=30)})
    from_pyld = {(t.subject.value, t.predicate.value, str(t.object.value))
                 for t in ox.parse(expanded, format=ox.RdfFormat.N_QUADS)}
    assert from_pyld == from_turtle


def test_unknown_iri_is_a_helpful_404(server):
    page = server.get("/id/school/benxi-health-schol", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert BASE + "id/school/benxi-health-schol" in page.text
    assert 'href="/id/school/benxi-health-school"' in page.text  # did you mean
    text = server.get("/id/school/benxi-health-schol.ttl", headers={"Accept": "text/plain"})
    assert text.status_code == 404
    assert "did you mean" in text.text
    assert server.get("/id/school/nothing-like-it", headers={"Accept": "application/json"}
                      ).json()["error"] == "not-found"
    folder = server.get("/id/school", headers={"Accept": "text/html"})
    assert folder.status_code == 404
    siblings = folder.text.split('<ul id="siblings">')[1].split("</ul>")[0]
    assert siblings.count('href="/id/school/') == 6  # the six schools of 表 1.1
    assert server.get("/ontology/9.9.9").status_code == 404
    for path in ("/id/school/a%20b", "/id/school/%3C%3E", "/code/x%7By", "/source/x%22y"):
        assert server.get(path).status_code == 404, path  # not even an IRI: no 500


def test_ontology_version_iri_resolves(server):
    response = server.get("/ontology/0.1.0", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert b"owl:versionIRI" in response.content


def test_not_modified(server):
    first = server.get(SCHOOL, headers={"Accept": "text/turtle"})
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = server.get(SCHOOL, headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    other = server.get(SCHOOL, headers={"Accept": "application/n-triples", "If-None-Match": etag})
    assert other.status_code == 200  # another representation, another tag
    since = server.get(SCHOOL, headers={"Accept": "text/turtle",
                                        "If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    for path in ("/ontology", "/dataset", "/context.jsonld", "/sitemap.xml", "/dumps/"):
        tag = server.get(path).headers["ETag"]
        assert server.get(path, headers={"If-None-Match": tag}).status_code == 304, path


def test_gzip_cors_and_cache_headers(server):
    response = server.get(SCHOOL, headers={"Accept": "text/html", "Accept-Encoding": "gzip",
                                           "Origin": "https://portal.example"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "Link" in exposed and "ETag" in exposed
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    assert "Accept-Encoding" in response.headers["Vary"]
    preflight = __import__("requests").options(
        server.url + SCHOOL, headers={"Origin": "https://portal.example",
                                      "Access-Control-Request-Method": "GET"}, timeout=30)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_page_language(server):
    en = server.get(SCHOOL, headers={"Accept": "text/html", "Accept-Language": "en"})
    assert '<h1 id="label" lang="en">Benxi Health School</h1>' in en.text
    assert "Accept-Language" in en.headers["Vary"]
    zh = server.get(SCHOOL + "?lang=zh", headers={"Accept": "text/html",
                                                  "Accept-Language": "en"})
    assert '<h1 id="label" lang="zh">本溪市卫生学校</h1>' in zh.text
    assert "Accept-Language" not in zh.headers["Vary"]


@pytest.mark.slow
def test_sitemap_lists_every_resource_and_each_resolves(server):
    response = server.get("/sitemap.xml")
    assert response.headers["Content-Type"] == "application/xml"
    urls = re.findall(r"<loc>([^<]+)</loc>", response.text)
    paths = [u[len(server.url):] for u in urls]
    assert paths[:5] == ["/", "/dataset", "/ontology", "/shapes", "/dumps/"]
    listed = set(paths[5:])
    found = server.get("/sparql", params={"query": (
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && ("
        "STRSTARTS(STR(?s), 'https://w3id.org/vetgraph/id/') || "
        "STRSTARTS(STR(?s), 'https://w3id.org/vetgraph/code/') || "
        "STRSTARTS(STR(?s), 'https://w3id.org/vetgraph/dataset/') || "
        "STRSTARTS(STR(?s), 'https://w3id.org/vetgraph/source/'))) }")},
        headers={"Accept": "application/sparql-results+json"}).json()
    expected = {"/" + row["s"]["value"][len(BASE):] for row in found["results"]["bindings"]}
    assert listed == expected
    assert SCHOOL in listed
    import requests

    with requests.Session() as session:  # every described IRI answers (N-Triples: cheapest)
        for path in sorted(p for p in listed if p.startswith(("/id/", "/source/", "/dataset/"))):
            reply = session.head(server.url + path, headers={"Accept": "application/n-triples"},
                                 timeout=60)
            assert reply.status_code == 200, path


@pytest.mark.slow
def test_base_iri_maps_another_domain(tmp_path, tmp_path_factory):
    """A deployment under another domain answers for its own IRIs (memory backend: its data
    is not under w3id.org, so the SHACL IRI patterns would refuse a build)."""

    tree = tmp_path / "tree"
    (tree / "ontology" / "codes").mkdir(parents=True)
    (tree / "ontology" / "shapes").mkdir()
    (tree / "data" / "ttl").mkdir(parents=True)
    (tree / "ontology" / "vetgraph.ttl").write_bytes((REPO / "ontology/vetgraph.ttl").read_bytes())
    (tree / "data" / "ttl" / "x.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://data.example.org/vg/id/school/x> a <https://w3id.org/vetgraph/ontology#School> ;"
        ' rdfs:label "某学校"@zh, "Some school"@en .\n', encoding="utf-8")
    live = start_server(tmp_path / "store", tmp_path_factory.mktemp("base-logs"),
                        "--backend", "memory", "--workers", "1",
                        "--base-iri", "https://data.example.org/vg/", tree=tree)
    try:
        turtle = live.get("/id/school/x", headers={"Accept": "application/n-triples"})
        assert turtle.status_code == 200
        assert b'<https://data.example.org/vg/id/school/x> <http://www.w3.org/2000/01/rdf-' \
               b'schema#label> "Some school"@en .' in turtle.content
        page = live.get("/id/school/x", headers={"Accept": "text/html"})
        assert "某学校" in page.text
        assert live.get(SCHOOL).status_code == 404  # w3id IRIs are not this deployment's
    finally:
        live.stop()


@pytest.mark.parametrize("name", ["ontology", "codes", "data", "shapes", "inferred"])
def test_named_graph_iris_resolve(server, name):
    """Graph IRIs (the fourth term of every N-Quads line) describe their part of the dataset."""
    graph = f"{BASE}graph/{name}"
    response = server.get(f"/graph/{name}", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    triples = list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
    dumps = sorted(t.object.value for t in triples
                   if t.subject.value == graph and t.predicate.value.endswith("#dataDump"))
    assert dumps == [f"{BASE}dumps/vetgraph-{name}.{ext}" for ext in ("jsonld", "nt", "rdf", "ttl")]
    size = next(t.object.value for t in triples
                if t.subject.value == graph and t.predicate.value.endswith("#triples"))
    listing = server.get("/dumps/", headers={"Accept": "application/json"}).json()
    nt = next(f for f in listing["files"] if f["name"] == f"vetgraph-{name}.nt")
    assert int(size) == server.get(nt["url"][len(BASE) - 1:]).content.count(b"\n")
    page = server.get(f"/graph/{name}", headers={"Accept": "text/html"})
    assert f'<span id="triples">{size}</span>' in page.text


@pytest.mark.parametrize("suffix", [".ttl", ".nt", ".jsonld", ".rdf"])
def test_description_includes_incoming_links(server, context_document, suffix):
    """Issue 19: following a school's IRI as RDF gives the links into it, as its HTML page
    lists them: the health school's ten offerings (vet:offeredBy) among them."""
    body = server.get(SCHOOL + suffix).content
    if suffix == ".jsonld":  # the context by value: the parser fetches nothing
        doc = json.loads(body)
        doc["@context"] = context_document["@context"]
        body = json.dumps(doc).encode()
    fmt = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES,
           ".jsonld": ox.RdfFormat.JSON_LD, ".rdf": ox.RdfFormat.RDF_XML}[suffix]
    triples = list(ox.parse(body, format=fmt))
    me = ox.NamedNode(BASE + SCHOOL.lstrip("/"))
    offered = {t.subject for t in triples
               if t.object == me and t.predicate.value.endswith("ontology#offeredBy")}
    assert len(offered) == 10
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    for offering in offered:
        assert any(t.subject == offering and t.predicate.value == label for t in triples)


def test_incoming_links_are_bounded_per_property_with_a_note(server):
    """More observations are reported than a description carries: 100 of them, and a note
    (zh, en) with the full count and the query that lists them all."""
    body = server.get("/code/observation-status/reported.nt").content
    triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    me = ox.NamedNode(BASE + "code/observation-status/reported")
    unit = "http://purl.org/linked-data/sdmx/2009/attribute#obsStatus"
    assert sum(1 for t in triples if t.object == me and t.predicate.value == unit) == 100
    total = server.get("/sparql", params={"query": (
        f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o <{unit}> <{me.value}> }}")},
        headers={"Accept": "application/sparql-results+json"}).json()
    count = int(total["results"]["bindings"][0]["n"]["value"])
    assert count > 100
    notes = {t.object.language: t.object.value for t in triples
             if t.subject == me and t.predicate.value.endswith("#comment")}
    assert f"100 of {count} shown" in notes["en"]
    assert f"SELECT ?s WHERE {{ ?s <{unit}> <{me.value}> }}" in notes["en"]
    assert f"共 {count} 条" in notes["zh"]

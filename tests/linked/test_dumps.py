"""Dumps, the JSON-LD context and the VoID/DCAT description, read back by independent parsers.

Every dump is parsed by raptor (``rapper``: Turtle, N-Triples, RDF/XML, TriG, N-Quads) or pyld
(JSON-LD) and compared, blank nodes canonicalized, with the quads of the built store.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
from helpers.linked import BASE, as_default_graph, canonical, json_of, jsonld_quads, rapper, union
from helpers.support import run_cli

from vetgraph.linked.dumps import write_dumps
from vetgraph.store.oxigraph import OxigraphStore

G = BASE + "graph/"
GRAPHS = ("ontology", "codes", "data", "shapes", "inferred", "validation")
RAPTOR = {"ttl": "turtle", "nt": "ntriples", "rdf": "rdfxml"}


@pytest.fixture(scope="module")
def listing(server):
    response = server.get("/dumps/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    return response.json()


def test_listing_offers_every_syntax_with_gzip_and_checksums(server, listing):
    names = [f["name"] for f in listing["files"]]
    assert names[:6] == ["vetgraph.ttl", "vetgraph.nt", "vetgraph.rdf", "vetgraph.jsonld",
                         "vetgraph.nq", "vetgraph.trig"]
    for graph in GRAPHS:
        for ext in ("ttl", "nt", "rdf", "jsonld"):
            assert f"vetgraph-{graph}.{ext}" in names
    assert len(names) == 6 + len(GRAPHS) * 4
    sums = server.get("/dumps/SHA256SUMS").text.splitlines()
    assert len(sums) == 2 * len(names)
    table = dict(reversed(line.split("  ")) for line in sums)
    for f in listing["files"]:
        assert table[f["name"]] == f["sha256"]
        assert table[f["gzip"]["name"]] == f["gzip"]["sha256"]
    html = server.get("/dumps/", headers={"Accept": "text/html"})
    assert html.headers["Content-Type"].startswith("text/html")
    assert "vetgraph-data.ttl.gz" in html.text


@pytest.mark.slow
@pytest.mark.parametrize("ext", ["ttl", "nt", "rdf"])
def test_triple_dumps_parse_with_rapper_to_the_union(server, listing, store_quads, ext):
    response = server.get(f"/dumps/vetgraph.{ext}", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    entry = next(f for f in listing["files"] if f["name"] == f"vetgraph.{ext}")
    assert hashlib.sha256(response.content).hexdigest() == entry["sha256"]
    parsed = ox.parse(rapper(response.content, RAPTOR[ext]), format=ox.RdfFormat.N_TRIPLES)
    assert canonical(as_default_graph(parsed)) == union(store_quads)


@pytest.mark.parametrize(("ext", "syntax"), [("nq", "nquads"), ("trig", "trig")])
def test_dataset_dumps_keep_every_named_graph(server, store_quads, ext, syntax):
    body = server.get(f"/dumps/vetgraph.{ext}").content  # requests undoes the gzip encoding
    parsed = list(ox.parse(rapper(body, syntax, "nquads"), format=ox.RdfFormat.N_QUADS))
    assert {q.graph_name.value for q in parsed} == {G + g for g in GRAPHS}
    assert canonical(parsed) == canonical(store_quads)


@pytest.mark.slow
def test_jsonld_dump_expands_with_pyld_to_the_store(server, store_quads, document_loader):
    doc = json_of(server.get("/dumps/vetgraph.jsonld"))
    assert isinstance(doc["@context"], dict)  # embedded: the file stands alone
    assert canonical(jsonld_quads(doc, document_loader)) == canonical(store_quads)


@pytest.mark.slow
@pytest.mark.parametrize("graph", GRAPHS)
def test_per_graph_dumps(server, store_quads, document_loader, graph):
    mine = [q for q in store_quads if q.graph_name == ox.NamedNode(G + graph)]
    expected = canonical(as_default_graph(mine))
    for ext in ("ttl", "rdf"):
        body = server.get(f"/dumps/vetgraph-{graph}.{ext}").content
        parsed = ox.parse(rapper(body, RAPTOR[ext]), format=ox.RdfFormat.N_TRIPLES)
        assert canonical(as_default_graph(parsed)) == expected, ext
    doc = json_of(server.get(f"/dumps/vetgraph-{graph}.jsonld"))
    assert canonical(jsonld_quads(doc, document_loader)) == canonical(mine)


def test_gzip_variants_and_encoding(server, listing):
    entry = next(f for f in listing["files"] if f["name"] == "vetgraph-data.nt")
    packed = server.get("/dumps/vetgraph-data.nt.gz", headers={"Accept-Encoding": "identity"})
    assert packed.headers["Content-Type"] == "application/gzip"
    assert hashlib.sha256(packed.content).hexdigest() == entry["gzip"]["sha256"]
    plain = gzip.decompress(packed.content)
    assert hashlib.sha256(plain).hexdigest() == entry["sha256"]
    encoded = server.get("/dumps/vetgraph-data.nt", headers={"Accept-Encoding": "gzip"},
                         stream=True)
    assert encoded.headers["Content-Encoding"] == "gzip"
    assert encoded.headers["Content-Type"] == "application/n-triples; charset=utf-8"
    assert encoded.raw.read(decode_content=False) == packed.content
    etag = encoded.headers["ETag"]
    again = server.get("/dumps/vetgraph-data.nt", headers={"Accept-Encoding": "gzip",
                                                            "If-None-Match": etag})
    assert again.status_code == 304
    assert server.get("/dumps/nothing.ttl").status_code == 404


def test_void_description(server, listing, store_quads):
    response = server.get("/.well-known/void", headers={"Accept": "*/*"})
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    g = ox.Store()
    g.load(response.content, format=ox.RdfFormat.TURTLE)

    def one(query: str) -> str:
        rows = list(g.query("PREFIX void: <http://rdfs.org/ns/void#> "
                            "PREFIX dcat: <http://www.w3.org/ns/dcat#> "
                            "PREFIX dcterms: <http://purl.org/dc/terms/> "
                            "PREFIX spdx: <http://spdx.org/rdf/terms#> " + query))
        assert len(rows) == 1, (query, rows)
        return rows[0][0].value

    ds = f"<{BASE}dataset>"
    assert int(one(f"SELECT ?n WHERE {{ {ds} void:triples ?n }}")) == len(store_quads)
    described = {q.subject.value for q in store_quads
                 if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(BASE)}
    assert int(one(f"SELECT ?n WHERE {{ {ds} void:entities ?n }}")) == len(described)
    school = f"<{BASE}ontology#School>"
    assert one(f"SELECT ?n WHERE {{ {ds} void:classPartition [ void:class {school} ; "
               "void:entities ?n ] }") == "6"
    assert one(f"SELECT ?e WHERE {{ {ds} void:sparqlEndpoint ?e }}") == BASE + "sparql"
    assert one(f"SELECT ?l WHERE {{ {ds} dcterms:license ?l }}") == (
        "https://creativecommons.org/licenses/by/4.0/")
    assert one(f"SELECT ?s WHERE {{ {ds} dcterms:source ?s }}") == BASE + "source/benxi-2024"
    data = f"<{G}data>"
    data_triples = sum(1 for q in store_quads if q.graph_name == ox.NamedNode(G + "data"))
    assert int(one(f"SELECT ?n WHERE {{ {ds} void:subset {data} . {data} void:triples ?n }}")) \
        == data_triples
    for f in listing["files"]:
        url = f"<{BASE}dumps/{f['name']}>"
        assert one(f"SELECT ?sum WHERE {{ ?d dcat:downloadURL {url} ; spdx:checksum "
                   "[ spdx:checksumValue ?sum ] }") == f["sha256"]
        assert int(one(f"SELECT ?n WHERE {{ ?d dcat:downloadURL {url} ; dcat:byteSize ?n }}")) \
            == f["bytes"]
    dumps = one(f"SELECT (COUNT(?d) AS ?n) WHERE {{ {ds} void:dataDump ?d }}")
    assert dumps == "6"
    schools_query = f"<{BASE}api/queries/schools>"
    assert one(f"SELECT ?t WHERE {{ {ds} dcat:accessService {schools_query} . "
               f"{schools_query} dcterms:title ?t FILTER(lang(?t) = 'zh') }}") == (
        "六所中等职业学校：类型、所在地与简称")
    html = server.get("/dataset", headers={"Accept": "text/html"})
    assert '<td id="triples">' + str(len(store_quads)) + "</td>" in html.text


def test_context_gives_short_keys(context_document):
    ctx = context_document["@context"]
    assert ctx["vet"] == BASE + "ontology#"
    assert ctx["School"] == "vet:School"
    assert ctx["locatedIn"] == {"@id": "vet:locatedIn", "@type": "@id"}
    assert ctx["label"] == {"@id": "rdfs:label", "@container": "@language"}
    assert ctx["refPeriod"] == {"@id": "sdmx-dimension:refPeriod", "@type": "xsd:gYear"}
    assert ctx["wasDerivedFrom"] == {"@id": "prov:wasDerivedFrom", "@type": "@id"}
    assert ctx["id"] == "@id" and ctx["type"] == "@type"


@pytest.mark.slow
def test_export_command(linked_store, tmp_path, store_quads):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VETGRAPH_")}
    out = tmp_path / "data.ttl"
    done = run_cli("export", "--root", ".", "--store", linked_store, "--format", "ttl",
                   "--graph", "data", "--out", out, env=env)
    assert done.returncode == 0, done.stderr
    parsed = ox.parse(rapper(out.read_bytes(), "turtle"), format=ox.RdfFormat.N_TRIPLES)
    mine = [q for q in store_quads if q.graph_name == ox.NamedNode(G + "data")]
    assert canonical(as_default_graph(parsed)) == canonical(as_default_graph(mine))
    packed = tmp_path / "all.nq.gz"
    done = run_cli("export", "--root", ".", "--store", linked_store, "--format", "nq",
                   "--out", packed, env=env)
    assert done.returncode == 0, done.stderr
    quads = ox.parse(gzip.decompress(packed.read_bytes()), format=ox.RdfFormat.N_QUADS)
    assert canonical(list(quads)) == canonical(store_quads)
    bad = run_cli("export", "--store", linked_store, "--format", "nt", "--graph", "nope",
                  env=env)
    assert bad.returncode == 2
    assert "unknown graph 'nope'" in bad.stderr


def test_rdfxml_dumps_carry_no_character_xml_forbids(tmp_path):
    """A literal with control characters (an accepted update may add one): the RDF/XML dump
    files, read from disk as /dumps/ serves them, are XML 1.0 a strict parser reads, with
    U+FFFD for each such character as in every XML answer; N-Triples keeps them exactly."""
    text = "a\x00b\x08c\ufffed\te"
    store = OxigraphStore.in_memory([ox.Quad(
        ox.NamedNode("urn:vetgraph:s"), ox.NamedNode("urn:vetgraph:p"), ox.Literal(text),
        ox.NamedNode(G + "data"))])
    write_dumps(store, tmp_path)
    for name in ("vetgraph.rdf", "vetgraph-data.rdf"):
        root = ET.fromstring((tmp_path / name).read_bytes())
        assert [e.text for e in root.iter() if e.text and e.text.startswith("a")] == [
            "a\ufffdb\ufffdc\ufffdd\te"], name
        assert ET.fromstring(gzip.decompress((tmp_path / f"{name}.gz").read_bytes())) is not None
    (triple,) = ox.parse((tmp_path / "vetgraph.nt").read_bytes(), format=ox.RdfFormat.N_TRIPLES)
    assert triple.object.value == text

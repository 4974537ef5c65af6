"""vetgraph.linked on small hand-made data: JSON-LD stays lossless, the CBD follows blank nodes
only, the context is generated from use, every backend gives the same description."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from helpers.linked import canonical, jsonld_quads
from rdflib import URIRef

from vetgraph.dataset import to_dataset
from vetgraph.linked import describe as ld_describe
from vetgraph.linked import formats as ld_formats
from vetgraph.linked import jsonld as ld_jsonld
from vetgraph.store.memory import MemoryStore
from vetgraph.store.oxigraph import OxigraphStore

TTL = """
@prefix vet: <https://w3id.org/vetgraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://w3id.org/vetgraph/id/> .
ex:a a vet:CooperationAgreement ; rdfs:label "协议"@zh , "agreement"@en-GB ;
  vet:year "2023"^^xsd:gYear ;
  prov:qualifiedAssociation [ prov:agent ex:s ; prov:hadRole ex:r ; vet:note ( 1 2.5 "x" ) ] ;
  vet:count 7 ; vet:share 3.94 ; vet:flag true ;
  vet:plain "text" ; vet:mixed ex:s , "a literal" ; vet:url "http://example.org/x" .
ex:s a vet:School ; rdfs:label "学校"@zh ; vet:locatedIn ex:city .
ex:city rdfs:label "本溪市"@zh ; skos:prefLabel "Benxi"@en .
ex:r skos:prefLabel "role"@en .
"""
G = "https://w3id.org/vetgraph/graph/data"
A = "https://w3id.org/vetgraph/id/a"


@pytest.fixture(scope="module")
def quads() -> list[ox.Quad]:
    return [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(G))
            for q in ox.parse(TTL, format=ox.RdfFormat.TURTLE)]


@pytest.fixture(scope="module", params=["oxigraph", "memory"])
def store(request, quads):
    if request.param == "oxigraph":
        return OxigraphStore.in_memory(quads)
    from vetgraph.dataset import Sources

    sources = Sources(files={}, quads={G: [ox.Quad(q.subject, q.predicate, q.object)
                                           for q in quads]})
    return MemoryStore(to_dataset(sources))


def loader(url, options=None):
    raise AssertionError(f"nothing should be fetched, not even {url}")


def test_jsonld_round_trip_is_lossless(store, quads):
    context = ld_jsonld.jsonld_context(store)
    doc = ld_jsonld.to_jsonld(quads, context)
    assert canonical(jsonld_quads(doc, loader)) == canonical(quads)
    a = next(n for n in doc["@graph"][0]["@graph"] if n["id"] == A)
    assert a["type"] == "CooperationAgreement"  # a class in use gets a short key
    assert a["label"] == {"en-gb": "agreement", "zh": "协议"}  # a language map (tags lowercased)
    assert a["count"] == "7"  # every value is an xsd:integer: the key coerces the type
    assert a["share"] == "3.94"
    assert a["mixed"] == ["a literal", {"@id": "https://w3id.org/vetgraph/id/s"}]


def test_jsonld_keeps_lexical_forms():
    """Typed literals stay value objects with their own lexical form (never a JSON float)."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    subject, p = ox.NamedNode(A), ox.NamedNode("https://w3id.org/vetgraph/ontology#v")
    items = [ox.Triple(subject, p, ox.Literal(value, datatype=ox.NamedNode(xsd + kind)))
             for value, kind in (("1.0e3", "double"), ("007", "integer"), ("3.90", "decimal"),
                                 ("42", "integer"), ("true", "boolean"))]
    doc = ld_jsonld.to_jsonld(items, {"@context": {}})
    assert doc["@graph"][0]["vet:v"] == [
        42,  # native JSON only where it reads back identically
        True,
        {"@value": "3.90", "@type": "xsd:decimal"},
        {"@value": "1.0e3", "@type": "xsd:double"},
        {"@value": "007", "@type": "xsd:integer"},
    ]


def test_context_coercions_follow_use(store):
    ctx = ld_jsonld.jsonld_context(store)["@context"]
    assert ctx["locatedIn"] == {"@id": "vet:locatedIn", "@type": "@id"}
    assert ctx["year"] == {"@id": "vet:year", "@type": "xsd:gYear"}
    assert ctx["plain"] == "vet:plain"  # plain strings need no coercion
    assert ctx["mixed"] == "vet:mixed"  # IRIs and literals: none fits all
    assert ctx["prefLabel"] == {"@id": "skos:prefLabel", "@container": "@language"}
    assert ctx["School"] == "vet:School"


def test_describe_follows_blank_nodes_and_labels_links(store):
    triples = ld_describe.describe(store, A)
    subjects = {str(s) for s, _, _ in triples}
    assert {A, "https://w3id.org/vetgraph/id/s", "https://w3id.org/vetgraph/id/city"} - subjects \
        == {"https://w3id.org/vetgraph/id/city"}  # the school's own links are not followed
    about_school = {str(p) for s, p, _ in triples if str(s) == "https://w3id.org/vetgraph/id/s"}
    assert about_school == {"http://www.w3.org/2000/01/rdf-schema#label"}
    role = {str(p) for s, p, _ in triples if str(s) == "https://w3id.org/vetgraph/id/r"}
    assert role == {"http://www.w3.org/2004/02/skos/core#prefLabel"}
    firsts = sorted(str(o) for _, p, o in triples
                    if str(p) == "http://www.w3.org/1999/02/22-rdf-syntax-ns#first")
    assert firsts == ["1", "2.5", "x"]  # the RDF list under the blank node, whole
    # 12 of ex:a, 3 of its blank node, 6 of the list, the labels of ex:s and ex:r
    assert len(triples) == 12 + 3 + 6 + 1 + 1
    assert ld_describe.exists(store, A)
    assert ld_describe.exists(store, "https://w3id.org/vetgraph/id/city")  # only ever an object
    assert not ld_describe.exists(store, "https://w3id.org/vetgraph/id/none")


def test_same_description_from_both_backends(quads):
    from vetgraph.dataset import Sources

    oxi = OxigraphStore.in_memory(quads)
    mem = MemoryStore(to_dataset(Sources(files={}, quads={G: [
        ox.Quad(q.subject, q.predicate, q.object) for q in quads]})))

    def as_quads(triples):
        return canonical([ox.Quad(*ld_describe.triples_to_ox([t])[0]) for t in triples])

    assert as_quads(ld_describe.describe(oxi, A)) == as_quads(ld_describe.describe(mem, A))


def test_graph_names():
    assert ld_formats.graph_iri("data") == G
    assert ld_formats.graph_iri(G) == G
    with pytest.raises(ValueError, match="unknown graph 'x'"):
        ld_formats.graph_iri("x")
    assert URIRef(G)

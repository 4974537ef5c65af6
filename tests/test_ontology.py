"""The ontology documents itself: every vet: term is labelled and explained in zh and en."""

from __future__ import annotations

import pytest
from helpers.support import REPO, needs_real_tree
from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS

pytestmark = needs_real_tree

VET = Namespace("https://w3id.org/vetgraph/ontology#")
ONTOLOGY = URIRef("https://w3id.org/vetgraph/ontology")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(REPO / "ontology" / "vetgraph.ttl")


def vet_terms(graph: Graph, kinds: tuple[URIRef, ...]) -> list[URIRef]:
    return sorted(
        {s for kind in kinds for s in graph.subjects(RDF.type, kind) if str(s).startswith(VET)}
    )


def test_ontology_header(ontology: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY, OWL.versionIRI) is not None
    assert ontology.value(ONTOLOGY, DCTERMS.license) is not None
    titles = {t.language for t in ontology.objects(ONTOLOGY, DCTERMS.title)}
    assert titles == {"zh", "en"}


@pytest.mark.parametrize("predicate", [RDFS.label, RDFS.comment])
def test_every_term_has_zh_and_en(ontology: Graph, predicate: URIRef) -> None:
    terms = vet_terms(ontology, (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty))
    assert len(terms) > 100
    missing = [
        str(term)
        for term in terms
        if {o.language for o in ontology.objects(term, predicate)} != {"zh", "en"}
    ]
    assert missing == []


def test_every_property_has_domain_and_range(ontology: Graph) -> None:
    properties = vet_terms(ontology, (OWL.ObjectProperty, OWL.DatatypeProperty))
    lacking = [
        str(p)
        for p in properties
        if ontology.value(p, RDFS.domain) is None or ontology.value(p, RDFS.range) is None
    ]
    assert lacking == []


def test_classes_are_aligned_to_standard_vocabularies(ontology: Graph) -> None:
    """Each class reaches schema.org, W3C ORG, SKOS, PROV or Data Cube through subClassOf."""
    standard = (
        "https://schema.org/",
        "http://www.w3.org/ns/org#",
        "http://www.w3.org/2004/02/skos/core#",
        "http://www.w3.org/ns/prov#",
    )
    unaligned = []
    for cls in vet_terms(ontology, (OWL.Class,)):
        supers = set(ontology.transitive_objects(cls, RDFS.subClassOf))
        if not any(str(s).startswith(standard) for s in supers):
            unaligned.append(str(cls))
    assert unaligned == []

"""The inferred graph: the RDFS closure checked against owlrl's on the seed, and the rules'
answers checked against the report (``shared/seed/000_687cde9a5ca8b571.txt``)."""

from __future__ import annotations

import owlrl
import pyoxigraph as ox
import pytest
from helpers.support import needs_real_tree
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef

from vetgraph.config import GRAPH_INFERRED, Settings
from vetgraph.dataset import read_sources
from vetgraph.infer import BASE_GRAPHS, infer_sources, load_rules, materialise
from vetgraph.store.base import to_rdflib
from vetgraph.store.oxigraph import OxigraphStore

pytestmark = needs_real_tree

BASE = "https://w3id.org/vetgraph/"
VET = BASE + "ontology#"
SCHEMA_TERMS = {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range}
TRIVIAL = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#")
RDFS_OR_MEMBER = (TRIVIAL[1], TRIVIAL[0] + "_")


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings.load(env={})


@pytest.fixture(scope="module")
def base_quads(settings: Settings) -> list[ox.Quad]:
    sources = read_sources(settings)
    return [q for q in sources.iter_quads() if q.graph_name.value in BASE_GRAPHS]


@pytest.fixture(scope="module")
def inferred(settings: Settings) -> set[tuple]:
    sources = read_sources(settings)
    quads = infer_sources(sources, load_rules(settings))
    return {(q.subject.value, q.predicate.value, q.object.value) for q in quads}


def _closure_alone(base_quads: list[ox.Quad]) -> set[tuple]:
    store = ox.Store()
    store.extend(base_quads)
    materialise(store, rdfs=True)
    return {
        tuple(to_rdflib(t) for t in (q.subject, q.predicate, q.object))
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_INFERRED))
    }


def _restated_literal(graph: Graph, s: URIRef, p: URIRef, o) -> bool:
    """owlrl re-adds a literal in another lexical form of the same value ("5" as 5.0 …)."""
    return isinstance(o, Literal) and any(
        isinstance(x, Literal) and x != o and x.value == o.value for x in graph.objects(s, p)
    )


@pytest.mark.slow
def test_rdfs_closure_equals_owlrls_on_the_seed(base_quads: list[ox.Quad]) -> None:
    """owlrl's RDFS closure, less what our closure leaves out on purpose: facts about blank
    nodes, schema-level entailments (subClassOf …), rdf:/rdfs: classes (Resource, Property …)
    and rdf:_n container terms. The rest must be exactly ours."""
    graph = Graph()
    for q in base_quads:
        graph.add(tuple(to_rdflib(t) for t in (q.subject, q.predicate, q.object)))
    asserted = set(graph)
    owlrl.DeductiveClosure(owlrl.RDFS_Semantics, axiomatic_triples=False).expand(graph)
    reference = {
        (s, p, o) for s, p, o in set(graph) - asserted
        if isinstance(s, URIRef) and not isinstance(o, BNode) and p not in SCHEMA_TERMS
        and not str(p).startswith(RDFS_OR_MEMBER)
        and not (p == RDF.type and str(o).startswith(TRIVIAL))
        and not str(s).startswith(TRIVIAL)
        and not _restated_literal(graph, s, p, o)
    }
    ours = _closure_alone(base_quads)
    assert ours == reference
    assert len(ours) == 879  # 837 before the cluster hierarchy's 42 alignments (prov:Entity)


def test_every_organisation_and_collaboration_is_typed(inferred: set[tuple]) -> None:
    """The issue's first queries: ?x a vet:Organisation gave 3 of about 40, Collaboration 0."""
    organisations = {s for s, p, o in inferred if p == str(RDF.type) and o == VET + "Organisation"}
    assert len(organisations) == 39  # plus the 3 typed vet:Organisation in the data: 42
    collaborations = {s for s, p, o in inferred
                      if p == str(RDF.type) and o == VET + "Collaboration"}
    assert collaborations == {
        BASE + "id/organisation/benxi-pharmaceutical-and-chemical-vocational-education-group",
        BASE + "id/organisation/benxi-high-tech-zone-industry-education-consortium",
    }


def test_majors_serve_clusters(inferred: set[tuple]) -> None:
    pairs = {(s.rsplit("/", 1)[-1], o.rsplit("/", 1)[-1])
             for s, p, o in inferred if p == VET + "servesCluster"}
    assert pairs == {
        ("dental-prosthesis-technology", "biomedical-cluster"),
        ("electrical-equipment-operation-and-control", "local-industry"),
        ("industrial-robot-technology", "intelligent-manufacturing"),
        ("laboratory-testing", "biomedical-cluster"),
        ("midwifery", "biomedical-cluster"),
        ("nursing", "biomedical-cluster"),
        ("nursing", "medical-and-health"),
        ("oral-nursing", "biomedical-cluster"),
        ("pharmaceutical-preparation", "chemical-industry"),
        ("pharmacy", "biomedical-cluster"),
        ("rural-medicine", "biomedical-cluster"),
        ("stomatology", "biomedical-cluster"),
        ("tourism-services-and-management", "cultural-tourism"),
    }


def test_a_cluster_link_alone_says_its_subject_serves_the_cluster(
        base_quads: list[ox.Quad], settings: Settings) -> None:
    """The qualified form implies the direct one (rule cluster-link-serves): with the stated
    vet:servesCluster of 本溪市机电工程学校's 工业机器人技术 offering removed, its ClusterLink still
    gives it, and through it the major's (clusters-by-major-count reads that)."""
    serves = ox.NamedNode(VET + "servesCluster")
    offering = ox.NamedNode(
        BASE + "id/major-offering/benxi-electromechanical-school-industrial-robot-technology")
    cluster = ox.NamedNode(BASE + "code/industry-cluster/intelligent-manufacturing")
    stated = [q for q in base_quads if (q.subject, q.predicate, q.object) == (offering, serves,
                                                                             cluster)]
    assert len(stated) == 1
    store = ox.Store()
    store.extend(q for q in base_quads if q not in stated)
    materialise(store, load_rules(settings))
    inferred = ox.NamedNode(GRAPH_INFERRED)
    assert ox.Quad(offering, serves, cluster, inferred) in store
    major = ox.NamedNode(BASE + "code/major/industrial-robot-technology")
    assert ox.Quad(major, serves, cluster, inferred) in store


def test_the_health_schools_partners_in_one_hop(inferred: set[tuple]) -> None:
    health = BASE + "id/school/benxi-health-school"
    by_kind: dict[str, set[str]] = {}
    for s, p, o in inferred:
        if s == health and p.startswith(VET + "cooperates"):
            by_kind.setdefault(p.rsplit("#", 1)[-1], set()).add(o.rsplit("/", 1)[-1])
    assert by_kind["cooperatesByAgreement"] == {
        "university-police-brigade", "high-tech-zone-patrol-and-swat-brigade",
        "benxi-chemical-industry-school", "dalian-chunhe-medical-technology-co-ltd",
        "liaoning-pharmaceutical-vocational-college",
        "benxi-pharmaceutical-and-chemical-vocational-education-group",
        "shenyang-medical-college",
    }
    assert by_kind["cooperatesOnBase"] == {
        "dalian-chunhe-medical-technology-co-ltd", "liaoning-university-of-tcm-shenben-hospital",
        "liaoning-aierchuang-biomaterials-co-ltd",
    }
    assert by_kind["cooperatesInCollaboration"] == {
        "benxi-pharmaceutical-and-chemical-vocational-education-group"}
    assert "cooperatesOnPatent" not in by_kind
    # the super-property by RDFS (subPropertyOf): 9 distinct partners
    assert len(by_kind["cooperatesWith"]) == 9


def test_a_school_reaches_co_built_bases_too(inferred: set[tuple]) -> None:
    electromechanical = BASE + "id/school/benxi-electromechanical-school"
    bases = {o.rsplit("/", 1)[-1] for s, p, o in inferred
             if s == electromechanical and p == VET + "trainingBase"}
    assert "mould-making-training-base" in bases  # vet:partner only: a co-built base


def test_nothing_inferred_is_also_asserted(base_quads: list[ox.Quad], inferred: set[tuple]) -> None:
    asserted = {(q.subject.value, q.predicate.value, q.object.value) for q in base_quads}
    assert not asserted & inferred


@pytest.mark.slow
def test_inferred_graph_is_in_the_union_and_can_be_left_out(settings: Settings) -> None:
    sources = read_sources(settings)
    infer_sources(sources, load_rules(settings))
    store = OxigraphStore.in_memory(sources.iter_quads())
    query = ("SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a <%s> }" % (VET + "Organisation"))
    assert store.query(query).rows == [(Literal(42),)]
    without = store.query(query, default_graph_uris=list(BASE_GRAPHS))
    assert without.rows == [(Literal(3),)]
    assert store.triple_count(GRAPH_INFERRED) == len(sources.quads[GRAPH_INFERRED])

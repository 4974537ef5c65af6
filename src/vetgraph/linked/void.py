"""The dataset description (VoID + DCAT): counts, partitions, distributions and the service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from ..namespaces import (
    FILE_FORMATS,
    PREFIXES,
    sparql_prologue,
)
from ..store.base import Store
from .describe import term_key
from .dumps import DumpFile

# --- the dataset description (VoID + DCAT) -----------------------------------------------------

COUNTS_QUERY = """SELECT (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?p) AS ?properties)
       (COUNT(DISTINCT ?o) AS ?objects) WHERE { GRAPH ?g { ?s ?p ?o } }"""
CLASS_PARTITION_QUERY = """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  GRAPH ?g { ?s a ?class } FILTER(isIRI(?class)) } GROUP BY ?class ORDER BY ?class"""
PROPERTY_PARTITION_QUERY = """SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }
GROUP BY ?p ORDER BY ?p"""
ENTITY_QUERY = "SELECT DISTINCT ?s WHERE { ?s ?p ?o . FILTER(isIRI(?s)) }"
SOURCES_QUERY = sparql_prologue("vet") + """\
SELECT DISTINCT ?report WHERE { ?report a vet:Report }"""
LICENSE_QUERY = sparql_prologue("owl", "dcterms") + """\
SELECT DISTINCT ?license WHERE { ?o a owl:Ontology ; dcterms:license ?license }"""
EXAMPLES_QUERY = sparql_prologue("vet") + """\
SELECT DISTINCT ?s WHERE { ?s a vet:School } ORDER BY ?s LIMIT 3"""

TITLE = {
    "zh": "vetgraph 职业教育知识图谱",
    "en": "vetgraph: a knowledge graph of vocational education",
}
DESCRIPTION = {
    "zh": "把《本溪市中等职业教育质量年度报告（2024）》整理成的知识图谱：学校、专业、产业集群、"
          "企业、合作协议、实训基地与统计表，每条事实注明出自报告的哪一节、哪张表或哪个案例。",
    "en": "The 2024 annual quality report on secondary vocational education of Benxi City as a "
          "knowledge graph: schools, majors, industry clusters, enterprises, cooperation "
          "agreements, training bases and statistics tables, every fact traced to the section, "
          "table or case of the report it comes from.",
}
IANA = "https://www.iana.org/assignments/media-types/"
W3C_FORMATS = {
    "ttl": FILE_FORMATS + "Turtle",
    "nt": FILE_FORMATS + "N-Triples",
    "rdfxml": FILE_FORMATS + "RDF_XML",
    "jsonld": FILE_FORMATS + "JSON-LD",
    "nq": FILE_FORMATS + "N-Quads",
    "trig": FILE_FORMATS + "TriG",
}


@dataclass
class NamedQueryInfo:
    """What the description says about one named query of the API."""

    name: str
    summary_zh: str
    summary_en: str


@dataclass
class DatasetFacts:
    """The numbers and lists the VoID/DCAT description states (also shown on /dataset)."""

    triples: int
    graphs: dict[str, int]
    entities: int
    distinct_subjects: int
    distinct_objects: int
    properties: dict[str, int]
    classes: dict[str, int]
    sources: list[str]
    licenses: list[str]
    examples: list[str]
    vocabularies: list[str]


def dataset_facts(store: Store, base: str) -> DatasetFacts:
    """Count what is in the store (quads: a triple held by two graphs counts twice, as in
    the N-Quads dump); entities are the IRIs under ``base`` that are described."""
    graphs = {g: store.triple_count(g) for g in store.graph_names()}
    counts = store.query(COUNTS_QUERY).dicts()[0]
    classes = {str(r["class"]): int(r["n"]) for r in store.query(CLASS_PARTITION_QUERY).dicts()}
    properties = {str(r["p"]): int(r["n"])
                  for r in store.query(PROPERTY_PARTITION_QUERY).dicts()}
    entities = sum(1 for row in store.query(ENTITY_QUERY).rows if str(row[0]).startswith(base))
    vocabularies = sorted({
        namespace for term in (*classes, *properties)
        for namespace in PREFIXES.values() if term.startswith(namespace)
    })
    return DatasetFacts(
        triples=sum(graphs.values()), graphs=graphs, entities=entities,
        distinct_subjects=int(counts["subjects"]), distinct_objects=int(counts["objects"]),
        properties=properties, classes=classes,
        sources=sorted(str(r["report"]) for r in store.query(SOURCES_QUERY).dicts()),
        licenses=sorted(str(r["license"]) for r in store.query(LICENSE_QUERY).dicts()),
        examples=[str(r["s"]) for r in store.query(EXAMPLES_QUERY).dicts()],
        vocabularies=vocabularies,
    )


def dataset_description(
    facts: DatasetFacts,
    base: str,
    dumps: Sequence[DumpFile],
    queries: Sequence[NamedQueryInfo] = (),
    modified: str | None = None,
) -> list[tuple[Node, Node, Node]]:
    """The VoID and DCAT description of the dataset ``{base}dataset`` as triples.

    Every address is under ``base`` (persistent IRIs: ``/sparql``, ``/dumps/…``,
    ``/api/queries/…``), so the description does not depend on the host that served it.
    """
    from rdflib import Namespace
    from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID, XSD

    spdx = Namespace(PREFIXES["spdx"])
    sd = Namespace(PREFIXES["sd"])
    g = Graph()
    ds = URIRef(base + "dataset")
    sparql = URIRef(base + "sparql")
    add = g.add
    add((ds, RDF.type, VOID.Dataset))
    add((ds, RDF.type, DCAT.Dataset))
    for lang in ("zh", "en"):
        add((ds, DCTERMS.title, Literal(TITLE[lang], lang=lang)))
        add((ds, DCTERMS.description, Literal(DESCRIPTION[lang], lang=lang)))
    add((ds, DCAT.landingPage, URIRef(base)))
    add((ds, VOID.uriSpace, Literal(base)))
    add((ds, VOID.triples, Literal(facts.triples, datatype=XSD.integer)))
    add((ds, VOID.entities, Literal(facts.entities, datatype=XSD.integer)))
    add((ds, VOID.classes, Literal(len(facts.classes), datatype=XSD.integer)))
    add((ds, VOID.properties, Literal(len(facts.properties), datatype=XSD.integer)))
    add((ds, VOID.distinctSubjects, Literal(facts.distinct_subjects, datatype=XSD.integer)))
    add((ds, VOID.distinctObjects, Literal(facts.distinct_objects, datatype=XSD.integer)))
    if modified:
        add((ds, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
    for license_iri in facts.licenses:
        add((ds, DCTERMS.license, URIRef(license_iri)))
    for source in facts.sources:
        add((ds, DCTERMS.source, URIRef(source)))
        add((ds, URIRef(PREFIXES["prov"] + "wasDerivedFrom"), URIRef(source)))
    for example in facts.examples:
        add((ds, VOID.exampleResource, URIRef(example)))
    for vocabulary in facts.vocabularies:
        add((ds, VOID.vocabulary, URIRef(vocabulary)))
    add((ds, VOID.rootResource, URIRef(base + "ontology")))
    add((ds, URIRef(PREFIXES["dcterms"] + "conformsTo"), URIRef(base + "ontology")))
    for graph_name, count in sorted(facts.graphs.items()):
        subset = URIRef(graph_name)
        add((ds, VOID.subset, subset))
        add((subset, RDF.type, VOID.Dataset))
        add((subset, RDF.type, DCAT.Dataset))
        add((subset, sd.name, subset))
        add((subset, VOID.triples, Literal(count, datatype=XSD.integer)))
        add((subset, RDFS.label, Literal(graph_name.rsplit("/", 1)[-1], lang="en")))
    for i, (cls, count) in enumerate(sorted(facts.classes.items())):
        part = URIRef(f"{base}dataset#class-{i + 1}")
        add((ds, VOID.classPartition, part))
        add((part, VOID["class"], URIRef(cls)))
        add((part, VOID.entities, Literal(count, datatype=XSD.integer)))
    for i, (prop, count) in enumerate(sorted(facts.properties.items())):
        part = URIRef(f"{base}dataset#property-{i + 1}")
        add((ds, VOID.propertyPartition, part))
        add((part, VOID.property, URIRef(prop)))
        add((part, VOID.triples, Literal(count, datatype=XSD.integer)))

    add((ds, VOID.sparqlEndpoint, sparql))
    service = URIRef(base + "sparql#service")
    add((ds, DCAT.accessService, service))
    add((service, RDF.type, DCAT.DataService))
    add((service, DCTERMS.title, Literal("SPARQL 1.1 endpoint", lang="en")))
    add((service, DCAT.endpointURL, sparql))
    add((service, DCAT.endpointDescription, sparql))
    add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    add((service, DCAT.servesDataset, ds))
    for query in queries:
        api = URIRef(f"{base}api/queries/{query.name}")
        add((ds, DCAT.accessService, api))
        add((api, RDF.type, DCAT.DataService))
        add((api, DCTERMS.identifier, Literal(query.name)))
        if query.summary_zh:
            add((api, DCTERMS.title, Literal(query.summary_zh, lang="zh")))
        if query.summary_en:
            add((api, DCTERMS.title, Literal(query.summary_en, lang="en")))
        add((api, DCAT.endpointURL, api))
        add((api, DCAT.endpointDescription, URIRef(base + "api/openapi.json")))
        add((api, DCAT.servesDataset, ds))

    checksum_algorithm = spdx.checksumAlgorithm_sha256
    for dump in dumps:
        for name, size, digest, packed in (
            (dump.name, dump.size, dump.sha256, False),
            (dump.gzip_name, dump.gzip_size, dump.gzip_sha256, True),
        ):
            url = URIRef(f"{base}dumps/{name}")
            owner = ds if dump.graph is None else URIRef(dump.graph)  # a graph's own subset
            if not packed:
                add((owner, VOID.dataDump, url))
            dist = URIRef(f"{base}dumps/{name}#distribution")
            add((owner, DCAT.distribution, dist))
            add((dist, RDF.type, DCAT.Distribution))
            what = "all graphs" if dump.graph is None else dump.graph.rsplit("/", 1)[-1]
            if dump.graph is None and not dump.format.datasets:
                what = "union of all graphs"
            title = f"{dump.format.label}, {what}" + (", gzip" if packed else "")
            add((dist, DCTERMS.title, Literal(title, lang="en")))
            add((dist, DCAT.downloadURL, url))
            add((dist, DCAT.accessURL, URIRef(base + "dumps/")))
            add((dist, DCAT.mediaType, URIRef(IANA + dump.format.mime)))
            add((dist, DCTERMS["format"], URIRef(W3C_FORMATS[dump.format.name])))
            if packed:
                add((dist, DCAT.compressFormat, URIRef(IANA + "application/gzip")))
            add((dist, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
            checksum = URIRef(f"{base}dumps/{name}#sha256")
            add((dist, spdx.checksum, checksum))
            add((checksum, RDF.type, spdx.Checksum))
            add((checksum, spdx.algorithm, checksum_algorithm))
            add((checksum, spdx.checksumValue, Literal(digest, datatype=XSD.hexBinary)))
    return sorted(g, key=lambda t: tuple(term_key(x) for x in t))

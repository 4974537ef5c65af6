"""The SPARQL 1.1 Service Description of ``/sparql`` (what a machine gets from a bare GET).

Standard terms (``sd:``) say what the endpoint speaks and holds; the limits it keeps, which the
standard has no terms for, are stated with ``vetsd:`` terms so clients can read them too.
"""

from __future__ import annotations

from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, VOID, XSD

from .. import namespaces as ns
from ..config import GRAPH_INFERRED
from . import negotiation as n

SD = Namespace(ns.SD)
FORMATS = Namespace(ns.FILE_FORMATS)
#: Terms for what the service description vocabulary cannot say (limits, truncation marker).
VETSD = Namespace(ns.VETSD)

#: What the default graph holds, for the service description and the home page.
INFERENCE_NOTE = {
    "en": "The default graph is the union of all named graphs, inferred facts included: "
          f"<{GRAPH_INFERRED}> holds the RDFS closure (subClassOf, subPropertyOf, domain, "
          "range, owl:inverseOf) and the rules of /ontology, materialised at build. To query "
          "the stated facts only, name the other graphs with FROM.",
    "zh": "默认图是所有命名图的并集，包括推理得出的事实：<" + GRAPH_INFERRED + "> 存放构建时物化的 "
          "RDFS 闭包（子类、子属性、定义域、值域、互逆属性）和 /ontology 所列规则的结果。"
          "只查原始陈述时，用 FROM 指定其余命名图。",
}
INFERRED_GRAPH_NOTE = {
    "en": "Derived at build, never stated in the sources: the RDFS closure over the ontology "
          "and the shortcut rules of ontology/rules/ (e.g. Major vet:servesCluster Cluster). "
          "No triple here is also in another graph.",
    "zh": "构建时推导，源文件中没有直接陈述：本体的 RDFS 闭包与 ontology/rules/ 中的捷径规则"
          "（如 专业 vet:servesCluster 产业集群）。这里的三元组不会与其他图重复。",
}

#: Media type → W3C format IRI (http://www.w3.org/ns/formats/).
FORMAT_IRIS = {
    n.RESULTS_JSON: FORMATS.SPARQL_Results_JSON,
    n.RESULTS_XML: FORMATS.SPARQL_Results_XML,
    n.CSV: FORMATS.SPARQL_Results_CSV,
    n.TSV: FORMATS.SPARQL_Results_TSV,
    n.TURTLE: FORMATS.Turtle,
    n.NTRIPLES: FORMATS["N-Triples"],
    n.JSONLD: FORMATS["JSON-LD"],
    n.RDFXML: FORMATS.RDF_XML,
    n.TRIG: FORMATS.TriG,
    n.NQUADS: FORMATS["N-Quads"],
}

#: rdflib serializer names for the RDF formats the description can be written in.
RDFLIB_FORMATS = {
    n.TURTLE: "turtle",
    n.NTRIPLES: "nt",
    n.JSONLD: "json-ld",
    n.RDFXML: "xml",
    n.TRIG: "trig",
    n.NQUADS: "nquads",
}


def build(
    endpoint: str,
    graphs: dict[str, int],
    limits: dict[str, Any],
    *,
    version: str,
    allow_update: bool,
) -> Graph:
    """The description as an rdflib graph; ``graphs`` maps graph IRIs to triple counts."""
    g = Graph()
    for prefix, namespace in (("sd", SD), ("formats", FORMATS), ("void", VOID), ("vetsd", VETSD)):
        g.bind(prefix, namespace)
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, RDFS.label, Literal("vetgraph SPARQL endpoint", lang="en")))
    g.add((service, RDFS.label, Literal("vetgraph SPARQL 查询端点", lang="zh")))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if allow_update:
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    for media_type in (*n.RESULTS_FORMATS, *n.GRAPH_FORMATS):
        g.add((service, SD.resultFormat, FORMAT_IRIS[media_type]))

    dataset = BNode("dataset")
    g.add((service, SD.defaultDataset, dataset))
    g.add((service, SD.availableGraphs, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, VETSD.datasetVersion, Literal(version)))
    default = BNode("default-graph")
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(sum(graphs.values()), datatype=XSD.integer)))
    g.add(
        (
            default,
            RDFS.comment,
            Literal(INFERENCE_NOTE["en"], lang="en"),
        )
    )
    g.add((default, RDFS.comment, Literal(INFERENCE_NOTE["zh"], lang="zh")))
    for index, (name, count) in enumerate(sorted(graphs.items())):
        named = BNode(f"named-graph-{index}")
        graph = BNode(f"graph-{index}")
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(count, datatype=XSD.integer)))
        if name == GRAPH_INFERRED:
            for lang, text in INFERRED_GRAPH_NOTE.items():
                g.add((named, RDFS.comment, Literal(text, lang=lang)))

    integer, decimal = XSD.integer, XSD.decimal
    g.add(
        (
            service,
            VETSD.queryTimeout,
            Literal(str(limits["query_timeout_seconds"]), datatype=decimal),
        )
    )
    for key, term in (
        ("max_query_length_bytes", VETSD.maxQueryLength),
        ("max_query_depth", VETSD.maxQueryNesting),
        ("max_query_operators", VETSD.maxQueryOperators),
        ("max_query_alternatives", VETSD.maxQueryPathAlternatives),
        ("max_query_unions", VETSD.maxQueryUnions),
        ("max_query_patterns", VETSD.maxQueryPatterns),
        ("max_request_body_bytes", VETSD.maxRequestBody),
        ("max_result_rows", VETSD.maxResultRows),
        ("max_concurrent_queries", VETSD.maxConcurrentQueries),
        ("worker_memory_mb", VETSD.maxWorkerMemoryMiB),
        ("reserved_workers", VETSD.reservedWorkers),
        ("max_client_queries", VETSD.maxClientQueries),
    ):
        g.add((service, term, Literal(limits[key], datatype=integer)))
    g.add(
        (
            service,
            VETSD.reservedTimeout,
            Literal(str(limits["reserved_timeout_seconds"]), datatype=decimal),
        )
    )
    g.add(
        (
            service,
            VETSD.truncationMarker,
            Literal(
                "A result cut at maxResultRows carries the header X-SPARQL-Truncated: true; "
                'SPARQL JSON results also carry a top-level member "vetgraph": '
                '{"truncated": true, "limit": N}, and XML, Turtle, N-Triples, TriG and '
                "N-Quads a comment.",
                lang="en",
            ),
        )
    )
    network = limits.get("worker_network")
    if network:
        from . import NETWORK_MODES

        g.add((service, VETSD.workerNetwork, Literal(network)))
        g.add((service, VETSD.workerNetworkNote, Literal(NETWORK_MODES[network], lang="en")))
    g.add(
        (
            service,
            VETSD.refuses,
            Literal(
                "SERVICE, LOAD, and FROM / FROM NAMED / USING or default-graph-uri / "
                "named-graph-uri naming a graph that is not in the store.",
                lang="en",
            ),
        )
    )
    return g


def serialize(graph: Graph, media_type: str) -> bytes:
    """Write the description in one of :data:`RDFLIB_FORMATS`."""
    data = graph.serialize(format=RDFLIB_FORMATS[media_type], encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode("utf-8")

"""Describing one resource: its triples, blank nodes followed to a bounded depth, and the
triples pointing at it.

A resource IRI is always passed as a binding (``bindings={"iri": ...}``), never spliced into
query text, so a remote store answers the same way as the embedded one.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ..config import GRAPHS
from ..namespaces import (
    PREFIXES,
    RDFS,
    RDFS_LABEL,
    SKOS_PREFLABEL,
)
from ..store.base import EXISTS_QUERY, Store, to_oxigraph

# --- describing one resource ------------------------------------------------------------------

#: Blank nodes are followed this deep (a qualified association is 1; an RDF list in the
#: ontology, one level per member); a guard, never reached by the data.
MAX_BNODE_DEPTH = 12


def _level_query(depth: int) -> str:
    """CONSTRUCT the triples of the nodes ``depth`` blank nodes away from ``?iri``, the path
    to them, and the labels of the IRIs they point at.

    The path is spelled out from the bound IRI (``?iri ?q0 ?b1 . ?b1 ?q1 ?b2 …``), so no
    blank node is ever bound from outside: a remote store, whose blank node labels mean
    nothing in the next request, answers the same way. OPTIONALs for the labels keep every
    engine starting from ``?iri``.
    """
    nodes = ["?iri"] + [f"?b{i}" for i in range(1, depth + 1)]
    path = " ".join(f"{nodes[i]} ?q{i} {nodes[i + 1]} ." for i in range(depth))
    where = " ".join(
        f"{nodes[i]} ?q{i} {nodes[i + 1]} . FILTER(isBlank({nodes[i + 1]}))"
        for i in range(depth)
    )
    here = nodes[-1]
    return f"""CONSTRUCT {{
  {path} {here} ?p ?o . ?o <{RDFS_LABEL}> ?label . ?o <{SKOS_PREFLABEL}> ?prefLabel .
}} WHERE {{
  {where} {here} ?p ?o .
  OPTIONAL {{ ?o <{RDFS_LABEL}> ?label . FILTER(isIRI(?o)) }}
  OPTIONAL {{ ?o <{SKOS_PREFLABEL}> ?prefLabel . FILTER(isIRI(?o)) }}
}}"""


LEVEL_QUERIES = [_level_query(d) for d in range(MAX_BNODE_DEPTH + 1)]


def exists(store: Store, iri: str) -> bool:
    """True if the IRI is the subject or the object of some triple."""
    return bool(store.query(EXISTS_QUERY, bindings={"iri": URIRef(iri)}).boolean)


def describe(store: Store, iri: str) -> list[tuple[Node, Node, Node]]:
    """The resource's concise bounded description plus the labels of everything it links to,
    from the stated graphs (inferred facts, such as every superclass as a type, are asked for
    with SPARQL: see docs/sparql.md).

    The CBD is the resource's outgoing triples and, recursively, those of the blank nodes they
    reach (``prov:qualifiedAssociation``, RDF lists): one query per blank-node depth, until a
    depth has nothing (blank node labels must be stable within the store, as they are in the
    embedded backends and in Virtuoso).
    """
    out: set[tuple[Node, Node, Node]] = set()
    bound = {"iri": URIRef(iri)}
    stated = stated_graphs(store)
    for depth, text in enumerate(LEVEL_QUERIES):
        found = store.query(text, bindings=bound, default_graph_uris=stated).triples
        out.update(found)
        if not found or (depth == 0 and not any(isinstance(o, BNode) for _, _, o in found)):
            break
    return sorted(out, key=lambda t: tuple(term_key(x) for x in t))


def stated_graphs(store: Store) -> list[str] | None:
    """The graphs a description reads: all the store has but ``graph/inferred`` (None, the
    whole dataset, when it has no inferred graph)."""
    names = store.graph_names()
    inferred = GRAPHS["inferred"]
    return [name for name in names if name != inferred] if inferred in names else None

#: Incoming links per property in an RDF description; past it, a note says how many there are
#: and the query that lists them all.
INCOMING_PER_PROPERTY = 100
RDFS_COMMENT = RDFS + "comment"


def describe_full(
    store: Store, iri: str, per_property: int = INCOMING_PER_PROPERTY
) -> list[tuple[Node, Node, Node]]:
    """:func:`describe` plus the stated links into the resource (``?s ?p <iri>`` from IRIs, with the
    labels of ``?s``), as the HTML page lists them: at most ``per_property`` per property, in
    IRI order; a cut property gets an ``rdfs:comment`` (zh, en) with its full count and the
    SPARQL that lists every link."""
    node = ox.NamedNode(iri)  # raises ValueError for a string that is no IRI
    out = set(describe(store, iri))
    stated = stated_graphs(store)
    counts = store.query(
        f"SELECT ?p (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p {node} . FILTER(isIRI(?s)) }} "
        "GROUP BY ?p ORDER BY ?p", default_graph_uris=stated
    )
    for prop, total in counts.rows:
        found = store.query(
            f"CONSTRUCT {{ ?s <{prop}> {node} . ?s <{RDFS_LABEL}> ?label }} WHERE {{ "
            f"{{ SELECT DISTINCT ?s WHERE {{ ?s <{prop}> {node} . FILTER(isIRI(?s)) }} "
            f"ORDER BY ?s LIMIT {per_property} }} "
            f"OPTIONAL {{ ?s <{RDFS_LABEL}> ?label }} }}", default_graph_uris=stated
        ).triples
        out.update(found)
        if int(total) > per_property:
            listing = f"SELECT ?s WHERE {{ ?s <{prop}> {node} }}"
            out.add((URIRef(iri), URIRef(RDFS_COMMENT), Literal(
                f"Incoming <{prop}>: {per_property} of {int(total)} shown; "
                f"all of them at /sparql: {listing}", lang="en")))
            out.add((URIRef(iri), URIRef(RDFS_COMMENT), Literal(
                f"指向本资源的 <{prop}> 共 {int(total)} 条，此处列出 {per_property} 条；"
                f"全部可在 /sparql 查询：{listing}", lang="zh")))
    return sorted(out, key=lambda t: tuple(term_key(x) for x in t))


def triples_to_ox(triples: Iterable[tuple[Node, Node, Node]]) -> list[ox.Triple]:
    return [ox.Triple(*(to_oxigraph(t) for t in triple)) for triple in triples]


# --- helpers ------------------------------------------------------------------------------------


def term_key(term: Node) -> tuple[int, str]:
    """A stable sort key for rdflib terms: IRIs, then blank nodes, then literals."""
    rank = 0 if isinstance(term, URIRef) else 1 if isinstance(term, BNode) else 2
    return rank, str(term)


def to_graph(triples: Iterable[tuple[Node, Node, Node]]) -> Graph:
    """An rdflib Graph of the triples, with this module's prefixes bound."""
    g = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace, override=True, replace=True)
    for t in triples:
        g.add(t)
    return g

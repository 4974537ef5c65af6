"""Linked-data publishing: dumps, the JSON-LD context, VoID/DCAT, and resource descriptions.

Everything here reads through the :class:`~vetgraph.store.base.Store` interface with SPARQL;
a resource IRI is always passed as a binding (``bindings={"iri": ...}``), never spliced into
query text, so a remote store answers the same way as the embedded one.

Serialization is explicit: every syntax is written by pyoxigraph from parsed quads, except
JSON-LD, which :func:`to_jsonld` writes itself against the vocabulary's context so JSON
consumers get short keys while the RDF stays exactly the same (typed literals keep their
lexical form; nothing is turned into a JSON number unless it reads back identically).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .config import GRAPHS
from .namespaces import (
    FILE_FORMATS,
    OWL,
    PREFIXES,
    RDF,
    RDF_LANGSTRING,
    RDF_TYPE,
    RDFS,
    RDFS_LABEL,
    SKOS_PREFLABEL,
    XSD,
    sparql_prologue,
)
from .store.base import Store, to_oxigraph

# --- formats -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    """An RDF syntax as this module names it: CLI name, media type, file extension."""

    name: str
    mime: str
    extension: str
    label: str
    datasets: bool  # holds named graphs (N-Quads, TriG, JSON-LD)

    @property
    def ox(self) -> ox.RdfFormat:
        fmt = ox.RdfFormat.from_media_type(self.mime)
        assert fmt is not None, self.mime
        return fmt


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("ttl", "text/turtle", "ttl", "Turtle", False),
        Format("nt", "application/n-triples", "nt", "N-Triples", False),
        Format("rdfxml", "application/rdf+xml", "rdf", "RDF/XML", False),
        Format("jsonld", "application/ld+json", "jsonld", "JSON-LD", True),
        Format("nq", "application/n-quads", "nq", "N-Quads", True),
        Format("trig", "application/trig", "trig", "TriG", True),
    )
}
BY_EXTENSION: dict[str, Format] = {f.extension: f for f in FORMATS.values()}
BY_MIME: dict[str, Format] = {f.mime: f for f in FORMATS.values()}


def graph_iri(name: str) -> str:
    """A graph named by its short name (``data``) or its full IRI; unknown names are errors."""
    if name in GRAPHS:
        return GRAPHS[name]
    if name in GRAPHS.values():
        return name
    known = ", ".join(GRAPHS)
    raise ValueError(f"unknown graph {name!r} (known: {known}, or a full graph IRI)")


# --- reading quads from the store ---------------------------------------------------------


def store_quads(store: Store, graph: str | None = None) -> list[ox.Quad]:
    """Every quad of the store (graph None) or one graph's triples as default-graph quads.

    Read with ``Store.dump`` as N-Quads, so any backend that can dump can be published.
    """
    body = store.dump("application/n-quads", graph)
    return list(ox.parse(body, format=ox.RdfFormat.N_QUADS))


def union_triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The triples of the union graph: each triple once, whatever graphs hold it."""
    seen: dict[ox.Triple, None] = {}
    for q in quads:
        seen.setdefault(ox.Triple(q.subject, q.predicate, q.object), None)
    return list(seen)


def serialize(items: Sequence[ox.Triple] | Sequence[ox.Quad], fmt: Format,
              context: Mapping[str, Any] | None = None,
              context_ref: str | None = None,
              prefixes: Mapping[str, str] | None = None) -> bytes:
    """Write triples or quads; JSON-LD needs the ``context`` (and may reference it by IRI).

    Turtle, TriG and RDF/XML declare the :data:`PREFIXES` the items use (or ``prefixes``).
    """
    if fmt.name == "jsonld":
        if context is None:
            raise ValueError("JSON-LD needs the vocabulary context")
        doc = to_jsonld(items, context, context_ref=context_ref)
        return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    wanted = ox.Quad if fmt.datasets else ox.Triple
    if items and not isinstance(items[0], wanted):
        items = [wanted(i.subject, i.predicate, i.object) for i in items]
    if fmt.name in ("ttl", "trig", "rdfxml"):
        prefixes = used_prefixes(items) if prefixes is None else prefixes
    else:
        prefixes = None
    return ox.serialize(items, format=fmt.ox, prefixes=prefixes)


def used_prefixes(items: Iterable[ox.Triple] | Iterable[ox.Quad]) -> dict[str, str]:
    """The entries of :data:`PREFIXES` whose namespace holds some IRI of ``items``."""
    namespaces = set()
    for item in items:
        for term in (item.subject, item.predicate, item.object):
            if isinstance(term, ox.Literal):
                term = term.datatype
            if isinstance(term, ox.NamedNode):
                iri = term.value
                namespaces.add(iri[: max(iri.rfind("#"), iri.rfind("/")) + 1])
    return {prefix: ns for prefix, ns in PREFIXES.items() if ns in namespaces}


def export(store: Store, fmt: Format, graph: str | None = None,
           context: Mapping[str, Any] | None = None) -> bytes:
    """One dump: everything or one graph. N-Quads, TriG and JSON-LD keep graph names; the
    triple syntaxes hold the union (each triple once). JSON-LD embeds the context so the
    file stands alone."""
    items: Sequence[ox.Triple] | Sequence[ox.Quad]
    if fmt.datasets:
        quads = store_quads(store)
        if graph is not None:
            quads = [q for q in quads if q.graph_name == ox.NamedNode(graph)]
        items = quads
    else:
        items = union_triples(store_quads(store, graph))
    if fmt.name == "jsonld" and context is None:
        context = jsonld_context(store)
    return serialize(items, fmt, context)


# --- the command line ---------------------------------------------------------------------------


def add_export_arguments(parser: Any) -> None:
    """Flags of ``vetgraph export``."""
    parser.add_argument("--format", required=True, choices=list(FORMATS),
                        help="ttl, nt, rdfxml (the union of the graphs, or --graph); "
                             "nq, trig, jsonld (named graphs kept)")
    parser.add_argument("--graph", help="one named graph: ontology, codes, data, shapes or an IRI")
    parser.add_argument("--out", help="write to FILE (atomically; FILE.gz is gzipped) "
                                      "instead of standard output")


def run_export(args: Any, settings: Any) -> int:
    """``vetgraph export``: read the built store, write one dump."""
    import sys

    from .store import open_store

    fmt = FORMATS[args.format]
    graph = graph_iri(args.graph) if args.graph else None
    store = open_store(settings)
    try:
        if graph is not None and graph not in store.graph_names():
            raise ValueError(f"the store has no graph <{graph}>")
        data = export(store, fmt, graph)
    finally:
        store.close()
    if args.out:
        out = Path(args.out).absolute()
        out.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(out, gzip.compress(data, 6, mtime=0) if out.suffix == ".gz" else data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0


# --- the JSON-LD context --------------------------------------------------------------------

#: What each property's values are (IRIs or blank nodes, a datatype, language-tagged) and
#: which classes are used; two plain queries that every SPARQL engine takes.
_PROPERTY_USE_QUERY = """SELECT DISTINCT ?term ?kind WHERE {
  ?s ?term ?o .
  BIND(IF(isLiteral(?o), IF(LANG(?o) != "", "@language", STR(DATATYPE(?o))), "@id") AS ?kind)
}"""
_CLASS_USE_QUERY = """SELECT DISTINCT ?term WHERE {
  ?s a ?term . FILTER(isIRI(?term))
}"""

_DECLARED_QUERY = sparql_prologue("owl", "rdf", "rdfs") + """SELECT ?term ?kind ?range WHERE {
  ?term a ?kind .
  VALUES ?kind { owl:Class rdfs:Class owl:ObjectProperty owl:DatatypeProperty
                 owl:AnnotationProperty rdf:Property }
  FILTER(isIRI(?term))
  OPTIONAL { ?term rdfs:range ?range . FILTER(isIRI(?range)) }
}"""

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_PROPERTY_KINDS = {
    OWL + "ObjectProperty": "@id",
    OWL + "DatatypeProperty": None,
    OWL + "AnnotationProperty": None,
    RDF + "Property": None,
}


def split_iri(iri: str) -> tuple[str, str] | None:
    """``(prefix, local)`` for an IRI in one of :data:`PREFIXES`, if the local part is a name."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            local = iri[len(namespace):]
            if _NAME.match(local):
                return prefix, local
    return None


def compact_iri(iri: str) -> str:
    """``prefix:local`` where possible (for JSON-LD keys and datatypes), else the IRI."""
    parts = split_iri(iri)
    return f"{parts[0]}:{parts[1]}" if parts else iri


def jsonld_context(store: Store) -> dict[str, Any]:
    """The vocabulary's JSON-LD context, generated from the ontology and the data.

    Every ``vet:`` term and every reused class and property in the store gets a short key (its
    local name; on a clash the vocabulary earlier in :data:`PREFIXES` wins). A property whose
    values in the store are all IRIs is ``"@type": "@id"``; all one datatype, that datatype;
    all language-tagged, a language map. Properties declared but unused take the ontology's
    word: object properties ``@id``, a datatype range its datatype, ``rdf:langString`` a map.
    """
    usage: dict[str, set[str]] = defaultdict(set)
    for row in store.query(_PROPERTY_USE_QUERY).dicts():
        if str(row["term"]) != RDF_TYPE:
            usage[str(row["term"])].add(str(row["kind"]))
    classes = {str(row["term"]) for row in store.query(_CLASS_USE_QUERY).dicts()}
    declared: dict[str, str | None] = {}
    for row in store.query(_DECLARED_QUERY).dicts():
        term, kind = str(row["term"]), str(row["kind"])
        if kind.endswith("#Class"):
            classes.add(term)
        elif kind in _PROPERTY_KINDS:
            rng = str(row["range"]) if "range" in row else None
            if rng == RDF_LANGSTRING:
                coercion: str | None = "@language"
            elif rng and rng.startswith(XSD) and rng != XSD + "string":
                coercion = rng
            else:
                coercion = _PROPERTY_KINDS[kind]
            declared.setdefault(term, coercion)

    definitions: dict[str, dict[str, str] | str] = {}
    for term in sorted(set(usage) | set(declared)):
        if term in usage:
            kinds = usage[term]
            coercion = next(iter(kinds)) if len(kinds) == 1 else None
            if coercion == XSD + "string":
                coercion = None
        else:
            coercion = declared[term]
        definition: dict[str, str] = {"@id": term}
        if coercion == "@language":
            definition["@container"] = "@language"
        elif coercion:
            definition["@type"] = coercion
        definitions[term] = definition
    for term in classes:
        definitions.setdefault(term, term)

    context: dict[str, Any] = {"id": "@id", "type": "@type"}
    context.update(PREFIXES)
    taken: dict[str, int] = {}  # short name -> priority of the vocabulary holding it
    order = list(PREFIXES)
    chosen: dict[str, tuple[int, str, Any]] = {}
    for term, definition in definitions.items():
        parts = split_iri(term)
        if parts is None:
            continue
        prefix, local = parts
        if local in context:  # a prefix name or the id/type aliases
            continue
        rank = order.index(prefix)
        if local in taken and taken[local] <= rank:
            continue
        taken[local] = rank
        chosen[local] = (rank, term, definition)
    for local in sorted(chosen):
        definition = chosen[local][2]
        if isinstance(definition, dict) and len(definition) > 1:
            definition = {"@id": compact_iri(definition["@id"]),
                          **{k: (compact_iri(v) if k == "@type" and v != "@id" else v)
                             for k, v in definition.items() if k != "@id"}}
        elif isinstance(definition, dict):
            definition = compact_iri(definition["@id"])
        else:
            definition = compact_iri(definition)
        context[local] = definition
    return {"@context": context}


# --- writing JSON-LD --------------------------------------------------------------------------


@dataclass
class _Terms:
    """The context read back: IRI -> (key, coercion) for properties and IRI -> key for types."""

    properties: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)


def _expand(value: str, prefixes: Mapping[str, str]) -> str:
    prefix, sep, local = value.partition(":")
    if sep and prefix in prefixes and not local.startswith("//"):
        return prefixes[prefix] + local
    return value


def _read_context(context: Mapping[str, Any]) -> _Terms:
    body = context.get("@context", context)
    prefixes = {k: v for k, v in body.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    terms = _Terms()
    for key, definition in body.items():
        if key.startswith("@") or key in prefixes or key in ("id", "type"):
            continue
        if isinstance(definition, str):
            iri = _expand(definition, prefixes)
            terms.classes[iri] = key
            terms.properties[iri] = (key, None)
        else:
            iri = _expand(definition["@id"], prefixes)
            if definition.get("@container") == "@language":
                coercion: str | None = "@language"
            elif "@type" in definition:
                coercion = definition["@type"]
                coercion = coercion if coercion == "@id" else _expand(coercion, prefixes)
            else:
                coercion = None
            terms.properties[iri] = (key, coercion)
    return terms


def _node_id(term: ox.NamedNode | ox.BlankNode) -> str:
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def _value(term: Any) -> Any:
    """A value in full (uncoerced) form; integers and booleans go native when lossless."""
    if isinstance(term, ox.NamedNode | ox.BlankNode):
        return {"@id": _node_id(term)}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    datatype = term.datatype.value
    if datatype == XSD + "string":
        return term.value
    if datatype == XSD + "integer" and re.fullmatch(r"-?(0|[1-9][0-9]*)", term.value):
        return int(term.value)
    if datatype == XSD + "boolean" and term.value in ("true", "false"):
        return term.value == "true"
    return {"@value": term.value, "@type": compact_iri(datatype)}


def _coerced(term: Any, coercion: str | None) -> tuple[bool, Any]:
    """Whether ``term`` fits the key's coercion, and its short form if it does."""
    if coercion is None:
        return True, _value(term)
    if coercion == "@id":
        if isinstance(term, ox.NamedNode | ox.BlankNode):
            return True, _node_id(term)
        return False, None
    if coercion == "@language":
        return bool(isinstance(term, ox.Literal) and term.language), None
    if isinstance(term, ox.Literal) and not term.language and term.datatype.value == coercion:
        return True, term.value
    return False, None


def _sort_key(value: Any) -> tuple[int, str]:
    """Order of values under one key: plain strings and numbers, then value objects."""
    if isinstance(value, dict):
        return 1, "\0".join(f"{k}={v}" for k, v in sorted(value.items()))
    return 0, str(value)


def _nodes(triples: Iterable[ox.Triple], terms: _Terms, first: str | None) -> list[dict]:
    by_subject: dict[str, list[ox.Triple]] = defaultdict(list)
    for t in triples:
        by_subject[_node_id(t.subject)].append(t)
    order = sorted(by_subject, key=lambda s: (s != first, s.startswith("_:"), s))
    nodes = []
    for subject in order:
        node: dict[str, Any] = {"id": subject}
        types: list[str] = []
        values: dict[str, list[Any]] = defaultdict(list)
        maps: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for t in by_subject[subject]:
            p, o = t.predicate.value, t.object
            if p == RDF_TYPE and isinstance(o, ox.NamedNode):
                types.append(terms.classes.get(o.value) or compact_iri(o.value))
                continue
            key, coercion = terms.properties.get(p, (None, None))
            if key is not None:
                fits, short = _coerced(o, coercion)
                if fits and coercion == "@language":
                    maps[key][o.language].append(o.value)
                    continue
                if fits:
                    values[key].append(short)
                    continue
            values[compact_iri(p)].append(_value(o))
        if types:
            node["type"] = sorted(types)[0] if len(types) == 1 else sorted(types)
        for key in sorted(set(values) | set(maps)):
            if key in maps:
                node[key] = {lang: (v[0] if len(v) == 1 else sorted(v))
                             for lang, v in sorted(maps[key].items())}
            else:
                items = values[key]
                items.sort(key=_sort_key)
                node[key] = items[0] if len(items) == 1 else items
        nodes.append(node)
    return nodes


def to_jsonld(items: Iterable[ox.Triple] | Iterable[ox.Quad], context: Mapping[str, Any], *,
              context_ref: str | None = None, first: str | None = None) -> dict[str, Any]:
    """A compact JSON-LD document of triples (one graph) or quads (named graphs kept).

    Keys are the context's terms where a value fits the term's coercion, else compact IRIs
    with full value objects, so expansion gives back exactly the input. ``context_ref`` puts
    the context's IRI in the document instead of the context itself; ``first`` names the
    node listed first (the resource a description is about).
    """
    terms = _read_context(context)
    graphs: dict[str | None, list[ox.Triple]] = defaultdict(list)
    for item in items:
        name = None
        if isinstance(item, ox.Quad) and not isinstance(item.graph_name, ox.DefaultGraph):
            name = _node_id(item.graph_name)
        graphs[name].append(ox.Triple(item.subject, item.predicate, item.object))
    body: list[dict[str, Any]] = _nodes(graphs.pop(None, []), terms, first)
    for name in sorted(graphs):
        body.append({"id": name, "@graph": _nodes(graphs[name], terms, None)})
    ctx: Any = context_ref if context_ref else context.get("@context", context)
    return {"@context": ctx, "@graph": body}


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

EXISTS_QUERY = "ASK { { ?iri ?p ?o } UNION { ?s ?p ?iri } }"


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


# --- dumps --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DumpFile:
    """One file of the dumps folder."""

    name: str
    format: Format
    graph: str | None  # None: everything
    size: int = 0
    sha256: str = ""
    gzip_size: int = 0
    gzip_sha256: str = ""

    @property
    def gzip_name(self) -> str:
        return self.name + ".gz"


def dump_plan() -> list[tuple[str, Format, str | None]]:
    """The files /dumps/ offers: every syntax for the whole dataset, triple syntaxes and
    JSON-LD for each named graph."""
    plan: list[tuple[str, Format, str | None]] = []
    for fmt in FORMATS.values():
        plan.append((f"vetgraph.{fmt.extension}", fmt, None))
    for short, iri in GRAPHS.items():
        for fmt in FORMATS.values():
            if not fmt.datasets or fmt.name == "jsonld":
                plan.append((f"vetgraph-{short}.{fmt.extension}", fmt, iri))
    return plan


CHECKSUMS = "SHA256SUMS"
_dump_lock = threading.Lock()


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a dump is for everyone to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_dumps(store: Store, folder: Path) -> list[DumpFile]:
    """Write every planned dump, its gzip and the SHA256SUMS file into ``folder`` (atomic per
    file; the checksum file last, so its presence means the folder is complete)."""
    folder.mkdir(parents=True, exist_ok=True)
    context = jsonld_context(store)
    quads = store_quads(store)
    by_graph: dict[str, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        by_graph[_node_id(q.graph_name)].append(q)
    files: list[DumpFile] = []
    everything = used_prefixes(quads)
    graph_prefixes: dict[str, dict[str, str]] = {}
    for name, fmt, graph in dump_plan():
        if graph is None:
            items: Sequence[Any] = quads if fmt.datasets else union_triples(quads)
            prefixes = everything
        elif fmt.datasets:  # JSON-LD of one graph: still says which graph
            items, prefixes = by_graph.get(graph, []), None
        else:
            items = union_triples(by_graph.get(graph, []))
            if graph not in graph_prefixes:
                graph_prefixes[graph] = used_prefixes(items)
            prefixes = graph_prefixes[graph]
        data = serialize(items, fmt, context, prefixes=prefixes)
        packed = gzip.compress(data, 6, mtime=0)
        _write_atomic(folder / name, data)
        _write_atomic(folder / (name + ".gz"), packed)
        files.append(DumpFile(name, fmt, graph, len(data), hashlib.sha256(data).hexdigest(),
                              len(packed), hashlib.sha256(packed).hexdigest()))
    lines = []
    for f in files:
        lines.append(f"{f.sha256}  {f.name}\n")
        lines.append(f"{f.gzip_sha256}  {f.gzip_name}\n")
    _write_atomic(folder / CHECKSUMS, "".join(lines).encode("ascii"))
    return files


def read_dumps(folder: Path) -> list[DumpFile] | None:
    """The dumps of a complete folder (None if it is not complete)."""
    sums = folder / CHECKSUMS
    if not sums.is_file():
        return None
    digests = {}
    for line in sums.read_text(encoding="ascii").splitlines():
        digest, _, name = line.partition("  ")
        digests[name] = digest
    files = []
    for name, fmt, graph in dump_plan():
        plain, packed = folder / name, folder / (name + ".gz")
        if name not in digests or not plain.is_file() or not packed.is_file():
            return None
        files.append(DumpFile(name, fmt, graph, plain.stat().st_size, digests[name],
                              packed.stat().st_size, digests[name + ".gz"]))
    return files


def ensure_dumps(store: Store, folder: Path) -> list[DumpFile]:
    """The dumps in ``folder``, written first if missing (one writer per process at a time)."""
    found = read_dumps(folder)
    if found is not None:
        return found
    with _dump_lock:
        found = read_dumps(folder)
        return found if found is not None else write_dumps(store, folder)


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


__all__ = [
    "BY_EXTENSION",
    "BY_MIME",
    "FORMATS",
    "PREFIXES",
    "DatasetFacts",
    "DumpFile",
    "Format",
    "NamedQueryInfo",
    "dataset_description",
    "dataset_facts",
    "describe",
    "dump_plan",
    "ensure_dumps",
    "exists",
    "export",
    "graph_iri",
    "jsonld_context",
    "read_dumps",
    "serialize",
    "store_quads",
    "to_jsonld",
    "triples_to_ox",
    "union_triples",
    "write_dumps",
]

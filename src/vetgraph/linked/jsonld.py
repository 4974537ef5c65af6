"""The JSON-LD context of the vocabulary, and JSON-LD written against it.

JSON consumers get short keys while the RDF stays exactly the same: typed literals keep their
lexical form; nothing is turned into a JSON number unless it reads back identically.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from ..namespaces import (
    OWL,
    PREFIXES,
    RDF,
    RDF_LANGSTRING,
    RDF_TYPE,
    XSD,
    sparql_prologue,
)
from ..store.base import Store

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


def node_id(term: ox.NamedNode | ox.BlankNode) -> str:
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def _value(term: Any) -> Any:
    """A value in full (uncoerced) form; integers and booleans go native when lossless."""
    if isinstance(term, ox.NamedNode | ox.BlankNode):
        return {"@id": node_id(term)}
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
            return True, node_id(term)
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
        by_subject[node_id(t.subject)].append(t)
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
            name = node_id(item.graph_name)
        graphs[name].append(ox.Triple(item.subject, item.predicate, item.object))
    body: list[dict[str, Any]] = _nodes(graphs.pop(None, []), terms, first)
    for name in sorted(graphs):
        body.append({"id": name, "@graph": _nodes(graphs[name], terms, None)})
    ctx: Any = context_ref if context_ref else context.get("@context", context)
    return {"@context": ctx, "@graph": body}

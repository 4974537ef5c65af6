"""RDF syntaxes as vetgraph names them, reading quads from a store, and writing them.

Serialization is explicit: every syntax is written by pyoxigraph from parsed quads (JSON-LD
by :mod:`vetgraph.linked.jsonld`); a format is named, never guessed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from ..config import GRAPHS
from ..namespaces import (
    PREFIXES,
)
from ..store.base import Store, xml_safe
from .jsonld import to_jsonld

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
    RDF/XML is XML 1.0: a character it cannot carry is written as U+FFFD (:func:`xml_safe`),
    as every XML answer of the server is, so a dump file read from disk parses too.
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
    data = ox.serialize(items, format=fmt.ox, prefixes=prefixes)
    return xml_safe(data) if fmt.name == "rdfxml" else data


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

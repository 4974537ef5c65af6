"""The one store interface every surface reads through, whatever the backend.

Backends answer SPARQL 1.1 queries over a dataset whose default graph is the union of all
named graphs (unless the caller names the graphs), and hand results back either as rdflib
terms (:class:`QueryResult`) or as bytes in a standard media type (``query_serialized``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import pyoxigraph as ox
from rdflib import BNode, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.term import Node

from ..namespaces import RDF_LANGSTRING, XSD_STRING

ResultKind = Literal["bindings", "boolean", "graph"]

RDF_LANG_STRING = RDF_LANGSTRING


class StoreError(Exception):
    """Anything a backend refuses or fails to do."""


class QueryError(StoreError, ValueError):
    """The request is wrong (syntax, a binding the query cannot take...): HTTP 400."""


class UnsupportedFormatError(StoreError, ValueError):
    """No serializer for that media type and result kind: HTTP 406."""


class ReadOnlyError(StoreError):
    """An update was sent to a store opened read-only: HTTP 403."""


@dataclass
class QueryResult:
    """A query's answer, the same shape for every backend."""

    kind: ResultKind
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Node, Node, Node]] = field(default_factory=list)
    truncated: bool = False

    def dicts(self) -> list[dict[str, Node]]:
        """Rows as ``{variable: term}``, unbound variables left out (handy for callers)."""
        return [
            {v: t for v, t in zip(self.variables, row, strict=True) if t is not None}
            for row in self.rows
        ]


@runtime_checkable
class Store(Protocol):
    """What every backend offers. All IRIs are plain strings; all terms are rdflib terms.

    Dataset of a query: the default graph is the union of all named graphs. When either
    ``default_graph_uris`` or ``named_graph_uris`` is given (SPARQL protocol's
    ``default-graph-uri`` / ``named-graph-uri``), the dataset is exactly those graphs: the
    default graph is the merge of ``default_graph_uris`` (empty if none) and ``GRAPH`` sees
    only ``named_graph_uris`` (none if not given).

    ``bindings`` give values to variables without touching the query text (SEP-0007
    substitution): for a SELECT each bound variable must be in the projection
    (``SELECT *`` qualifies), otherwise :class:`QueryError`.

    ``max_rows`` caps solutions (SELECT) or triples (CONSTRUCT/DESCRIBE); when it cuts the
    answer ``truncated`` is True.
    """

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
        bindings: Mapping[str, Node] | None = None,
        max_rows: int | None = None,
    ) -> QueryResult: ...

    def query_serialized(
        self,
        sparql: str,
        mime: str,
        *,
        graph_mime: str | None = None,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
        bindings: Mapping[str, Node] | None = None,
        max_rows: int | None = None,
    ) -> tuple[ResultKind, bytes, bool]:
        """Run and serialize in one go: returns ``(kind, body, truncated)``.

        ``mime`` is the media type for SELECT/ASK results (SPARQL JSON, XML, CSV, TSV);
        CONSTRUCT/DESCRIBE use ``graph_mime`` if given, else ``mime`` when it names an RDF
        syntax (Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD). The body's media type is
        therefore ``mime`` for bindings/boolean and ``graph_mime or mime`` for graph.
        Raises :class:`UnsupportedFormatError` when the kind has no serializer for it.
        """
        ...

    def update(self, sparql: str) -> None: ...

    def graph_names(self) -> list[str]:
        """IRIs of the named graphs, sorted."""
        ...

    def triple_count(self, graph: str | None = None) -> int:
        """Triples in one named graph, or quads in the whole store when ``graph`` is None."""
        ...

    def dump(self, mime: str, graph: str | None = None) -> bytes:
        """One graph in any RDF syntax, or the whole dataset in N-Quads/TriG/JSON-LD."""
        ...

    def close(self) -> None: ...


#: Whether ``?iri`` is in the store: the subject or the object of some triple (bind ``iri``).
EXISTS_QUERY = "ASK { { ?iri ?p ?o } UNION { ?s ?p ?iri } }"


# --- term conversion --------------------------------------------------------------------


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """pyoxigraph term to rdflib term; plain xsd:string literals become untyped, like rdflib's."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return RdfLiteral(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return RdfLiteral(term.value)
        return RdfLiteral(term.value, datatype=URIRef(datatype))
    raise TypeError(f"cannot convert {term!r} to an rdflib term (RDF-star is not supported)")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """rdflib term to pyoxigraph term (for bindings and serialization)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, RdfLiteral):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot bind {term!r}: only IRIs, blank nodes and literals")


# --- formats ------------------------------------------------------------------------------


def results_format(mime: str) -> ox.QueryResultsFormat:
    """SPARQL results format for a media type, or UnsupportedFormatError."""
    fmt = ox.QueryResultsFormat.from_media_type(mime)
    if fmt is None:
        raise UnsupportedFormatError(f"no SPARQL results serializer for {mime!r}")
    return fmt


def rdf_format(mime: str) -> ox.RdfFormat:
    """RDF syntax for a media type, or UnsupportedFormatError."""
    fmt = ox.RdfFormat.from_media_type(mime)
    if fmt is None:
        raise UnsupportedFormatError(f"no RDF serializer for {mime!r}")
    return fmt


def graph_format(mime: str, graph_mime: str | None) -> ox.RdfFormat:
    """The RDF syntax a CONSTRUCT/DESCRIBE answer is written in (see ``query_serialized``)."""
    return rdf_format(graph_mime or mime)


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, RdfLiteral)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None and str(term.datatype) != XSD_STRING:
        out["datatype"] = str(term.datatype)
    return out


def query_then_serialize(
    store: Store, sparql: str, mime: str, *, graph_mime: str | None = None, **options: Any
) -> tuple[ResultKind, bytes, bool]:
    """``query_serialized`` for a backend without native serializers: refuse an unknown
    format before evaluating, then write the typed result with :func:`serialize_result`."""
    if (
        ox.QueryResultsFormat.from_media_type(mime) is None
        and ox.RdfFormat.from_media_type(graph_mime or mime) is None
    ):
        raise UnsupportedFormatError(f"no serializer for {mime!r}")
    result = store.query(sparql, **options)
    return result.kind, serialize_result(result, mime, graph_mime), result.truncated


def serialize_result(result: QueryResult, mime: str, graph_mime: str | None = None) -> bytes:
    """Write a :class:`QueryResult` with pyoxigraph's serializers (same bytes as the fast path).

    Solutions go through SPARQL-JSON, which pyoxigraph parses back and writes in the asked
    format, so every backend emits identical XML/CSV/TSV.
    """
    if result.kind == "graph":
        fmt = graph_format(mime, graph_mime)
        triples = [ox.Triple(*(to_oxigraph(t) for t in triple)) for triple in result.triples]
        return ox.serialize(triples, format=fmt)
    if result.kind == "boolean":
        doc: dict[str, object] = {"head": {}, "boolean": bool(result.boolean)}
    else:
        doc = {
            "head": {"vars": list(result.variables)},
            "results": {
                "bindings": [
                    {v: _json_term(t) for v, t in zip(result.variables, row, strict=True)
                        if t is not None}
                    for row in result.rows
                ]
            },
        }
    return write_results(doc, mime)


#: Characters XML 1.0 forbids, as UTF-8 bytes: C0 controls but tab, LF and CR; U+FFFE, U+FFFF
#: (a control byte never occurs inside a multi-byte UTF-8 sequence, so bytes can be matched).
_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
#: U+FFFD REPLACEMENT CHARACTER: what such a character becomes in an XML answer.
_REPLACEMENT = "\ufffd".encode()


def xml_safe(body: bytes) -> bytes:
    """``body`` with every character XML 1.0 cannot carry (not even as a reference, e.g.
    ``&#0;``) written as U+FFFD, so any XML parser reads the answer; JSON, CSV and the RDF
    syntaxes other than RDF/XML keep such characters exactly."""
    return _NOT_XML.sub(_REPLACEMENT, body) if _NOT_XML.search(body) else body


def write_results(doc: Mapping[str, Any], mime: str) -> bytes:
    """A SPARQL JSON results document in the results format ``mime``: compact JSON, or
    written by pyoxigraph from it."""
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    fmt = results_format(mime)
    if fmt == ox.QueryResultsFormat.JSON:
        return body
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=fmt)


class SerializesQueryResults:
    """``query_serialized`` for backends whose engine cannot serialize: run :meth:`query`, then
    write the answer with pyoxigraph's serializers (see :func:`query_then_serialize`)."""

    def query_serialized(
        self,
        sparql: str,
        mime: str,
        *,
        graph_mime: str | None = None,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
        bindings: Mapping[str, Node] | None = None,
        max_rows: int | None = None,
    ) -> tuple[ResultKind, bytes, bool]:
        """See :meth:`Store.query_serialized`; written by pyoxigraph's serializers."""
        return query_then_serialize(
            self, sparql, mime, graph_mime=graph_mime, default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris, bindings=bindings, max_rows=max_rows,
        )

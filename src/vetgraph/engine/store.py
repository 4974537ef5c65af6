"""The store the query workers answer: :class:`WorkerStore`.

It is the read side of :class:`~vetgraph.store.base.Store`, so code written against a store
(:mod:`vetgraph.linked`, the network views) runs unchanged through the workers and shares the
endpoint's timeouts, crash isolation and update discipline. No Flask: the web layer hands it its
executor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

from ..store.base import QueryResult, UnsupportedFormatError, to_rdflib
from .executor import RESULTS_JSON, QueryRequest

NTRIPLES = ox.RdfFormat.N_TRIPLES.media_type


class WorkerStore:
    """The read side of :class:`~vetgraph.store.base.Store`, answered by the query workers.

    Results cross the process boundary serialized (SPARQL JSON or N-Triples) and are parsed
    back with pyoxigraph, blank node labels kept.
    """

    def __init__(self, executor: Any) -> None:
        self.executor = executor

    def _ask(self, sparql: str, results: str | None, graph: str | None,
             default_graph_uris: Sequence[str] | None, named_graph_uris: Sequence[str] | None,
             bindings: Mapping[str, Node] | None, max_rows: int | None) -> Any:
        return self.executor.query(QueryRequest(
            sparql, results, graph, tuple(default_graph_uris or ()),
            tuple(named_graph_uris or ()), max_rows, tuple((bindings or {}).items()),
            trusted=True,  # the app's own queries (linked data, network views)
        ))

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
        bindings: Mapping[str, Node] | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        reply = self._ask(sparql, RESULTS_JSON, NTRIPLES, default_graph_uris,
                          named_graph_uris, bindings, max_rows)
        if reply.kind == "graph":
            triples = [
                (to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object))
                for t in ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES)
            ]
            return QueryResult(kind="graph", triples=triples, truncated=reply.truncated)
        parsed = ox.parse_query_results(reply.body, format=ox.QueryResultsFormat.JSON)
        if isinstance(parsed, ox.QueryBoolean | bool):
            return QueryResult(kind="boolean", boolean=bool(parsed))
        names = [v.value for v in parsed.variables]
        rows = [tuple(None if s[v] is None else to_rdflib(s[v]) for v in names) for s in parsed]
        return QueryResult(kind="bindings", variables=names, rows=rows, truncated=reply.truncated)

    def graph_names(self) -> list[str]:
        return sorted(self.executor.info().graphs)

    def triple_count(self, graph: str | None = None) -> int:
        info = self.executor.info()
        return info.quads if graph is None else info.graphs.get(graph, 0)

    def dump(self, mime: str, graph: str | None = None) -> bytes:
        """N-Quads or N-Triples of everything or of one graph (what publishing needs)."""
        fmt = ox.RdfFormat.from_media_type(mime)
        if fmt not in (ox.RdfFormat.N_QUADS, ox.RdfFormat.N_TRIPLES):
            raise UnsupportedFormatError(f"the workers dump N-Quads or N-Triples, not {mime}")
        if graph is None and fmt == ox.RdfFormat.N_TRIPLES:
            raise UnsupportedFormatError("N-Triples holds one graph: name the graph to dump")
        text = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        bindings = {"g": URIRef(graph)} if graph else None
        reply = self._ask(text, RESULTS_JSON, None, None, None, bindings, None)
        solutions = ox.parse_query_results(reply.body, format=ox.QueryResultsFormat.JSON)
        if graph is None:
            items: list[Any] = [ox.Quad(s["s"], s["p"], s["o"], s["g"]) for s in solutions]
        elif fmt == ox.RdfFormat.N_QUADS:
            items = [ox.Quad(s["s"], s["p"], s["o"]) for s in solutions]
        else:
            items = [ox.Triple(s["s"], s["p"], s["o"]) for s in solutions]
        return ox.serialize(items, format=fmt)

    def close(self) -> None:
        """The workers belong to the app."""

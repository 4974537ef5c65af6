"""A pure-Python backend: an rdflib Dataset evaluated by rdflib's own SPARQL engine.

Useful as a second opinion on query answers (tests compare it with Oxigraph) and where no
store has been built. Known difference: rdflib's union default graph merges a triple present
in two graphs into one solution, Oxigraph yields it once per graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import islice

import pyoxigraph as ox
import rdflib.plugins.sparql
from pyparsing import ParseBaseException
from rdflib import Dataset, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from .base import (
    QueryError,
    QueryResult,
    ReadOnlyError,
    SerializesQueryResults,
    StoreError,
    UnsupportedFormatError,
    rdf_format,
    to_oxigraph,
)

# FROM / FROM NAMED must name graphs of the dataset, never fetch IRIs or read files.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False


def _default_graph(ds: Dataset):
    """The dataset's own default graph (``default_graph`` since rdflib 7.2, before: context)."""
    graph = getattr(ds, "default_graph", None)
    return ds.default_context if graph is None else graph


class MemoryStore(SerializesQueryResults):
    """:class:`~vetgraph.store.base.Store` over an rdflib Dataset (``default_union=True``)."""

    def __init__(
        self,
        dataset: Dataset | None = None,
        *,
        read_only: bool = False,
        prefixes: Mapping[str, str] | None = None,
    ):
        self.dataset = dataset if dataset is not None else Dataset(default_union=True)
        self.dataset.default_union = True
        self.read_only = read_only
        #: Prefixes for Turtle/TriG dumps (the sources' own; rdflib's defaults are not wanted).
        self.prefixes = dict(prefixes or {})

    def _prepare(self, sparql: str, bindings: Mapping[str, Node] | None) -> Query:
        try:
            prepared = translateQuery(parseQuery(sparql))
        except ParseBaseException as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except Exception as exc:  # rdflib raises assorted errors for bad queries
            raise QueryError(str(exc)) from exc
        if bindings and prepared.algebra.name == "SelectQuery":
            # Same rule as Oxigraph's SEP-0007 substitution: a bound variable must be projected.
            projected = {str(v) for v in prepared.algebra.get("PV", [])}
            missing = sorted(set(bindings) - projected)
            if missing:
                raise QueryError(
                    f"The SPARQL query does not contain variable ?{missing[0]} "
                    "in its SELECT projection"
                )
        return prepared

    def _view(
        self, default_graph_uris: Sequence[str] | None, named_graph_uris: Sequence[str] | None
    ) -> Dataset:
        """The dataset to query: everything, or exactly the graphs the caller named."""
        if default_graph_uris is None and named_graph_uris is None:
            return self.dataset
        view = Dataset(default_union=False)
        for uri in default_graph_uris or ():
            for triple in self.dataset.graph(URIRef(uri)):
                _default_graph(view).add(triple)
        for uri in named_graph_uris or ():
            target = view.graph(URIRef(uri))
            for triple in self.dataset.graph(URIRef(uri)):
                target.add(triple)
        return view

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
        bindings: Mapping[str, Node] | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        prepared = self._prepare(sparql, bindings)
        view = self._view(default_graph_uris, named_graph_uris)
        init = {Variable(k): v for k, v in (bindings or {}).items()}
        try:
            answer = view.query(prepared, initBindings=init)
            limit = None if max_rows is None else max_rows + 1
            if answer.type == "ASK":
                return QueryResult(kind="boolean", boolean=bool(answer.askAnswer))
            if answer.type == "SELECT":
                variables = [str(v) for v in answer.vars or []]
                found = [tuple(row) for row in islice(answer, limit)]
                return QueryResult(
                    kind="bindings", variables=variables, rows=found[:max_rows],
                    truncated=max_rows is not None and len(found) > max_rows,
                )
            found_triples = list(islice(answer.graph or (), limit))
            return QueryResult(
                kind="graph", triples=found_triples[:max_rows],
                truncated=max_rows is not None and len(found_triples) > max_rows,
            )
        except StoreError:
            raise
        except Exception as exc:  # evaluation errors come in many types from rdflib
            raise QueryError(str(exc)) from exc

    def update(self, sparql: str) -> None:
        if self.read_only:
            raise ReadOnlyError("this store is opened read-only")
        try:
            self.dataset.update(sparql)
        except ParseBaseException as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc

    def _named(self) -> list:
        return [
            g for g in self.dataset.graphs()
            if g.identifier != DATASET_DEFAULT_GRAPH_ID and len(g) > 0
        ]

    def graph_names(self) -> list[str]:
        return sorted(str(g.identifier) for g in self._named())

    def triple_count(self, graph: str | None = None) -> int:
        if graph is not None:
            return len(self.dataset.graph(URIRef(graph)))
        return sum(len(g) for g in self._named()) + len(_default_graph(self.dataset))

    def dump(self, mime: str, graph: str | None = None) -> bytes:
        fmt = rdf_format(mime)
        if graph is None:
            if not fmt.supports_datasets:
                raise UnsupportedFormatError(f"{fmt.name} holds one graph: name the graph to dump")
            quads = [
                ox.Quad(*(to_oxigraph(t) for t in triple), ox.NamedNode(str(g.identifier)))
                for g in self._named()
                for triple in g
            ]
            return ox.serialize(quads, format=fmt, prefixes=self._prefixes_for(fmt))
        # A dataset syntax gets the graph's triples as default-graph quads, as Oxigraph does.
        make = ox.Quad if fmt.supports_datasets else ox.Triple
        items = [
            make(*(to_oxigraph(t) for t in triple))
            for triple in self.dataset.graph(URIRef(graph))
        ]
        return ox.serialize(items, format=fmt, prefixes=self._prefixes_for(fmt))

    def _prefixes_for(self, fmt: ox.RdfFormat) -> dict[str, str] | None:
        if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
            return self.prefixes
        return None

    def close(self) -> None:
        """Nothing to release; kept for the interface."""

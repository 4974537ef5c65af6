"""The default backend: an Oxigraph (RocksDB) store, usually opened read-only after a build.

Read-only opening lets several server processes share one built store; builds never write
into a store that is open (they write a new directory and switch a symlink), which is what
Oxigraph requires of read-only instances.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.term import Node

from ..engine.lexer import names_dataset
from .base import (
    QueryError,
    QueryResult,
    ReadOnlyError,
    ResultKind,
    StoreError,
    UnsupportedFormatError,
    graph_format,
    rdf_format,
    results_format,
    serialize_result,
    to_oxigraph,
    to_rdflib,
)

#: Written by ``vetgraph build`` next to the RocksDB files (a name RocksDB never uses).
MANIFEST_NAME = "vetgraph-manifest.json"


@contextmanager
def _errors() -> Iterator[None]:
    """Turn pyoxigraph's exceptions into the interface's (evaluation is lazy: wrap iteration)."""
    try:
        yield
    except StoreError:
        raise
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc.msg or exc}") from exc
    except (RuntimeError, ValueError, TypeError) as exc:
        raise QueryError(str(exc)) from exc
    except OSError as exc:
        raise StoreError(str(exc)) from exc


class OxigraphStore:
    """:class:`~vetgraph.store.base.Store` over a ``pyoxigraph.Store``."""

    def __init__(
        self,
        store: ox.Store,
        *,
        read_only: bool = False,
        path: Path | None = None,
        prefixes: Mapping[str, str] | None = None,
    ):
        self._store: ox.Store | None = store
        self.read_only = read_only
        self.path = path
        self.prefixes = dict(prefixes or {})

    @classmethod
    def open(cls, path: str | os.PathLike[str], read_only: bool = True) -> OxigraphStore:
        """Open a built store; a symlinked path is resolved now, so later builds don't move it."""
        real = Path(os.path.realpath(path))
        if not real.is_dir():
            raise StoreError(f"no store at {path}: run `vetgraph build` first")
        try:
            store = ox.Store.read_only(str(real)) if read_only else ox.Store(str(real))
        except OSError as exc:
            raise StoreError(f"cannot open store at {path}: {exc}") from exc
        manifest = read_manifest(real) or {}
        return cls(store, read_only=read_only, path=real, prefixes=manifest.get("prefixes"))

    @classmethod
    def in_memory(
        cls, quads: Iterable[ox.Quad] = (), prefixes: Mapping[str, str] | None = None
    ) -> OxigraphStore:
        """A writable store held in memory (tests, small tools)."""
        store = ox.Store()
        store.extend(quads)
        return cls(store, prefixes=prefixes)

    @property
    def raw(self) -> ox.Store:
        """The underlying ``pyoxigraph.Store`` (raises once closed)."""
        if self._store is None:
            raise StoreError("store is closed")
        return self._store

    # --- queries ------------------------------------------------------------------------

    def _run(
        self,
        sparql: str,
        default_graph_uris: Sequence[str] | None,
        named_graph_uris: Sequence[str] | None,
        bindings: Mapping[str, Node] | None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        kwargs: dict[str, Any] = {}
        if default_graph_uris is None and named_graph_uris is None:
            # pyoxigraph's union flag would override the query's own FROM / FROM NAMED
            if not names_dataset(sparql):
                kwargs["use_default_graph_as_union"] = True
        else:
            kwargs["default_graph"] = [ox.NamedNode(u) for u in default_graph_uris or ()]
            kwargs["named_graphs"] = [ox.NamedNode(u) for u in named_graph_uris or ()]
        if bindings:
            kwargs["substitutions"] = {
                ox.Variable(name): to_oxigraph(term) for name, term in bindings.items()
            }
        with _errors():
            return self.raw.query(sparql, **kwargs)

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
        bindings: Mapping[str, Node] | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        answer = self._run(sparql, default_graph_uris, named_graph_uris, bindings)
        with _errors():
            if isinstance(answer, ox.QueryBoolean):
                return QueryResult(kind="boolean", boolean=bool(answer))
            if isinstance(answer, ox.QuerySolutions):
                variables = [v.value for v in answer.variables]
                width = range(len(variables))
                found = list(islice(answer, None if max_rows is None else max_rows + 1))
                rows = [
                    tuple(None if s[i] is None else to_rdflib(s[i]) for i in width)
                    for s in found[:max_rows]
                ]
                return QueryResult(
                    kind="bindings", variables=variables, rows=rows,
                    truncated=max_rows is not None and len(found) > max_rows,
                )
            found = list(islice(answer, None if max_rows is None else max_rows + 1))
            triples = [
                (to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object))
                for t in found[:max_rows]
            ]
            return QueryResult(
                kind="graph", triples=triples,
                truncated=max_rows is not None and len(found) > max_rows,
            )

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
        """See :meth:`Store.query_serialized`. Uncapped answers never leave Rust."""
        if (
            ox.QueryResultsFormat.from_media_type(mime) is None
            and ox.RdfFormat.from_media_type(graph_mime or mime) is None
        ):
            raise UnsupportedFormatError(f"no serializer for {mime!r}")
        if max_rows is not None:
            result = self.query(
                sparql, default_graph_uris=default_graph_uris,
                named_graph_uris=named_graph_uris, bindings=bindings, max_rows=max_rows,
            )
            if result.kind == "graph":  # pyoxigraph writes triples natively
                return "graph", self._triples_bytes(result, mime, graph_mime), result.truncated
            return result.kind, serialize_result(result, mime), result.truncated
        answer = self._run(sparql, default_graph_uris, named_graph_uris, bindings)
        with _errors():
            if isinstance(answer, ox.QueryTriples):
                return "graph", answer.serialize(format=graph_format(mime, graph_mime)), False
            kind: ResultKind = "boolean" if isinstance(answer, ox.QueryBoolean) else "bindings"
            return kind, answer.serialize(format=results_format(mime)), False

    @staticmethod
    def _triples_bytes(result: QueryResult, mime: str, graph_mime: str | None) -> bytes:
        fmt = graph_format(mime, graph_mime)
        return ox.serialize(
            [ox.Triple(*(to_oxigraph(t) for t in triple)) for triple in result.triples],
            format=fmt,
        )

    def update(self, sparql: str) -> None:
        if self.read_only:
            raise ReadOnlyError("this store is opened read-only")
        with _errors():
            self.raw.update(sparql)

    # --- content ------------------------------------------------------------------------

    def graph_names(self) -> list[str]:
        with _errors():
            return sorted(
                g.value for g in self.raw.named_graphs() if isinstance(g, ox.NamedNode)
            )

    def triple_count(self, graph: str | None = None) -> int:
        if graph is None:
            return len(self.raw)
        with _errors():
            answer = self.raw.query(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                substitutions={ox.Variable("g"): ox.NamedNode(graph)},
            )
            row = next(iter(answer), None)
        return 0 if row is None else int(row["n"].value)

    def dump(self, mime: str, graph: str | None = None) -> bytes:
        fmt = rdf_format(mime)
        if graph is None and not fmt.supports_datasets:
            raise UnsupportedFormatError(f"{fmt.name} holds one graph: name the graph to dump")
        kwargs: dict[str, Any] = {"format": fmt}
        if graph is not None:
            kwargs["from_graph"] = ox.NamedNode(graph)
        if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
            kwargs["prefixes"] = self.prefixes
        with _errors():
            return self.raw.dump(**kwargs)

    def close(self) -> None:
        """Drop the handle: pyoxigraph closes RocksDB when the object goes away."""
        self._store = None


def read_manifest(store_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The build manifest of a store directory, or None if there is none."""
    path = Path(store_dir) / MANIFEST_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def write_manifest(store_dir: str | os.PathLike[str], manifest: dict[str, Any]) -> None:
    """Replace a store's manifest atomically: readers see the old one or the new one."""
    path = Path(store_dir) / MANIFEST_NAME
    tmp = path.with_name(path.name + f".{secrets.token_hex(3)}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)

"""``export``: one whole-store or one-graph dump in a named syntax (what ``vetgraph export``
and the dump files write).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyoxigraph as ox

from ..store.base import Store
from .formats import Format, serialize, store_quads, union_triples
from .jsonld import jsonld_context


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

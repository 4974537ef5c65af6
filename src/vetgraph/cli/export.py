"""``vetgraph export``: write the built store (or one graph) in a named syntax."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import click

from ..linked.dumps import write_atomic
from ..linked.export import export
from ..linked.formats import FORMATS, graph_iri
from .common import command


@command("export", [
    click.Option(["--format"], required=True, type=click.Choice(list(FORMATS)),
                 help="ttl, nt, rdfxml (the union of the graphs, or --graph); "
                 "nq, trig, jsonld (named graphs kept)"),
    click.Option(["--graph"], metavar="GRAPH",
                 help="one named graph: ontology, codes, data, shapes or an IRI"),
    click.Option(["--out"], metavar="FILE", help="write to FILE (atomically; FILE.gz is "
                 "gzipped) instead of standard output"),
], reads_store=True)
def export_command(args: Any, settings: Any) -> int:
    """``vetgraph export``: read the built store, write one dump."""
    import sys

    from ..store import open_store

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
        write_atomic(out, gzip.compress(data, 6, mtime=0) if out.suffix == ".gz" else data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0

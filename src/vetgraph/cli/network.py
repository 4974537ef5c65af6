"""``vetgraph graph``, ``path``, ``gaps`` and ``matrix``: the graph views from a terminal.

Thin: parse the flags, open the store, call :mod:`vetgraph.networks`, write a file or print.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..config import Settings
from ..networks import FORMATS
from ..store import StoreError, open_store
from .common import command

EXIT_OK, EXIT_INPUT = 0, 2
BACKEND_HELP = "oxigraph: the built store (default); memory: read the sources, no build needed"


def _common() -> list[click.Parameter]:
    """The options every view command takes: label language and backend."""
    return [
        click.Option(["--lang"], type=click.Choice(("zh", "en")), default="zh",
                     show_default=True, help="label language"),
        click.Option(["--backend"], type=click.Choice(("oxigraph", "memory")),
                     default="oxigraph", help=BACKEND_HELP),
    ]


def _out() -> click.Option:
    return click.Option(["--out"], type=click.Path(path_type=Path), default=None,
                        metavar="FILE", help="file to write (default stdout)")


MATRIX_FORMATS = ("png", "svg", "csv")


def _facts(settings: Settings, backend: str):  # -> networks.Facts
    from ..networks import load_facts

    store = open_store(settings, backend)
    try:
        return load_facts(store)
    finally:
        store.close()


def list_views() -> str:
    from ..networks import VIEWS

    width = max(len(name) for name in VIEWS)
    return "".join(
        f"{v.name:<{width}}  {v.title_zh} / {v.title_en}\n{'':<{width}}  {v.description_en}\n"
        for v in VIEWS.values()
    )


@command("graph", more="VIEW: a view name (see --list)", params=[
    click.Argument(["view"], required=False),
    click.Option(["--format"], type=click.Choice(FORMATS), default=None,
                 help="default: from --out's suffix, else json"),
    _out(),
    click.Option(["--list"], is_flag=True, help="list the views and exit"),
    *_common(),
], reads_store=True)
def graph(args: Any, settings: Settings) -> int:
    from .. import networks
    from ..networks.render import FontError

    if args.list:
        sys.stdout.write(list_views())
        return EXIT_OK
    if args.view not in networks.VIEWS:
        hint = "give a view name" if not args.view else f"no view named {args.view!r}"
        print(f"vetgraph graph: {hint}; see `vetgraph graph --list`", file=sys.stderr)
        return EXIT_INPUT
    fmt = args.format or (args.out.suffix.lstrip(".").lower() if args.out else "json")
    if fmt not in networks.FORMATS:
        print(f"vetgraph graph: unknown format {fmt!r}; the formats are "
              f"{', '.join(networks.FORMATS)} (by --out's suffix or --format)", file=sys.stderr)
        return EXIT_INPUT
    try:
        g = networks.build(_facts(settings, args.backend), args.view, args.lang)
        body = networks.serialize(g, fmt)
    except (StoreError, FontError) as exc:
        print(f"vetgraph graph: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if args.out:
        args.out.write_bytes(body)
        print(f"wrote {args.out} ({fmt}, {len(g)} nodes, {g.number_of_edges()} edges)",
              file=sys.stderr)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return EXIT_OK


@command("path", more="A: an entity (IRI, id/... path, or zh/en label); B: another, given "
         "the same way", params=[
    click.Argument(["source"], metavar="A"),
    click.Argument(["target"], metavar="B"),
    click.Option(["--max-paths"], type=int, default=10, metavar="N",
                 help="shortest paths shown (default 10)"),
    *_common(),
], reads_store=True)
def path(args: Any, settings: Settings) -> int:
    from .. import networks
    from ..networks.analytics import NotFound, connect, describe_connection, find_entity

    try:
        facts = _facts(settings, args.backend)
        source, target = find_entity(facts, args.source), find_entity(facts, args.target)
    except (StoreError, NotFound) as exc:
        print(f"vetgraph path: {exc}", file=sys.stderr)
        return EXIT_INPUT
    entity = networks.build(facts, "entity", args.lang, metrics=False)
    found = connect(entity, facts, source, target, limit=args.max_paths)
    print(describe_connection(found, facts, args.lang))
    return EXIT_OK if found.paths else 1


@command("gaps", [
    click.Option(["--top"], type=int, default=10, metavar="N",
                 help="rows per section (default 10)"),
    click.Option(["--format"], type=click.Choice(("text", "json")), default="text",
                 help="text (default) or json: every cluster with counts by basis, reason and "
                 "evidence, as /network/gaps.json"),
    *_common(),
], reads_store=True)
def gaps(args: Any, settings: Settings) -> int:
    from .. import networks
    from ..networks.analytics import describe_gaps, find_gaps, gaps_json

    try:
        facts = _facts(settings, args.backend)
    except StoreError as exc:
        print(f"vetgraph gaps: {exc}", file=sys.stderr)
        return EXIT_INPUT
    entity = networks.build(facts, "entity", args.lang, metrics=False)
    gaps = find_gaps(facts, entity)
    if args.format == "json":
        json.dump(gaps_json(gaps, facts, args.lang), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(describe_gaps(gaps, facts, args.lang, top=args.top))
    return EXIT_OK


@command("matrix", [
    click.Option(["--format"], type=click.Choice(MATRIX_FORMATS), default=None,
                 help="default: from --out's suffix, else csv"),
    _out(),
    *_common(),
], reads_store=True)
def matrix(args: Any, settings: Settings) -> int:
    from ..networks.hierarchy import coverage_matrix, matrix_csv
    from ..networks.render import FontError, draw_matrix

    fmt = args.format or (args.out.suffix.lstrip(".").lower() if args.out else "csv")
    if fmt not in MATRIX_FORMATS:
        print(f"vetgraph matrix: unknown format {fmt!r}; the formats are "
              f"{', '.join(MATRIX_FORMATS)} (by --out's suffix or --format)", file=sys.stderr)
        return EXIT_INPUT
    try:
        facts = _facts(settings, args.backend)
        matrix = coverage_matrix(facts)
        body = (matrix_csv(facts, matrix, args.lang) if fmt == "csv"
                else draw_matrix(facts, matrix, fmt, args.lang))
    except (StoreError, FontError) as exc:
        print(f"vetgraph matrix: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if args.out:
        args.out.write_bytes(body)
        print(f"wrote {args.out} ({fmt}, {len(matrix.clusters)} clusters × "
              f"{len(matrix.schools)} schools)", file=sys.stderr)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return EXIT_OK

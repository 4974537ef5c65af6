"""``vetgraph graph``, ``path``, ``gaps`` and ``matrix``: the graph views from a terminal.

Thin: parse the flags, open the store, call :mod:`vetgraph.networks`, write a file or print.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..config import Settings
from ..store import StoreError, open_store

EXIT_OK, EXIT_INPUT = 0, 2
BACKEND_HELP = "oxigraph: the built store (default); memory: read the sources, no build needed"


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="label language")
    p.add_argument("--backend", choices=("oxigraph", "memory"), default="oxigraph",
                   help=BACKEND_HELP)


def add_graph_arguments(p: argparse.ArgumentParser) -> None:
    from ..networks import FORMATS

    p.add_argument("view", nargs="?", help="a view name (see --list)")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="default: from --out's suffix, else json")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="file to write (default stdout)")
    p.add_argument("--list", action="store_true", help="list the views and exit")
    _common(p)


def add_path_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", metavar="A", help="an entity: IRI, id/... path, or zh/en label")
    p.add_argument("target", metavar="B", help="another entity, given the same way")
    p.add_argument("--max-paths", type=int, default=10, metavar="N",
                   help="shortest paths shown (default 10)")
    _common(p)


def add_gaps_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--top", type=int, default=10, metavar="N", help="rows per section (default 10)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text (default) or json: every cluster with counts by basis, reason and "
                        "evidence, as /network/gaps.json")
    _common(p)


MATRIX_FORMATS = ("png", "svg", "csv")


def add_matrix_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=MATRIX_FORMATS, default=None,
                   help="default: from --out's suffix, else csv")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="file to write (default stdout)")
    _common(p)


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


def graph_command(args: argparse.Namespace, settings: Settings) -> int:
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


def path_command(args: argparse.Namespace, settings: Settings) -> int:
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


def gaps_command(args: argparse.Namespace, settings: Settings) -> int:
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


def matrix_command(args: argparse.Namespace, settings: Settings) -> int:
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

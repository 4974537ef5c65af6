"""The ``vetgraph`` command: parse arguments, call a module, print.

Adding a subcommand: write ``def run(args, settings) -> int`` (its exit code), and register it
with ``@command("name", "one-line help", add_arguments)``; ``add_arguments(parser)`` adds its
own flags. Every subcommand also gets the settings flags (``--root``, ``--store``, limits).

Exit codes: 0 success, 1 the data has violations, 2 unreadable input or bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from .. import __version__
from ..config import Settings

Run = Callable[[argparse.Namespace, Settings], int]
AddArguments = Callable[[argparse.ArgumentParser], None]

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT = 0, 1, 2


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    run: Run
    add_arguments: AddArguments | None = None
    #: Reads the built store: with the default backend a missing store is built first.
    reads_store: bool = False
    #: Accepts ``--backend remote``, so it gets the remote store's flags.
    remote: bool = False


COMMANDS: dict[str, Command] = {}


def command(
    name: str,
    help: str,
    add_arguments: AddArguments | None = None,
    *,
    reads_store: bool = False,
    remote: bool = False,
):
    """Register a subcommand (decorator)."""

    def register(run: Run) -> Run:
        COMMANDS[name] = Command(name, help, run, add_arguments, reads_store, remote)
        return run

    return register


# --- settings flags, shared by every subcommand ------------------------------------------

_SETTINGS_FLAGS = {
    # flag: (Settings field, type, metavar, help)
    "--root": ("root", str, "DIR",
               "source tree (ontology/, data/ttl/, queries/); env VETGRAPH_ROOT"),
    "--store": ("store_dir", str, "DIR",
                "store location (default ROOT/var/store); env VETGRAPH_STORE"),
    "--data-dir": ("data_dir", str, "DIR", "the data's Turtle files (default ROOT/data/ttl), "
                   "e.g. the output of `vetgraph synth`; env VETGRAPH_DATA_DIR"),
    "--base-iri": ("base_iri", str, "IRI", "base IRI served (default https://w3id.org/vetgraph/)"),
    "--query-timeout": ("query_timeout", float, "SECONDS", "per query (default 30)"),
    "--max-query-length": ("max_query_length", int, "BYTES", "of SPARQL text (default 102400)"),
    "--max-body": ("max_body", int, "BYTES", "of request body (default 1048576)"),
    "--max-rows": ("max_rows", int, "N", "result rows before truncation (default 10000)"),
    "--max-concurrent-queries": ("max_concurrent_queries", int, "N", "per process (default 4)"),
    "--max-query-operators": ("max_query_operators", int, "N", "operators in a query, path "
                              "operators and signs included (default 2000)"),
    "--max-query-alternatives": ("max_query_alternatives", int, "N", "property path "
                                 "alternatives '|' in a query (default 1000)"),
    "--max-query-unions": ("max_query_unions", int, "N",
                           "UNION keywords in a query (default 500)"),
    "--max-query-patterns": ("max_query_patterns", int, "N", "triple patterns and clauses in a "
                             "query: '.', ';', ',', '{', FILTER, BIND, OPTIONAL, MINUS, GRAPH, "
                             "VALUES, AS and DESCRIBE's terms (default 2000)"),
    "--graph-cache-bytes": ("graph_cache_bytes", int, "BYTES", "of rendered graph downloads "
                            "kept in memory (default 67108864)"),
    "--max-concurrent-renders": ("max_concurrent_renders", int, "N", "graph pictures rendered "
                                 "at once, each in a process of its own (default 2)"),
}

#: Flags of the remote store, only on commands that take ``--backend remote``.
_REMOTE_FLAGS = {
    "--endpoint": ("remote_endpoint", str, "URL",
                   "SPARQL query URL; env VETGRAPH_REMOTE_ENDPOINT"),
    "--update-endpoint": ("remote_update_endpoint", str, "URL", "SPARQL update URL "
                          "(default the query URL); env VETGRAPH_REMOTE_UPDATE_ENDPOINT"),
    "--user": ("remote_user", str, "NAME", "HTTP user; env VETGRAPH_REMOTE_USER"),
    "--password": ("remote_password", str, "SECRET",
                   "HTTP password; env VETGRAPH_REMOTE_PASSWORD"),
}


def _add_settings_flags(parser: argparse.ArgumentParser, remote: bool) -> None:
    groups = [("settings", _SETTINGS_FLAGS)]
    if remote:
        groups.append(("remote store (--backend remote)", _REMOTE_FLAGS))
    for title, flags in groups:
        group = parser.add_argument_group(title)
        for flag, (field, kind, metavar, text) in flags.items():
            group.add_argument(flag, dest=f"setting_{field}", type=kind, default=None,
                               metavar=metavar, help=text)


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides = {
        field: getattr(args, f"setting_{field}", None)
        for field, *_ in (*_SETTINGS_FLAGS.values(), *_REMOTE_FLAGS.values())
    }
    return Settings.load(**overrides)


def _chosen_command(argv: list[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is not an option), if any."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the chosen command's flags are added, so only its modules load.

    ``vetgraph --version`` and ``--help`` thus import nothing heavy (rdflib, networkx,
    pyoxigraph, matplotlib): a command imports what it runs. With ``argv`` None every
    command's flags are added (for documentation and tests).
    """
    chosen = _chosen_command(argv) if argv is not None else None
    parser = argparse.ArgumentParser(
        prog="vetgraph",
        description="Knowledge graph of vocational education reports: validate, build, query.",
    )
    parser.add_argument("--version", action="version", version=f"vetgraph {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        if argv is None or cmd.name == chosen:
            _add_settings_flags(p, cmd.remote)
            if cmd.add_arguments:
                cmd.add_arguments(p)
        p.set_defaults(_run=cmd.run, _command=cmd)
    return parser


def ensure_store(settings: Settings, name: str) -> int | None:
    """Build the store if there is none; an exit code when that was refused, else None.

    Every command that reads the built store does this (as ``serve`` always did), saying so on
    standard error, so a first ``vetgraph query`` works on a fresh checkout.
    """
    if settings.store_dir.exists():
        return None
    from ..build import BuildRefused, build_store
    from ..shacl.validate import format_text

    print(f"vetgraph {name}: no store at {settings.store_dir}, building it", file=sys.stderr)
    try:
        outcome = build_store(settings)
    except BuildRefused as refused:
        print(format_text(refused.report), file=sys.stderr, end="")
        doing = "serving" if name == "serve" else f"running {name}"
        print(f"vetgraph {name}: build refused, not {doing}", file=sys.stderr)
        return EXIT_VIOLATIONS
    print(
        f"vetgraph {name}: built version {outcome.manifest['version']}, "
        f"{outcome.manifest['triples']} triples",
        file=sys.stderr,
    )
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    from ..build import BuildError
    from ..dataset import SourceError
    from ..shacl.validate import ShapesError
    from ..store.base import StoreError

    try:
        settings = settings_from_args(args)
        cmd: Command = args._command
        listing = getattr(args, "list", False)  # `query --list`, `graph --list` need no store
        if cmd.reads_store and not listing and getattr(args, "backend", "oxigraph") == "oxigraph":
            refused = ensure_store(settings, cmd.name)
            if refused is not None:
                return refused
        return args._run(args, settings)
    except (SourceError, ShapesError, StoreError, BuildError, OSError, ValueError) as exc:
        print(f"{exc}" if isinstance(exc, SourceError) else f"vetgraph: {exc}", file=sys.stderr)
        return EXIT_INPUT


def _print(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


# --- validate ---------------------------------------------------------------------------


def _validate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["text", "json", "ttl"], default="text")


@command("validate", "check the sources against the SHACL shapes", _validate_args)
def validate_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..shacl.validate import FORMATTERS, validate

    report = validate(settings)
    _print(FORMATTERS[args.format](report))
    return EXIT_OK if report.conforms else EXIT_VIOLATIONS


# --- build ------------------------------------------------------------------------------


def _build_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--backend", choices=["oxigraph", "remote"], default="oxigraph",
        help="oxigraph: build --store atomically (default); remote: replace the named graphs "
        "of the SPARQL store at --endpoint/--update-endpoint",
    )


@command("build", "validate, then build the store atomically", _build_args, remote=True)
def build_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..build import BuildRefused, build_remote, build_store
    from ..shacl.validate import format_text

    if getattr(args, "backend", "oxigraph") == "remote":
        try:
            counts, report, version = build_remote(settings)
        except BuildRefused as refused:
            _print(format_text(refused.report))
            print("vetgraph build: refused, the remote store was not changed", file=sys.stderr)
            return EXIT_VIOLATIONS
        _print(
            f"loaded {settings.remote_update_endpoint or settings.remote_endpoint}\n"
            f"version {version}, {sum(counts.values())} triples in {len(counts)} graphs\n"
        )
        return EXIT_OK
    try:
        outcome = build_store(settings)
    except BuildRefused as refused:
        _print(format_text(refused.report))
        print("vetgraph build: refused, the store was not changed", file=sys.stderr)
        return EXIT_VIOLATIONS
    m = outcome.manifest
    warnings = outcome.report.counts.get("Warning", 0)
    _print(
        f"built {outcome.store_dir} -> {outcome.version_dir.name}\n"
        f"version {m['version']}, {m['triples']} triples"
        + (f", {warnings} warning(s): see `vetgraph validate`" if warnings else "")
        + "\n"
    )
    return EXIT_OK


# --- stats ------------------------------------------------------------------------------


def _stats_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["text", "json"], default="text")


@command("stats", "triples per graph, entities per class, observations per data set", _stats_args,
         reads_store=True)
def stats_command(args: argparse.Namespace, settings: Settings) -> int:
    from .. import stats
    from ..store import open_store

    store = open_store(settings)
    try:
        _print(stats.FORMATTERS[args.format](stats.collect(store)))
    finally:
        store.close()
    return EXIT_OK


# --- restore ----------------------------------------------------------------------------


def _restore_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", help="the snapshot to restore; without it, list them")


@command(
    "restore",
    "list the snapshots kept before destructive updates, or restore one atomically",
    _restore_args,
)
def restore_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..updates import RestoreError, list_snapshots, restore_snapshot

    if not args.name:
        snapshots = list_snapshots(settings.store_dir)
        if not snapshots:
            _print(f"no snapshots of {settings.store_dir}\n")
            return EXIT_OK
        _print("".join(
            f"{s['name']}  {s['taken_at']}  {s['triples']} triples  version {s['version']}  "
            f"({s['reason']})\n"
            for s in snapshots
        ))
        return EXIT_OK
    try:
        target = restore_snapshot(settings.store_dir, args.name)
    except RestoreError as error:
        print(f"vetgraph restore: {error}", file=sys.stderr)
        return EXIT_INPUT
    _print(f"restored {args.name}: {settings.store_dir} -> {target.name}\n")
    return EXIT_OK


# --- serve ------------------------------------------------------------------------------


def _serve_args(p: argparse.ArgumentParser) -> None:
    from .serve import add_arguments

    add_arguments(p)


@command("serve", "serve the SPARQL endpoint, query editor and home page (waitress)", _serve_args,
         reads_store=True, remote=True)
def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    from .serve import run

    return run(args, settings)


# --- query ------------------------------------------------------------------------------


def _query_args(p: argparse.ArgumentParser) -> None:
    from .query import add_arguments

    add_arguments(p)


@command("query", "run a named query, a .rq file or - (stdin); --list shows them", _query_args,
         reads_store=True)
def query_command(args: argparse.Namespace, settings: Settings) -> int:
    from .query import run_command

    return run_command(args, settings)


# --- graph, path, gaps -------------------------------------------------------------------


def _graphcmd(name: str):  # lazy: the graph views import networkx and matplotlib
    def hook(*args):
        from . import network as graphcmd

        return getattr(graphcmd, name)(*args)

    return hook


@command("graph", "draw or export a graph view (html, png, svg, graphml, gexf, json); --list",
         _graphcmd("add_graph_arguments"), reads_store=True)
def graph_command(args: argparse.Namespace, settings: Settings) -> int:
    return _graphcmd("graph_command")(args, settings)


@command("path", "how is A connected to B: shortest paths with the triples along them",
         _graphcmd("add_path_arguments"), reads_store=True)
def path_command(args: argparse.Namespace, settings: Settings) -> int:
    return _graphcmd("path_command")(args, settings)


@command("gaps", "clusters least served (with reasons, rolled up the cluster hierarchy), schools "
         "with fewest partners, loosely tied entities", _graphcmd("add_gaps_arguments"),
         reads_store=True)
def gaps_command(args: argparse.Namespace, settings: Settings) -> int:
    return _graphcmd("gaps_command")(args, settings)


@command("matrix", "industry clusters × schools: majors by basis, as png, svg or csv",
         _graphcmd("add_matrix_arguments"), reads_store=True)
def matrix_command(args: argparse.Namespace, settings: Settings) -> int:
    return _graphcmd("matrix_command")(args, settings)


# --- synth ------------------------------------------------------------------------------


def _synth_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--schools", type=int, required=True, help="synthetic schools to generate")
    p.add_argument("--years", type=int, default=1, help="years of statistics (default 1)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", required=True, help="folder to write (never data/ttl)")


@command("synth", "write a synthetic data set (seed data + N synthetic schools) for scale tests",
         _synth_args)
def synth_command(args: argparse.Namespace, settings: Settings) -> int:
    import time
    from pathlib import Path

    from ..synth import synthesize

    out = Path(args.out).absolute()
    if out.resolve() == settings.data_dir.resolve():
        print("vetgraph synth: refusing to write into the data folder", file=sys.stderr)
        return EXIT_INPUT
    started = time.perf_counter()
    result = synthesize(out, args.schools, args.years, args.seed, settings)
    _print(
        f"wrote {len(result.files)} files to {out} in {time.perf_counter() - started:.1f} s: "
        f"{result.schools} synthetic schools, years {result.years[0]}-{result.years[-1]}\n"
        f"build with: vetgraph build --data-dir {out} --store STORE\n"
    )
    return EXIT_OK


# --- export -----------------------------------------------------------------------------


def _export_args(p: argparse.ArgumentParser) -> None:
    from .export import add_export_arguments

    add_export_arguments(p)


@command("export", "write the built store as Turtle, N-Triples, N-Quads, TriG, JSON-LD or RDF/XML",
         _export_args, reads_store=True)
def export_command(args: argparse.Namespace, settings: Settings) -> int:
    from .export import run_export

    return run_export(args, settings)


# the data steward's commands register themselves on import
from . import workbook  # noqa: E402,F401

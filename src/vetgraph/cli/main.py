"""The ``vetgraph`` command: parse arguments, call a module, print.

Adding a subcommand: in the module of its group (``data``, ``serve``, ``query``, ``network``,
``synth``, ``export``, ``workbook``) write ``def run(args, settings) -> int`` (its exit code) and
``add_arguments(parser)`` for its own flags, then list it at the end of this module with
:func:`_register`; the module is imported only when the command runs. Every subcommand also
gets the settings flags (``--root``, ``--store``, limits).

Exit codes: 0 success, 1 the data has violations, 2 unreadable input or bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..config import Settings
from .common import EXIT_INPUT, EXIT_VIOLATIONS

Run = Callable[[argparse.Namespace, Settings], int]
AddArguments = Callable[[argparse.ArgumentParser], None]



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
    from ..shacl.report import format_text

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


# --- the commands, in the order --help lists them -----------------------------------------


def lazy(module: str, name: str) -> Callable[..., Any]:
    """``name`` of ``vetgraph.cli.<module>``, imported on the first call: listing the commands
    (``--help``) loads no command module, and a command loads only its own group."""

    def hook(*args: Any) -> Any:
        return getattr(importlib.import_module(f"{__package__}.{module}"), name)(*args)

    hook.__name__ = name
    return hook


def _register(name: str, help: str, module: str, run: str, add_arguments: str | None = None,
              **flags: bool) -> None:
    command(name, help, lazy(module, add_arguments) if add_arguments else None, **flags)(
        lazy(module, run))


_register("validate", "check the sources against the SHACL shapes", "data",
          "validate_command", "_validate_args")
_register("build", "validate, then build the store atomically", "data", "build_command",
          "_build_args", remote=True)
_register("stats", "triples per graph, entities per class, observations per data set", "data",
          "stats_command", "_stats_args", reads_store=True)
_register("restore",
          "list the snapshots kept before destructive updates, or restore one atomically",
          "data", "restore_command", "_restore_args")
_register("serve", "serve the SPARQL endpoint, query editor and home page (waitress)", "serve",
          "run", "add_arguments", reads_store=True, remote=True)
_register("query", "run a named query, a .rq file or - (stdin); --list shows them", "query",
          "run_command", "add_arguments", reads_store=True)
_register("graph", "draw or export a graph view (html, png, svg, graphml, gexf, json); --list",
          "network", "graph_command", "add_graph_arguments", reads_store=True)
_register("path", "how is A connected to B: shortest paths with the triples along them",
          "network", "path_command", "add_path_arguments", reads_store=True)
_register("gaps", "clusters least served (with reasons, rolled up the cluster hierarchy), "
          "schools with fewest partners, loosely tied entities", "network", "gaps_command",
          "add_gaps_arguments", reads_store=True)
_register("matrix", "industry clusters × schools: majors by basis, as png, svg or csv",
          "network", "matrix_command", "add_matrix_arguments", reads_store=True)
_register("synth", "write a synthetic data set (seed data + N synthetic schools) for scale tests",
          "synth", "synth_command", "_synth_args")
_register("export", "write the built store as Turtle, N-Triples, N-Quads, TriG, JSON-LD or "
          "RDF/XML", "export", "run_export", "add_export_arguments", reads_store=True)
_register("template", "write the data steward's workbook (.xlsx) or CSV folder", "workbook",
          "template_command", "_template_args")
_register("import",
          "turn a workbook into validated Turtle files (nothing written on a violation)",
          "workbook", "import_command", "_import_args")
_register("import-table",
          "turn a report table (TSV with merged-cell artefacts) into long form", "workbook",
          "import_table_command", "_import_table_args")

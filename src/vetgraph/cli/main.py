"""The ``vetgraph`` command: a Click group that loads a command's module only when it runs.

Adding a command: in the module of its group (``data``, ``serve``, ``query``, ``network``,
``synth``, ``export``, ``workbook``) decorate ``def run(args, settings) -> int`` (its exit
code) with :func:`.common.command`, giving its own Click parameters; list it in
:data:`COMMANDS` with its short help, which ``vetgraph --help`` shows without importing the
module and the command's own help begins with. Every command also gets the options of the
settings registry (``--root``, ``--store``, limits; see :data:`vetgraph.config.REGISTRY`).

Exit codes: 0 success, 1 the data has violations, 2 unreadable input or bad usage.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from .. import __version__

#: name: (module, attribute, short help), in the order --help lists them.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": ("data", "validate", "check the sources against the SHACL shapes"),
    "build": ("data", "build", "validate, then build the store atomically"),
    "stats": ("data", "stats",
              "triples per graph, entities per class, observations per data set"),
    "restore": ("data", "restore", "list the snapshots kept before destructive updates, or "
                "restore one atomically; NAME: the snapshot to restore"),
    "serve": ("serve", "serve",
              "serve the SPARQL endpoint, query editor and home page (waitress)"),
    "query": ("query", "query", "run a named query, a .rq file or - (stdin); --list shows them"),
    "graph": ("network", "graph", "draw or export a graph view (html, png, svg, graphml, gexf, "
              "json); --list"),
    "path": ("network", "path",
             "how is A connected to B: shortest paths with the triples along them"),
    "gaps": ("network", "gaps", "clusters least served (with reasons, rolled up the cluster "
             "hierarchy), schools with fewest partners, loosely tied entities"),
    "matrix": ("network", "matrix",
               "industry clusters × schools: majors by basis, as png, svg or csv"),
    "synth": ("synth", "synth",
              "write a synthetic data set (seed data + N synthetic schools) for scale tests"),
    "export": ("export", "export_command", "write the built store as Turtle, N-Triples, "
               "N-Quads, TriG, JSON-LD or RDF/XML"),
    "template": ("workbook", "template",
                 "write the data steward's workbook (.xlsx) or CSV folder"),
    "import": ("workbook", "import_",
               "turn a workbook into validated Turtle files (nothing written on a violation)"),
    "import-table": ("workbook", "import_table",
                     "turn a report table (TSV with merged-cell artefacts) into long form"),
    # hidden: regenerates docs/cli.md from this group
    "cli-docs": ("docs", "cli_docs", "write docs/cli.md from the commands' help"),
}
HIDDEN = {"cli-docs"}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use; listing them imports nothing."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        return getattr(importlib.import_module(f"{__package__}.{module}"), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from :data:`COMMANDS`' short help: no command module loads."""
        rows = [(name, text) for name, (_, _, text) in COMMANDS.items() if name not in HIDDEN]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="vetgraph",
                      message="%(prog)s %(version)s")
def cli() -> None:
    """Knowledge graph of vocational education reports: validate, build, query."""


def main(argv: list[str] | None = None) -> int:
    """The console script: run ``argv`` (default ``sys.argv[1:]``), return the exit code."""
    try:
        result: Any = cli.main(args=argv, prog_name="vetgraph", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.Abort:
        click.echo("Aborted!", err=True)
        return 1
    return result if isinstance(result, int) else 0

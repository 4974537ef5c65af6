"""``vetgraph template``, ``import`` and ``import-table``: the data steward's workbooks.

Listed in :data:`vetgraph.cli.main.COMMANDS`; each command imports :mod:`vetgraph.workbook`
only when it runs (openpyxl is slow to import).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ..config import Settings
from .common import EXIT_OK, command, echo


@command("template", [
    click.Option(["--from-store"], is_flag=True,
                 help="fill every sheet with the current data (the Turtle the store is "
                 "built from: the store keeps 97.20 as 97.2)"),
    click.Option(["--out"], required=True, metavar="PATH",
                 help="FILE.xlsx for a workbook; any other path: a folder of UTF-8 CSV files"),
    click.Option(["--source"], metavar="IRI", help="the report IRI sources are written "
                 "relative to (default: the latest report in the data)"),
])
def template(args: Any, settings: Settings) -> int:
    import time
    from pathlib import Path

    from ..workbook.steward import make_template

    started = time.perf_counter()
    counts = make_template(settings, Path(args.out), args.from_store, args.source)
    echo(f"wrote {args.out}: {sum(counts.values())} rows in {len(counts)} sheets "
           f"in {time.perf_counter() - started:.1f} s\n")
    return EXIT_OK


@command("import", more="WORKBOOK: FILE.xlsx, or a folder of CSV files from `vetgraph "
         "template`", params=[
    click.Argument(["workbook"]),
    click.Option(["--out"], required=True, metavar="DIR",
                 help="folder for the Turtle files (one per sheet)"),
    click.Option(["--source"], metavar="IRI", help="the report IRI sources are relative to "
                 "(default: the workbook's report sheet, then its README, then the latest "
                 "report)"),
])
def import_(args: Any, settings: Settings) -> int:
    import time
    from pathlib import Path

    from ..workbook.steward import run_import

    started = time.perf_counter()
    outcome = run_import(settings, Path(args.workbook), Path(args.out), args.source)
    for line in outcome.errors:
        print(line, file=sys.stderr)
    if outcome.warnings:
        echo(f"{len(outcome.warnings)} warning(s) / 警告:\n"
               + "".join(f"  {w}\n" for w in outcome.warnings))
    if outcome.exit_code:
        print(f"vetgraph import: refused, nothing written ({len(outcome.errors)} problem(s)) / "
              "未写入任何文件", file=sys.stderr)
        return outcome.exit_code
    echo("".join(f"wrote {p}\n" for p in outcome.written)
           + f"imported in {time.perf_counter() - started:.1f} s\n")
    return EXIT_OK


@command("import-table", more="TABLE: a tab-separated block as copied from the report",
         params=[
    click.Argument(["table"]),
    click.Option(["--mapping"], required=True, metavar="FILE",
                 help="the mapping (JSON): see docs in vetgraph.workbook.table"),
    click.Option(["--out"], metavar="FILE",
                 help="FILE.csv (the statistics sheet) or FILE.ttl; default: preview"),
])
def import_table(args: Any, settings: Settings) -> int:
    from pathlib import Path

    from ..workbook.table import run_import_table

    return run_import_table(settings, Path(args.table), Path(args.mapping),
                            Path(args.out) if args.out else None)

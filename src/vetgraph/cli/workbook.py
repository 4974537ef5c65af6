"""``vetgraph template``, ``import`` and ``import-table``: the data steward's workbooks.

Listed in :data:`vetgraph.cli.main.COMMANDS`; each command imports :mod:`vetgraph.workbook`
only when it runs (openpyxl is slow to import).
"""

from __future__ import annotations

import argparse
import sys

from ..config import Settings
from .common import EXIT_OK, echo


def _template_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from-store", action="store_true",
                   help="fill every sheet with the current data (the Turtle the store is "
                   "built from: the store keeps 97.20 as 97.2)")
    p.add_argument("--out", required=True,
                   help="FILE.xlsx for a workbook; any other path: a folder of UTF-8 CSV files")
    p.add_argument("--source", help="the report IRI sources are written relative to "
                   "(default: the latest report in the data)")


def template_command(args: argparse.Namespace, settings: Settings) -> int:
    import time
    from pathlib import Path

    from ..workbook.steward import make_template

    started = time.perf_counter()
    counts = make_template(settings, Path(args.out), args.from_store, args.source)
    echo(f"wrote {args.out}: {sum(counts.values())} rows in {len(counts)} sheets "
           f"in {time.perf_counter() - started:.1f} s\n")
    return EXIT_OK


def _import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", help="FILE.xlsx, or a folder of CSV files from `vetgraph template`")
    p.add_argument("--out", required=True, help="folder for the Turtle files (one per sheet)")
    p.add_argument("--source", help="the report IRI sources are relative to (default: the "
                   "workbook's report sheet, then its README, then the latest report)")


def import_command(args: argparse.Namespace, settings: Settings) -> int:
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


def _import_table_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("table", help="a tab-separated block as copied from the report")
    p.add_argument("--mapping", required=True, help="the mapping (JSON): see docs in "
                   "vetgraph.workbook.table")
    p.add_argument("--out", help="FILE.csv (the statistics sheet) or FILE.ttl; default: preview")


def import_table_command(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from ..workbook.table import run_import_table

    return run_import_table(settings, Path(args.table), Path(args.mapping),
                            Path(args.out) if args.out else None)

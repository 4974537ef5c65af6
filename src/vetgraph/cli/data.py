"""``vetgraph validate``, ``build``, ``stats`` and ``restore``: the data steward's checks and
the store's life cycle. Each command imports what it runs."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..config import Settings
from .common import EXIT_INPUT, EXIT_OK, EXIT_VIOLATIONS, command, echo

# --- validate ---------------------------------------------------------------------------


@command("validate", [
    click.Option(["--format"], type=click.Choice(["text", "json", "ttl"]), default="text",
                 show_default=True, help="the report's format"),
])
def validate(args: Any, settings: Settings) -> int:
    from ..shacl.report import FORMATTERS
    from ..shacl.validate import validate

    report = validate(settings)
    echo(FORMATTERS[args.format](report))
    return EXIT_OK if report.conforms else EXIT_VIOLATIONS


# --- build ------------------------------------------------------------------------------


@command("build", [
    click.Option(
        ["--backend"], type=click.Choice(["oxigraph", "remote"]), default="oxigraph",
        help="oxigraph: build --store atomically (default); remote: replace the named graphs "
        "of the SPARQL store at --endpoint/--update-endpoint",
    ),
], remote=True)
def build(args: Any, settings: Settings) -> int:
    from ..build import BuildRefused, build_remote, build_store
    from ..shacl.report import format_text

    if getattr(args, "backend", "oxigraph") == "remote":
        try:
            counts, report, version = build_remote(settings)
        except BuildRefused as refused:
            echo(format_text(refused.report))
            print("vetgraph build: refused, the remote store was not changed", file=sys.stderr)
            return EXIT_VIOLATIONS
        echo(
            f"loaded {settings.remote_update_endpoint or settings.remote_endpoint}\n"
            f"version {version}, {sum(counts.values())} triples in {len(counts)} graphs\n"
        )
        return EXIT_OK
    try:
        outcome = build_store(settings)
    except BuildRefused as refused:
        echo(format_text(refused.report))
        print("vetgraph build: refused, the store was not changed", file=sys.stderr)
        return EXIT_VIOLATIONS
    m = outcome.manifest
    warnings = outcome.report.counts.get("Warning", 0)
    echo(
        f"built {outcome.store_dir} -> {outcome.version_dir.name}\n"
        f"version {m['version']}, {m['triples']} triples"
        + (f", {warnings} warning(s): see `vetgraph validate`" if warnings else "")
        + "\n"
    )
    return EXIT_OK


# --- stats ------------------------------------------------------------------------------


@command("stats", [
    click.Option(["--format"], type=click.Choice(["text", "json"]), default="text",
                 show_default=True, help="plain text or JSON"),
], reads_store=True)
def stats(args: Any, settings: Settings) -> int:
    from .. import stats as counting
    from ..store import open_store

    store = open_store(settings)
    try:
        echo(counting.FORMATTERS[args.format](counting.collect(store)))
    finally:
        store.close()
    return EXIT_OK


# --- restore ----------------------------------------------------------------------------


@command("restore", [
    click.Argument(["name"], required=False),
])
def restore(args: Any, settings: Settings) -> int:
    from ..updates import RestoreError, list_snapshots, restore_snapshot

    if not args.name:
        snapshots = list_snapshots(settings.store_dir)
        if not snapshots:
            echo(f"no snapshots of {settings.store_dir}\n")
            return EXIT_OK
        echo("".join(
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
    echo(f"restored {args.name}: {settings.store_dir} -> {target.name}\n")
    return EXIT_OK

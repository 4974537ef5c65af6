"""``vetgraph query``: run a named query, a ``.rq`` file or stdin, and print the answer.

Tables align Chinese text by display width (East Asian wide and full-width characters take two
columns), so a terminal shows the report's names in straight columns. CSV, TSV and JSON are the
SPARQL results formats, the same bytes the API sends.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import click
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ..config import Settings
from ..queries import (
    NamedQuery,
    ParameterError,
    QueryFileError,
    UnknownQuery,
    compact,
    load_catalogue,
    parse_assignments,
    prefixes,
    resolve,
    run,
)
from ..store import QueryError, QueryResult, StoreError, open_store
from ..store.base import serialize_result
from .common import command

FORMATS = ("table", "csv", "tsv", "json")
_RESULT_MIMES = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "json": "application/sparql-results+json",
}
_GRAPH_MIMES = {"table": "text/turtle", "json": "application/ld+json"}
EXIT_OK, EXIT_INPUT = 0, 2


def display_width(text: str) -> int:
    """Terminal columns of ``text``: wide/full-width characters take 2, combining marks 0."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns separated by two spaces, a rule under the header, aligned by display width."""
    widths = [display_width(h) for h in header]
    for row in rows:
        widths = [max(w, display_width(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


def cell(term: Node | None, known: Mapping[str, str]) -> str:
    """A term as a person reads it: compact IRIs, literal values without quotes or tags."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return compact(str(term), known)
    if isinstance(term, BNode):
        return f"_:{term}"
    assert isinstance(term, Literal)
    return " ".join(str(term).split())  # one line per row


def render(
    result: QueryResult, query: NamedQuery, fmt: str, known: Mapping[str, str] | None = None
) -> bytes:
    """The answer in the chosen format; a graph answer is Turtle (table) or JSON-LD (json)."""
    if result.kind == "graph":
        mime = _GRAPH_MIMES.get(fmt)
        if mime is None:
            raise QueryError(
                f"a {query.form} query answers in RDF: "
                "use --format table (Turtle) or json (JSON-LD)"
            )
        return serialize_result(result, mime)
    if fmt != "table":
        return serialize_result(result, _RESULT_MIMES[fmt])
    if result.kind == "boolean":
        return b"true\n" if result.boolean else b"false\n"
    known = {**(known or {}), **prefixes(query.text)}
    rows = [[cell(t, known) for t in row] for row in result.rows]
    text = format_table(result.variables, rows)
    note = f"({len(rows)} row{'s' if len(rows) != 1 else ''}"
    note += ", truncated)" if result.truncated else ")"
    return (text + note + "\n").encode()


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` display columns: breaks at spaces, or between wide characters."""
    words: list[str] = []
    for token in text.split():
        run = ""
        for char in token:  # a wide character may end a line on its own
            if display_width(char) == 2:
                if run:
                    words.append(run)
                words.append(char)
                run = ""
            else:
                run += char
        if run:
            words.append(run)
        words.append(" ")
    lines, line = [], ""
    for word in words[:-1]:
        if word == " ":
            line += " " if line else ""
        elif display_width(line + word) > width and line.strip():
            lines.append(line.rstrip())
            line = word
        else:
            line += word
    if line.strip():
        lines.append(line.rstrip())
    return lines


#: Width of ``vetgraph query --list`` (and its wrapped summaries), for an 100-column terminal.
LIST_WIDTH = 100


def list_queries(settings: Settings) -> str:
    """One block a query: name, form and parameters, then both summaries wrapped and indented."""
    catalogue = load_catalogue(settings)
    name_width = max(len(q.name) for q in catalogue)
    blocks = []
    for q in catalogue:
        params = ", ".join(p.name for p in q.params) or "-"
        lines = [f"{q.name:<{name_width}}  {q.form:<9}  parameters: {params}".rstrip()]
        for summary in (q.summary_zh, q.summary_en):
            lines += ["    " + line for line in wrap(summary, LIST_WIDTH - 4)]
        blocks.append("\n".join(lines) + "\n")
    return "".join(blocks)


@command("query", more="QUERY: a query name (see --list), a .rq file, or - for stdin",
         params=[
    click.Argument(["query"], required=False),
    click.Option(["-p", "--param"], multiple=True, metavar="NAME=VALUE",
                 help="a parameter value (repeat for several)"),
    click.Option(["--format"], type=click.Choice(FORMATS), default="table", show_default=True,
                 help="a table for people, or a SPARQL results format"),
    click.Option(["--list"], is_flag=True, help="list the named queries and exit"),
    click.Option(["--backend"], type=click.Choice(("oxigraph", "memory")), default="oxigraph",
                 help="oxigraph: the built store (default); memory: read the sources, no build "
                 "needed"),
], reads_store=True)
def query(args: Any, settings: Settings) -> int:
    """The subcommand: exit 0 on an answer, 2 with a message naming the culprit otherwise."""
    try:
        if args.list:
            sys.stdout.write(list_queries(settings))
            return EXIT_OK
        if not args.query:
            raise UnknownQuery("give a query name, a .rq file or -; see `vetgraph query --list`")
        stdin_text = sys.stdin.read() if args.query == "-" else None
        query = resolve(settings, args.query, stdin_text)
        given = parse_assignments(args.param)
        store = open_store(settings, args.backend)
        try:
            result = run(store, query, given, max_rows=settings.max_rows)
            known = dict(getattr(store, "prefixes", None) or {})
        finally:
            store.close()
        body = render(result, query, args.format, known)
    except UnknownQuery as exc:
        name = exc.args[0] if exc.args else ""
        hint = name if name.startswith("give") else f"no query named {name!r}: see --list"
        print(f"vetgraph query: {hint}", file=sys.stderr)
        return EXIT_INPUT
    except (ParameterError, QueryFileError) as exc:
        print(f"vetgraph query: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except StoreError as exc:
        print(f"vetgraph query: {exc}", file=sys.stderr)
        return EXIT_INPUT
    sys.stdout.buffer.write(body)
    if result.truncated and args.format != "table":
        print(f"vetgraph query: truncated at {settings.max_rows} rows", file=sys.stderr)
    sys.stdout.flush()
    return EXIT_OK

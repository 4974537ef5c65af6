"""Static checks on SPARQL text before any engine sees it.

Neither rdflib nor pyoxigraph can be told not to reach outside: both follow SERVICE, and rdflib
fetches FROM / LOAD IRIs. pyoxigraph's parser also crashes the process on a few thousand nested
brackets. So every request passes two gates:

1. :func:`check_text` (cheap, in the web process): size in bytes and bracket nesting depth, counted
   outside strings, IRIs and comments; plus a keyword scan for SERVICE and LOAD.
2. :func:`check_query` / :func:`check_update` (in a query worker, where a slow or crashing parse
   costs only that request): rdflib's SPARQL parser, then a walk over the parse tree refusing
   SERVICE, LOAD, and FROM / FROM NAMED / USING / protocol dataset IRIs that are not graphs in the
   store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..sparql_text import scan

#: Query form → the kind of result it gives (as in the store's QueryResult.kind).
FORM_KINDS = {
    "SelectQuery": ("SELECT", "bindings"),
    "AskQuery": ("ASK", "boolean"),
    "ConstructQuery": ("CONSTRUCT", "graph"),
    "DescribeQuery": ("DESCRIBE", "graph"),
}

#: Keywords that reach outside the store. Not preceded or followed by name characters, so
#: ``?service``, ``ex:load`` and ``load:x`` are not matched.
_FORBIDDEN = re.compile(r"(?<![\w?$:.\-\\])(SERVICE|LOAD)(?![\w:\-])", re.IGNORECASE)


@dataclass
class Refusal(Exception):
    """A request the endpoint will not evaluate; ``status`` is the HTTP status to answer with."""

    message: str
    status: int = 400
    reason: str = "refused"
    line: int | None = None
    column: int | None = None
    context: str | None = None

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Exceptions pickle through ``args``, which a dataclass leaves empty; workers send these.
        fields = (self.message, self.status, self.reason, self.line, self.column, self.context)
        return (type(self), fields)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.reason, "message": self.message}
        if self.line is not None:
            out["line"] = self.line
            out["column"] = self.column
        if self.context is not None:
            out["context"] = self.context
        return out

    def as_text(self) -> str:
        text = self.message
        if self.context is not None and self.column is not None:
            text += f"\n\n{self.context}\n{' ' * (self.column - 1)}^"
        return text + "\n"


@dataclass(frozen=True)
class TextStats:
    """What the cheap scan found."""

    length: int
    max_depth: int


def check_text(text: str, *, max_length: int, max_depth: int) -> TextStats:
    """Refuse over-long or too deeply nested text and SERVICE / LOAD before parsing anything."""
    length = len(text.encode("utf-8"))
    if length > max_length:
        raise Refusal(f"query is {length} bytes; the limit is {max_length} bytes", 413, "too-long")
    depth = deepest = 0
    bare: list[str] = []
    for kind, token in scan(text):
        if kind == "open":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > max_depth:
                    raise Refusal(
                        f"query nests brackets deeper than {max_depth} levels",
                        400,
                        "too-deep",
                    )
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif kind == "other":
            bare.append(token)
        else:
            bare.append(" ")
    found = _FORBIDDEN.search("".join(bare))
    if found:
        keyword = found.group(1).upper()
        raise Refusal(_outside_message(keyword), 400, f"{keyword.lower()}-refused")
    return TextStats(length, deepest)


def _outside_message(keyword: str) -> str:
    if keyword == "SERVICE":
        return "SERVICE is not allowed: this endpoint does not query other endpoints"
    return "LOAD is not allowed: this endpoint does not fetch data from the web or files"


@dataclass
class CheckedQuery:
    """A query that passed the guard: its form, result kind and the dataset IRIs it names."""

    form: str
    kind: str
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)


def _syntax_refusal(error: Exception, text: str) -> Refusal:
    line = getattr(error, "lineno", None)
    column = getattr(error, "col", None)
    message = getattr(error, "msg", None) or str(error)
    context = None
    if line is not None:
        lines = text.splitlines() or [""]
        context = lines[line - 1] if 0 < line <= len(lines) else ""
        found = getattr(error, "found", None) or ""
        where = f" at line {line}, column {column}"
        message = f"syntax error{where}: {message}" + (f" (found {found})" if found else "")
    else:
        message = f"syntax error: {message}"
    return Refusal(message, 400, "syntax-error", line, column, context)


def _walk(node: Any) -> Iterator[Any]:
    """Every CompValue below node (parse results nest lists, ParseResults and CompValues)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(dict.values(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)) or type(item).__name__ == "ParseResults":
            stack.extend(list(item))


def _iri(value: Any, prologue: Any) -> str:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(value, CompValue) or hasattr(value, "n3"):
        try:
            return str(prologue.absolutize(value))
        except Exception as error:  # an undeclared prefix
            raise Refusal(f"cannot resolve graph IRI: {error}", 400, "syntax-error") from error
    return str(value)


def _check_graphs(iris: Iterable[str], allowed: set[str], what: str) -> None:
    for iri in iris:
        if iri not in allowed:
            known = ", ".join(f"<{g}>" for g in sorted(allowed))
            raise Refusal(
                f"{what} <{iri}> is not a graph in this store; the graphs are: {known}",
                400,
                "unknown-graph",
            )


def check_protocol_graphs(
    default_graph_uris: Iterable[str], named_graph_uris: Iterable[str], allowed: set[str]
) -> None:
    """default-graph-uri / named-graph-uri must name graphs already in the store."""
    _check_graphs(default_graph_uris, allowed, "default-graph-uri")
    _check_graphs(named_graph_uris, allowed, "named-graph-uri")


def check_query(text: str, allowed_graphs: set[str]) -> CheckedQuery:
    """Parse with rdflib and refuse anything that would reach outside the store."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.algebra import translatePrologue
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parsed = parseQuery(text)
    except ParseBaseException as error:
        raise _syntax_refusal(error, text) from error
    except RecursionError as error:
        raise Refusal("query is nested too deeply to parse", 400, "too-deep") from error
    except Exception as error:  # rdflib raises plain exceptions for some bad input
        raise Refusal(f"syntax error: {error}", 400, "syntax-error") from error
    prologue_part, body = parsed[0], parsed[1]
    prologue = translatePrologue(prologue_part, None)
    for node in _walk(body):
        if node.name == "ServiceGraphPattern":
            raise Refusal(_outside_message("SERVICE"), 400, "service-refused")
    form, kind = FORM_KINDS[body.name]
    checked = CheckedQuery(form, kind)
    for clause in dict.get(body, "datasetClause") or []:
        if dict.get(clause, "default") is not None:
            checked.from_graphs.append(_iri(dict.get(clause, "default"), prologue))
        if dict.get(clause, "named") is not None:
            checked.from_named_graphs.append(_iri(dict.get(clause, "named"), prologue))
    _check_graphs(checked.from_graphs, allowed_graphs, "FROM")
    _check_graphs(checked.from_named_graphs, allowed_graphs, "FROM NAMED")
    return checked


def check_update(text: str, allowed_graphs: set[str]) -> list[str]:
    """Parse an update with rdflib; refuse LOAD, SERVICE and USING of graphs not in the store.

    Returns the operation names (e.g. ``InsertData``, ``Modify``) for the log.
    """
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.algebra import translatePrologue
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parsed = parseUpdate(text)
    except ParseBaseException as error:
        raise _syntax_refusal(error, text) from error
    except RecursionError as error:
        raise Refusal("update is nested too deeply to parse", 400, "too-deep") from error
    except Exception as error:
        raise Refusal(f"syntax error: {error}", 400, "syntax-error") from error
    operations: list[str] = []
    prologue = None
    requests = dict.get(parsed, "request") or []
    prologues = dict.get(parsed, "prologue") or []
    for prologue_part, operation in zip(prologues, requests, strict=False):
        prologue = translatePrologue(prologue_part, None, None, prologue)
        operations.append(operation.name)
        for node in _walk(operation):
            if node.name == "Load":
                raise Refusal(_outside_message("LOAD"), 400, "load-refused")
            if node.name == "ServiceGraphPattern":
                raise Refusal(_outside_message("SERVICE"), 400, "service-refused")
        for clause in dict.get(operation, "using") or []:
            for key, what in (("default", "USING"), ("named", "USING NAMED")):
                if dict.get(clause, key) is not None:
                    _check_graphs([_iri(dict.get(clause, key), prologue)], allowed_graphs, what)
    return operations

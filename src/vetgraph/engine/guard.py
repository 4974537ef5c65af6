"""Static checks on SPARQL text before any engine sees it.

Neither rdflib nor pyoxigraph can be told not to reach outside: both follow SERVICE, and rdflib
fetches FROM / LOAD IRIs. pyoxigraph's parser also crashes the process on a few thousand nested
brackets or a flat path of 12,000 alternatives, and rdflib's parser takes seconds on a few
thousand operators. So every request passes two gates, both decided on the tokens the engine
reads (:mod:`vetgraph.engine.lexer`, a lexer tested against pyoxigraph's own reading):

1. :func:`check_text` (in the web process, linear time): size in bytes; then, on every engine's
   reading of the text (Oxigraph's; rdflib's where comments or ``\\u`` escapes make it differ),
   bracket nesting depth, SERVICE and LOAD (as keywords, or as the prefix of a name, which a PEG
   parser reads as the keyword), and the costs of :class:`CostLimits`.
2. :func:`read_query` (in a query worker): the query form and its FROM / FROM NAMED graphs from
   the same tokens, refusing graphs that are not in the store. The memory backend, whose engine
   is rdflib, also runs :func:`check_query` (rdflib's parse and a walk over its tree);
   :func:`check_update` does the same for updates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .lexer import Token, after_group, readings

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
class CostLimits:
    """Bounds on what a query may contain, counted before any parser runs (Settings fields)."""

    max_operators: int = 2_000
    max_alternatives: int = 1_000
    max_unions: int = 500
    max_patterns: int = 2_000

    @classmethod
    def from_settings(cls, settings: Any) -> CostLimits:
        return cls(
            settings.max_query_operators,
            settings.max_query_alternatives,
            settings.max_query_unions,
            settings.max_query_patterns,
        )


#: Each cost: its index among the counts, its name in messages, the CostLimits field and the
#: flag that sets it; the most specific first (an alternative is also an operator).
_COSTS = (
    (1, "path alternatives ('|')", "max_alternatives", "--max-query-alternatives"),
    (2, "UNION branches", "max_unions", "--max-query-unions"),
    (3, "triple patterns and clauses", "max_patterns", "--max-query-patterns"),
    (0, "operators", "max_operators", "--max-query-operators"),
)


@dataclass(frozen=True)
class TextStats:
    """What the linear pre-scan found (the largest count over the engines' readings)."""

    length: int
    max_depth: int
    operators: int = 0
    alternatives: int = 0
    unions: int = 0
    patterns: int = 0


_OUTSIDE = {"SERVICE": "service-refused", "LOAD": "load-refused"}
#: Keywords that each add a level to Oxigraph's algebra (a pattern or clause).
_CLAUSES = frozenset({"FILTER", "BIND", "OPTIONAL", "MINUS", "GRAPH", "VALUES", "AS"})
_TERMS = frozenset({"iri", "pname", "var"})


def _position(text: str, offset: int) -> tuple[int, int, str]:
    """Line, column (1-based) and the line's text at ``offset``."""
    line = text.count("\n", 0, offset) + 1
    begin = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return line, offset - begin + 1, text[begin : end if end >= 0 else len(text)]


def _scan(
    found: list[Token], *, max_depth: int, update: bool
) -> tuple[tuple[int, int, int, int, int], Token | None]:
    """Depth, operators, alternatives, unions, patterns of one reading, and its first token
    that starts no terminal; refuses SERVICE / LOAD and depth on the way."""
    depth = deepest = operators = alternatives = unions = patterns = 0
    stray: Token | None = None
    describing = False  # between DESCRIBE and its WHERE clause: each term is a pattern
    for kind, token, start in found:
        if describing and kind in _TERMS:
            patterns += 1
        if kind == "open":
            depth += 1
            patterns += token == "{"
            describing = describing and token != "{"
            if depth > deepest:
                deepest = depth
                if deepest > max_depth:
                    raise Refusal(
                        f"query nests brackets deeper than {max_depth} levels", 400, "too-deep"
                    )
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif kind == "op":
            operators += 1
            alternatives += token == "|"
        elif kind == "punct":
            patterns += token in ".;,"
        elif kind == "number":
            operators += token[0] in "+-"  # 1+1 is read as 1 and +1: an addition
        elif kind == "word":
            keyword = token.upper()
            if keyword in _OUTSIDE:
                raise Refusal(_outside_message(keyword), 400, _OUTSIDE[keyword])
            unions += keyword == "UNION"
            patterns += keyword in _CLAUSES
            if keyword == "DESCRIBE":
                describing = True
            elif keyword in ("WHERE", "FROM"):
                describing = False
        elif kind == "pname":
            # ``SERVICE:x {…}`` is SERVICE and the IRI ``:x`` to Oxigraph's parser.
            prefix = token.partition(":")[0].upper()
            if prefix == "SERVICE" or (update and prefix == "LOAD"):
                raise Refusal(_outside_message(prefix), 400, _OUTSIDE[prefix])
        elif kind == "error" and stray is None:
            stray = Token(kind, token, start)
    return (deepest, operators, alternatives, unions, patterns), stray


def _stray_refusal(text: str, stray: Token) -> Refusal:
    line, column, context = _position(text, stray.start)
    what = "a string that is not closed" if stray.text[0] in "\"'" else repr(stray.text[:1])
    message = f"syntax error at line {line}, column {column}: {what}"
    return Refusal(message, 400, "syntax-error", line, column, context)


def check_text(
    text: str,
    *,
    max_length: int,
    max_depth: int,
    costs: CostLimits | None = None,
    update: bool = False,
) -> TextStats:
    """Refuse over-long, too deep or too costly text and SERVICE / LOAD before any parser.

    Linear in the text: no query under ``max_length`` costs the guard more than a lexer pass
    per engine reading (bench/guard_bench.py measures it).
    """
    length = len(text.encode("utf-8"))
    if length > max_length:
        raise Refusal(f"query is {length} bytes; the limit is {max_length} bytes", 413, "too-long")
    costs = costs or CostLimits()
    totals = [0, 0, 0, 0, 0]
    strays: list[Token | None] = []
    for found in readings(text):
        counts, stray = _scan(found, max_depth=max_depth, update=update)
        totals = [max(a, b) for a, b in zip(totals, counts, strict=True)]
        strays.append(stray)
    if strays[0] is not None:  # Oxigraph's reading: the engine would refuse it too
        raise _stray_refusal(text, strays[0])
    stats = TextStats(length, *totals)
    for index, name, field_name, flag in _COSTS:
        count, limit = totals[1 + index], getattr(costs, field_name)
        if count > limit:
            raise Refusal(
                f"query has {count} {name}; the limit is {limit} ({flag})", 400, "too-costly"
            )
    return stats


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


_FORMS = {"SELECT": "SelectQuery", "ASK": "AskQuery", "CONSTRUCT": "ConstructQuery"}
_FORMS["DESCRIBE"] = "DescribeQuery"
_PLX_ESCAPE = re.compile(r"\\(.)")
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _iri_text(token: str) -> str:
    """The IRI of an IRIREF token, its ``\\u`` escapes decoded (as Oxigraph does)."""
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token[1:-1])


def read_query(text: str, allowed_graphs: set[str]) -> CheckedQuery:
    """The form and the FROM / FROM NAMED graphs of a query, from the tokens Oxigraph reads.

    No parser runs: the engine parses the query itself, and its syntax errors are answered
    as such. Refuses graphs that are not in the store (as :func:`check_query` does).
    """
    from urllib.parse import urljoin

    from .lexer import tokens

    found = tokens(text, keep_space=False)
    prefixes: dict[str, str] = {}
    base = ""
    form = None
    checked = CheckedQuery("", "")
    index = 0

    def resolve(token: Token) -> str:
        if token.kind == "iri":
            iri = _iri_text(token.text)
            return urljoin(base, iri) if base else iri
        if token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            if prefix not in prefixes:
                raise Refusal(f"the prefix {prefix}: is not declared", 400, "syntax-error")
            return prefixes[prefix] + _PLX_ESCAPE.sub(r"\1", local)
        raise Refusal(f"syntax error: a graph IRI was expected, not {token.text!r}", 400,
                      "syntax-error")

    while index < len(found):
        kind, token, _ = found[index]
        keyword = token.upper() if kind == "word" else ""
        if form is None and keyword == "BASE" and index + 1 < len(found):
            base = urljoin(base, _iri_text(found[index + 1].text)) if base else _iri_text(
                found[index + 1].text
            )
            index += 2
            continue
        if form is None and keyword == "PREFIX" and index + 2 < len(found):
            name = found[index + 1].text.partition(":")[0]
            prefixes[name] = resolve(found[index + 2])
            index += 3
            continue
        if form is None and keyword in _FORMS:
            form = keyword
            if form == "CONSTRUCT" and index + 1 < len(found) and found[index + 1].text == "{":
                index = after_group(found, index + 1)  # the template; FROM may follow it
                continue
        elif form is not None and keyword == "FROM" and index + 1 < len(found):
            named = found[index + 1].text.upper() == "NAMED"
            target = found[index + 2] if named and index + 2 < len(found) else found[index + 1]
            graphs = checked.from_named_graphs if named else checked.from_graphs
            graphs.append(resolve(target))
            index += 3 if named else 2
            continue
        elif form is not None and kind == "open" and token == "{":
            break  # FROM comes before the WHERE clause
        index += 1
    if form is None:
        raise Refusal(
            "syntax error: the query has no SELECT, ASK, CONSTRUCT or DESCRIBE", 400,
            "syntax-error"
        )
    checked.form, checked.kind = FORM_KINDS[_FORMS[form]]
    _check_graphs(checked.from_graphs, allowed_graphs, "FROM")
    _check_graphs(checked.from_named_graphs, allowed_graphs, "FROM NAMED")
    return checked


def explain_syntax_error(
    text: str, engine_message: str | None, budget: float = 0.5
) -> Refusal | None:
    """A syntax error the engine found, with rdflib's line, column and context when its parser
    finds the error within ``budget`` seconds (its parse can take far longer on long text);
    otherwise the engine's own message (None without one: no error found in the budget).
    Uses SIGALRM: call it in a worker's main thread."""
    import signal

    class OutOfTime(BaseException):  # not an Exception: check_query must not catch it
        pass

    def out_of_time(signum: int, frame: Any) -> None:
        raise OutOfTime

    previous = signal.signal(signal.SIGALRM, out_of_time)
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        check_query(text, set())
    except Refusal as refusal:
        if refusal.reason == "syntax-error":
            return refusal
    except OutOfTime:
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return None if engine_message is None else Refusal(engine_message, 400, "syntax-error")

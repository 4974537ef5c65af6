"""The named-query catalogue: ``queries/*.rq`` with ``#+`` decorators, and safe parameters.

A query file starts with a header of lines beginning ``#+``; with that marker stripped the header
is YAML (see ``queries/README.md``). Parameters are SPARQL variables given values by the store
(pyoxigraph substitutions, rdflib initBindings), never by editing the query text, so no value can
change what a query asks. Every surface (API, CLI, the editor's tabs) reads this module.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml
from rdflib import XSD, Literal, URIRef
from rdflib.term import Node

from .config import Settings
from .namespaces import sparql_prologue
from .store.base import EXISTS_QUERY, QueryResult, Store, to_oxigraph

PARAMETER_TYPES = ("iri", "string", "integer", "decimal", "year", "language", "enum")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_QUERY_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_YEAR = re.compile(r"^[0-9]{4}$")
_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_PREFIX_DECL = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>\s]*)>", re.IGNORECASE)
MAX_STRING = 200  # characters of a string parameter


class QueryFileError(ValueError):
    """A query file that cannot be used; ``str()`` is ``path:line: message``."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
        self.path, self.line, self.message = Path(path), line, message


class UnknownQuery(LookupError):
    """No query of that name in the catalogue."""


class ParameterError(ValueError):
    """A parameter value the query cannot take: names the parameter and what was expected."""

    def __init__(self, parameter: str, message: str, expected: str | None = None):
        super().__init__(f"parameter {parameter!r}: {message}")
        self.parameter, self.message, self.expected = parameter, message, expected

    def as_dict(self) -> dict[str, Any]:
        out = {"error": "bad-parameter", "parameter": self.parameter, "message": str(self)}
        if self.expected:
            out["expected"] = self.expected
        return out


@dataclass(frozen=True)
class Parameter:
    """One typed parameter; ``var`` is the SPARQL variable it gives a value to."""

    name: str
    type: str
    var: str
    required: bool = False
    default: str | None = None
    values: tuple[str, ...] = ()
    base: str | None = None  # iri/enum: a value that is a slug is read as base + slug
    cls: str | None = None  # iri: the class (or a superclass) the resource must have
    minimum: int | None = None
    maximum: int | None = None
    example: str | None = None
    description: str = ""

    def expected(self) -> str:
        """What a valid value looks like, in words (for 400 answers and docs)."""
        if self.type == "iri":
            text = "an IRI"
            if self.base:
                text += f" (or a slug under {self.base})"
            return text + (f" of a resource of class <{self.cls}>" if self.cls else "")
        if self.type == "enum":
            return "one of " + ", ".join(self.values)
        bounds = ""
        if self.minimum is not None or self.maximum is not None:
            bounds = f" from {self.minimum if self.minimum is not None else '…'}"
            bounds += f" to {self.maximum if self.maximum is not None else '…'}"
        return {
            "string": f"a text of at most {MAX_STRING} characters",
            "integer": "an integer" + bounds,
            "decimal": "a decimal number such as 2.5" + bounds,
            "year": "a four-digit year such as 2024" + bounds,
            "language": "a language tag such as zh or en",
        }[self.type]

    def convert(self, raw: str) -> Node:
        """The RDF term for a raw text value, or :class:`ParameterError`."""
        bad = ParameterError(self.name, f"{raw!r} is not {self.expected()}", self.expected())
        if self.type == "string":  # taken as written: spaces may matter in a name
            if raw == "" or len(raw) > MAX_STRING:
                raise bad
            return Literal(raw)
        value = raw.strip()
        if value == "":
            raise ParameterError(self.name, "is empty", self.expected())
        if self.type == "iri":
            return URIRef(self._iri(value, bad))
        if self.type == "enum":
            if value not in self.values:
                raise bad
            return URIRef(self.base + value) if self.base else Literal(value)
        if self.type == "language":
            if not _LANGUAGE.match(value):
                raise bad
            return Literal(value.lower())
        if self.type == "decimal":
            if not _DECIMAL.match(value):
                raise bad
            try:
                number: Decimal | int = Decimal(value)
            except InvalidOperation:
                raise bad from None
            self._check_range(number, bad)
            return Literal(value, datatype=XSD.decimal)
        pattern = _YEAR if self.type == "year" else _INTEGER
        if not pattern.match(value):
            raise bad
        self._check_range(int(value), bad)
        if self.type == "year":
            return Literal(value, datatype=XSD.gYear)
        return Literal(str(int(value)), datatype=XSD.integer)

    def _iri(self, value: str, bad: ParameterError) -> str:
        if self.base and _SLUG.match(value):
            value = self.base + value
        if ":" not in value:
            raise bad
        try:
            ox.NamedNode(value)  # Oxigraph's IRI parser: strict RFC 3987
        except ValueError:
            raise bad from None
        return value

    def _check_range(self, number: Decimal | int, bad: ParameterError) -> None:
        if self.minimum is not None and number < self.minimum:
            raise bad
        if self.maximum is not None and number > self.maximum:
            raise bad

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "variable": self.var,
            "required": self.required,
            "description": self.description,
            "expected": self.expected(),
        }
        for key, value in (
            ("default", self.default),
            ("values", list(self.values) or None),
            ("base", self.base),
            ("class", self.cls),
            ("minimum", self.minimum),
            ("maximum", self.maximum),
            ("example", self.example),
        ):
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class NamedQuery:
    """A query of the catalogue (or an ad-hoc one from a file or stdin, with ``name`` ``-``)."""

    name: str
    text: str
    form: str  # SELECT, CONSTRUCT, ASK or DESCRIBE
    variables: tuple[str, ...] = ()  # SELECT projection
    summary_zh: str = ""
    summary_en: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    params: tuple[Parameter, ...] = ()
    answer: Mapping[str, Any] = field(default_factory=dict)
    path: Path | None = None
    bind: str = "substitute"  # header ``bind:``: substitute, values-first or inline

    @property
    def summary(self) -> str:
        """One line, both languages (grlc's ``summary``)."""
        parts = [s for s in (self.summary_zh, self.summary_en) if s]
        return " / ".join(parts) or self.name

    def prepared(self, bindings: Mapping[str, Node]) -> tuple[str, Mapping[str, Node]]:
        """The text and bindings to evaluate, as the header's ``bind:`` says.

        - ``substitute`` (the default): the values travel as bindings (on Oxigraph a
          substitution, which it applies after evaluating the patterns);
        - ``values-first``: ``VALUES`` blocks opening the WHERE group and the group of every
          subquery that projects them, which Oxigraph evaluates first: majors-by-school at
          1,000 schools 30 ms → 2 ms, partners-by-school (counts in per-school subqueries)
          69 → 2 ms;
        - ``inline``: the values written into the text as constants
          (:func:`~vetgraph.engine.lexer.inline_terms`), which the planner can use inside an
          OPTIONAL too: training-bases-by-cluster 27 ms → 1 ms.

        Neither is the default: either made other queries slower (change-table 2 ms → 10 s with
        values-first), so each query is timed every way before it opts in.
        """
        if self.bind == "substitute" or not bindings:
            return self.text, bindings
        from .engine.lexer import inline_terms, insert_at, select_groups
        from .store.remote import values_block, with_values

        if self.bind == "inline":
            terms = {name: str(to_oxigraph(term)) for name, term in bindings.items()}
            inlined = inline_terms(self.text, terms)
            if inlined is not None:  # checked when the file was read; a guard, not a path
                return inlined, {}
        text = self.text if self.form == "SELECT" else with_values(self.text, bindings, first=True)
        inserts = []
        for offset, projected in select_groups(text):
            own = {n: v for n, v in bindings.items() if projected is None or n in projected}
            if own:
                inserts.append((offset, f"\n  {values_block(own)}\n"))
        return insert_at(text, inserts), {}

    def param(self, name: str) -> Parameter:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": {"zh": self.summary_zh, "en": self.summary_en},
            "description": self.description,
            "tags": list(self.tags),
            "form": self.form,
            "variables": list(self.variables),
            "parameters": [p.to_json() for p in self.params],
            "answer": dict(self.answer),
            "query": self.text,
        }


# --- reading query files ------------------------------------------------------------------


def split_header(text: str) -> tuple[str, int]:
    """The ``#+`` header as YAML text, and the number of header lines."""
    lines = text.splitlines()
    header: list[str] = []
    for line in lines:
        stripped = line.lstrip()
        if not stripped.startswith("#+"):
            break
        body = stripped[2:]
        header.append(body[1:] if body.startswith(" ") else body)
    return "\n".join(header), len(header)


def parse_query(text: str, name: str = "-", path: Path | None = None) -> NamedQuery:
    """Read decorators and check the SPARQL; errors carry the file and line."""
    where = path or Path(name if name != "-" else "<stdin>")
    header_text, header_lines = split_header(text)
    try:
        header = yaml.safe_load(header_text) if header_text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise QueryFileError(
            where, mark.line + 1 if mark else None, f"bad #+ header: {exc}"
        ) from None
    if not isinstance(header, dict):
        raise QueryFileError(where, 1, "the #+ header must be a YAML mapping")
    form, variables = _check_sparql(text, where)
    params = tuple(_parameter(p, where) for p in header.get("params") or ())
    _check_params(params, form, variables, where)
    tags = header.get("tags") or ()
    bind_as = header.get("bind", "substitute")
    if bind_as not in ("substitute", "values-first", "inline"):
        raise QueryFileError(
            where, 1, f"bind: {bind_as!r}: use substitute, values-first or inline")
    if bind_as == "inline":
        from .engine.lexer import inline_terms

        inlined = inline_terms(text, {p.var: "<urn:x>" for p in params})
        if inlined is None:
            raise QueryFileError(where, 1, "bind: inline: the parameters cannot be written as "
                                 "constants here (an outer SELECT *, or bound by AS or VALUES)")
        try:
            _check_sparql(inlined, where)
        except QueryFileError as error:
            raise QueryFileError(where, 1, f"bind: inline: with the parameters written as "
                                 f"constants the query does not parse: {error.message}") from None
    return NamedQuery(
        name=name,
        text=text,
        form=form,
        variables=variables,
        summary_zh=str(header.get("summary_zh") or "").strip(),
        summary_en=str(header.get("summary_en") or header.get("summary") or "").strip(),
        description=str(header.get("description") or "").strip(),
        tags=tuple(str(t) for t in ([tags] if isinstance(tags, str) else tags)),
        params=params,
        answer=header.get("answer") or {},
        path=path,
        bind=bind_as,
    )


_SERVICE = re.compile(r"(?<![\w?$:])(SERVICE|LOAD)(?![\w:])", re.IGNORECASE)
_POSITION = re.compile(r"error at (\d+):(\d+): ")


def _check_sparql(text: str, where: Path) -> tuple[str, tuple[str, ...]]:
    """The form and projection, by Oxigraph's own parser; syntax errors carry their line.

    The query is prepared against an empty store and never iterated, so nothing is evaluated;
    SERVICE and LOAD (which could reach outside) are refused before that.
    """
    if _SERVICE.search(_strip_comments(text)):
        raise QueryFileError(where, None, "SERVICE and LOAD are not allowed in named queries")
    try:
        answer = ox.Store().query(text)
    except SyntaxError as exc:
        line, message = _syntax_error(text, str(exc.msg or exc))
        raise QueryFileError(where, line, f"SPARQL syntax error: {message}") from None
    except (ValueError, RuntimeError) as exc:
        raise QueryFileError(where, None, f"SPARQL error: {exc}") from None
    if isinstance(answer, ox.QuerySolutions):
        return "SELECT", tuple(v.value for v in answer.variables)
    if isinstance(answer, ox.QueryBoolean):
        return "ASK", ()
    form = re.search(r"\b(CONSTRUCT|DESCRIBE)\b", _strip_comments(text), re.IGNORECASE)
    return (form.group(1).upper() if form else "CONSTRUCT"), ()


def _syntax_error(text: str, oxigraph_message: str) -> tuple[int | None, str]:
    """Line and message of a syntax error. Oxigraph reports the furthest point its parser
    reached (often the end); rdflib's parser names the line where the query goes wrong."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parseQuery(text)
    except ParseException as exc:
        return exc.lineno, f"{exc.msg} (at line {exc.lineno}, column {exc.col})"
    except Exception:  # rdflib fails otherwise: keep Oxigraph's words
        pass
    position = _POSITION.match(oxigraph_message)
    return (int(position.group(1)) if position else None), _POSITION.sub("", oxigraph_message)


def _strip_comments(text: str) -> str:
    """The keywords of a query: comments dropped, strings and IRIs emptied."""
    return re.sub(
        r'("(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>)|#[^\n]*',
        lambda m: (
            m.group(1)[0] * 2 if m.group(1) and m.group(1)[0] != "<" else "<>" if m.group(1) else ""
        ),
        text,
    )


def _parameter(raw: Any, where: Path) -> Parameter:
    if not isinstance(raw, dict) or "name" not in raw:
        raise QueryFileError(where, None, f"a parameter needs at least a name: {raw!r}")
    name = str(raw["name"])
    kind = str(raw.get("type", "string"))
    if not _NAME.match(name):
        raise QueryFileError(where, None, f"parameter name {name!r}: use [a-z][a-z0-9_]*")
    if kind not in PARAMETER_TYPES:
        raise QueryFileError(
            where, None, f"parameter {name!r}: type {kind!r} is not one of {PARAMETER_TYPES}"
        )
    values = tuple(str(v) for v in raw.get("values") or ())
    if kind == "enum" and not values:
        raise QueryFileError(where, None, f"parameter {name!r}: an enum needs values")
    default = raw.get("default")
    param = Parameter(
        name=name,
        type=kind,
        var=str(raw.get("var", name)),
        required=bool(raw.get("required", False)),
        default=None if default is None else str(default),
        values=values,
        base=raw.get("base"),
        cls=raw.get("class"),
        minimum=raw.get("minimum"),
        maximum=raw.get("maximum"),
        example=None if raw.get("example") is None else str(raw["example"]),
        description=str(raw.get("description") or "").strip(),
    )
    for label, value in (("default", param.default), ("example", param.example)):
        if value is not None:
            try:
                param.convert(value)
            except ParameterError as exc:
                raise QueryFileError(where, None, f"{label} of {exc}") from None
    return param


def _check_params(
    params: tuple[Parameter, ...], form: str, variables: tuple[str, ...], where: Path
) -> None:
    seen: set[str] = set()
    for p in params:
        if p.name in seen:
            raise QueryFileError(where, None, f"parameter {p.name!r} is declared twice")
        seen.add(p.name)
        # Oxigraph substitutes only projected variables of a SELECT (rdflib has no such rule).
        if form == "SELECT" and p.var not in variables:
            raise QueryFileError(
                where, None, f"parameter {p.name!r}: ?{p.var} must be in the SELECT projection"
            )


def load_query(path: Path) -> NamedQuery:
    """One ``.rq`` file; its name is the file name without ``.rq``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryFileError(path, None, str(exc)) from None
    name = path.stem if path.suffix == ".rq" else path.name
    return parse_query(text, name, path)


_CACHE: dict[tuple[Path, tuple[tuple[str, int, int], ...]], list[NamedQuery]] = {}


def load_catalogue(settings: Settings) -> list[NamedQuery]:
    """Every ``queries/*.rq``, sorted by name (re-read only when a file changes)."""
    folder = settings.queries_dir
    paths = sorted(folder.glob("*.rq"), key=lambda p: p.stem) if folder.is_dir() else []
    key = (folder, tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths))
    if key not in _CACHE:
        queries = []
        for path in paths:
            if not _QUERY_NAME.match(path.stem):
                raise QueryFileError(path, None, "name a query file [a-z0-9][a-z0-9-]*.rq")
            queries.append(load_query(path))
        _CACHE.clear()
        _CACHE[key] = queries
    return list(_CACHE[key])


def get_query(settings: Settings, name: str) -> NamedQuery:
    """A catalogue query by name (reading that file only), or :class:`UnknownQuery`."""
    path = settings.queries_dir / f"{name}.rq"
    if not _QUERY_NAME.match(name):
        raise UnknownQuery(name)
    try:
        status = path.stat()  # one system call a request: this runs for every API answer
    except OSError:
        raise UnknownQuery(name) from None
    if not stat.S_ISREG(status.st_mode):
        raise UnknownQuery(name)
    key = (path, status.st_mtime_ns, status.st_size)
    if key not in _ONE:
        _ONE[key] = load_query(path)
    return _ONE[key]


_ONE: dict[tuple[Path, int, int], NamedQuery] = {}


def resolve(settings: Settings, ref: str, stdin_text: str | None = None) -> NamedQuery:
    """A catalogue name, a path to a ``.rq`` file, or ``-`` (text given as ``stdin_text``)."""
    if ref == "-":
        return parse_query(stdin_text or "", "-")
    if _QUERY_NAME.match(ref) and not ref.endswith(".rq"):
        try:
            return get_query(settings, ref)
        except UnknownQuery:
            if not Path(ref).is_file():
                raise
    path = Path(ref)
    if not path.is_file():
        if ref.endswith(".rq") or "/" in ref or path.exists():
            what = "is not a file" if path.exists() else "no such file"
            raise QueryFileError(path, None, what)
        raise UnknownQuery(ref)
    return load_query(path)


# --- binding parameters ---------------------------------------------------------------------

#: Answers an ASK (text, bindings) against the store; lets the web app go through its executor.
Ask = Callable[[str, Mapping[str, Node]], bool]

HAS_CLASS_QUERY = sparql_prologue("rdfs") + "ASK { ?iri a/rdfs:subClassOf* ?class }"


def bind(query: NamedQuery, given: Mapping[str, str]) -> dict[str, Node]:
    """Typed values for the query's variables from raw text values (defaults applied).

    Unknown names, missing required parameters and ill-typed values raise
    :class:`ParameterError`; the store is not consulted (see :func:`check_resources`).
    """
    known = {p.name for p in query.params}
    for name in given:
        if name not in known:
            names = ", ".join(sorted(known)) or "none"
            raise ParameterError(
                name, f"is not a parameter of query {query.name!r} (its parameters: {names})"
            )
    bindings: dict[str, Node] = {}
    for p in query.params:
        raw = given.get(p.name)
        if raw is None:
            raw = p.default
        if raw is None:
            if p.required:
                raise ParameterError(p.name, "is required", p.expected())
            continue
        bindings[p.var] = p.convert(raw)
    return bindings


def check_resources(query: NamedQuery, bindings: Mapping[str, Node], ask: Ask) -> None:
    """Each IRI parameter names something in the store, of the declared class if any.

    One ASK per parameter when it holds (an instance of the class is in the store); the
    second, whether it is there at all, only to say what is wrong."""
    for p in query.params:
        value = bindings.get(p.var)
        if p.type != "iri" or value is None:
            continue
        if p.cls and ask(HAS_CLASS_QUERY, {"iri": value, "class": URIRef(p.cls)}):
            continue
        if not ask(EXISTS_QUERY, {"iri": value}):
            raise ParameterError(p.name, f"<{value}> is not in the store", p.expected())
        if p.cls:
            raise ParameterError(p.name, f"<{value}> is not a <{p.cls}>", p.expected())


def store_ask(store: Store) -> Ask:
    """An :data:`Ask` that queries a store directly (the CLI's way)."""

    def ask(text: str, bindings: Mapping[str, Node]) -> bool:
        return bool(store.query(text, bindings=bindings).boolean)

    return ask


def run(
    store: Store,
    query: NamedQuery,
    given: Mapping[str, str] | None = None,
    *,
    max_rows: int | None = None,
) -> QueryResult:
    """Bind, check the resources named, and evaluate against ``store``."""
    bindings = bind(query, given or {})
    check_resources(query, bindings, store_ask(store))
    text, sent = query.prepared(bindings)
    return store.query(text, bindings=sent or None, max_rows=max_rows)


def prefixes(text: str) -> dict[str, str]:
    """PREFIX declarations of a query, for compact display of IRIs."""
    return {name or "": iri for name, iri in _PREFIX_DECL.findall(text)}


def compact(iri: str, known: Mapping[str, str]) -> str:
    """``prefix:local`` for an IRI under a known namespace, else the IRI itself."""
    best, chosen = "", iri
    for name, namespace in known.items():
        local = iri[len(namespace) :]
        if namespace and iri.startswith(namespace) and len(namespace) > len(best):
            if re.fullmatch(r"[\w.-]*", local):
                best, chosen = namespace, f"{name}:{local}"
    return chosen


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``name=value`` strings (the CLI's ``-p``) as a mapping; a bad one names itself."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(item, "write parameters as name=value")
        out[name.strip()] = value
    return out

"""A backend over any SPARQL 1.1 store, through the SPARQL 1.1 Protocol (Virtuoso, Fuseki...).

Queries go to the query URL (POST, ``application/x-www-form-urlencoded``), updates to the update
URL (POST ``update=``), with HTTP Basic or Digest credentials when given (Virtuoso's
``/sparql-auth`` wants Digest). Answers come back as SPARQL JSON (SELECT/ASK) or N-Triples
(CONSTRUCT/DESCRIBE) and become the same :class:`~vetgraph.store.base.QueryResult` as the other
backends; serialized answers are written by pyoxigraph, so every backend emits the same bytes.

Dataset. The interface's default graph is the union of the project's named graphs. Stores
differ here (Virtuoso's default graph is the union of *every* graph it holds, its own system
graphs included), so the union is never left to the store: a query with no dataset of its own
is sent with ``default-graph-uri`` *and* ``named-graph-uri`` set to each of the project's graphs
(:attr:`RemoteStore.graphs`, by default the four of :data:`vetgraph.config.GRAPHS`). Caller
datasets are passed the same way. The default graph is then the RDF merge of those graphs: a
triple present in two graphs is one solution, as on the memory backend (Oxigraph yields it
once per graph).

Bindings. The protocol has no way to pre-bind variables, so they travel as a ``VALUES`` block
placed last in the query's WHERE group (a join with its top-level pattern, before grouping,
ordering and slicing; Virtuoso refuses the trailing ``VALUES`` clause after ASK). Not first:
Virtuoso 7.2 pushes a leading block into an ``OPTIONAL { SELECT ... GROUP BY }`` and drops the
solutions that subquery does not extend (partners-by-school came back empty). For the
queries of this project, whose bound variables are projected (a rule of the interface) and
appear in the top-level pattern, the answers are those of Oxigraph's substitution; a variable
used only inside a sub-select would not be restricted there.

``max_rows`` is applied client side, after the store's own cap (Virtuoso's
``ResultSetMaxRows``: set it above the largest answer or dump you need).

Loading (``vetgraph build --backend remote``) drops each graph and inserts its triples with
``INSERT DATA`` in chunks (:data:`CHUNK_TRIPLES`); the triples with blank nodes go by
``INSERT {...} WHERE {}`` (Virtuoso refuses blank nodes in INSERT DATA), and a chunk never
splits the triples of a blank node, whose label is scoped to one request. ``vetgraph build``
loads into staging graphs and moves them into place with one update request at the end
(:func:`vetgraph.build.load_remote`). Dumps are one CONSTRUCT per graph.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ..config import GRAPHS
from ..engine.lexer import Token, after_group, tokens
from ..namespaces import XSD
from .base import (
    QueryError,
    QueryResult,
    ReadOnlyError,
    SerializesQueryResults,
    StoreError,
    UnsupportedFormatError,
    rdf_format,
    to_oxigraph,
)

#: Triples per INSERT DATA request when loading.
CHUNK_TRIPLES = 2_000
#: Triples per ``INSERT {...} WHERE {}`` request (the triples with blank nodes).
BLANK_CHUNK_TRIPLES = 500
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
_SEPARATOR = re.compile(r'(separator\s*=\s*)"((?:[^"\\\n])*)"', re.IGNORECASE)


def _ascii_separators(sparql: str) -> tuple[str, dict[str, str]]:
    """Replace non-ASCII GROUP_CONCAT separators by ASCII tokens, to be put back in answers.

    Virtuoso 7 writes a non-ASCII separator as ``?`` (string literals elsewhere are fine).
    """
    found: dict[str, str] = {}

    def swap(match: re.Match[str]) -> str:
        value = match.group(2)
        if value.isascii():
            return match.group(0)
        token = f"~vgsep{len(found)}~"
        found[token] = value
        return f'{match.group(1)}"{token}"'

    return _SEPARATOR.sub(swap, sparql), found


def _form_at(toks: list[Token]) -> int | None:
    """Index of the query form's keyword (the first word after the prologue), or None."""
    for index, token in enumerate(toks):
        if token.kind == "word" and token.text.upper() not in ("PREFIX", "BASE"):
            return index
    return None


@functools.lru_cache(maxsize=256)  # a named query's text is bound again on every request
def _where_group(sparql: str) -> tuple[int, int] | None:
    """Offsets just inside the query's WHERE group: after its ``{`` and at its ``}`` (None
    when there is none). Read on SPARQL tokens, so a brace in a string, an IRI or a comment,
    or in an ``EXISTS`` of the projection, is not taken for it; CONSTRUCT's template is
    skipped (the short form ``CONSTRUCT WHERE`` has none to take)."""
    toks = tokens(sparql, keep_space=False)
    form = _form_at(toks)
    if form is None:
        return None
    start = form + 1
    if toks[form].text.upper() == "CONSTRUCT":
        if start == len(toks) or toks[start].text != "{":
            return None  # CONSTRUCT WHERE { triples }: its group is the template, no VALUES
        start = after_group(toks, start)
    parens = 0
    for index in range(start, len(toks)):
        kind, text, offset = toks[index]
        if kind == "open" and text == "(":
            parens += 1
        elif kind == "close" and text == ")":
            parens -= 1
        elif kind == "open" and text == "{" and parens == 0:
            end = after_group(toks, index)
            closing = toks[end - 1]
            if closing.kind != "close" or closing.text != "}":
                return None  # the text ends inside the group
            return offset + 1, closing.start
    return None


def _term(value: Mapping[str, str], separators: Mapping[str, str] | None = None) -> Node:
    """A SPARQL JSON term (also the 2005 ``typed-literal`` form Virtuoso writes) to rdflib."""
    if separators and value.get("type") in ("literal", "typed-literal"):
        text = value["value"]
        for token, separator in separators.items():
            text = text.replace(token, separator)
        value = {**value, "value": text}
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if kind in ("literal", "typed-literal"):
        lang = value.get("xml:lang")
        if lang:
            return Literal(value["value"], lang=lang)
        datatype = value.get("datatype")
        if datatype and datatype != XSD + "string":
            return Literal(value["value"], datatype=URIRef(datatype))
        return Literal(value["value"])
    raise StoreError(f"unsupported term in a SPARQL JSON answer: {kind!r}")


def values_block(bindings: Mapping[str, Node]) -> str:
    """``bindings`` as a one-row SPARQL ``VALUES`` block (terms in N-Triples syntax)."""
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(str(to_oxigraph(term)) for term in bindings.values())
    return f"VALUES ({names}) {{ ({values}) }}"


def with_values(sparql: str, bindings: Mapping[str, Node] | None, *, first: bool) -> str:
    """``sparql`` with ``bindings`` as a ``VALUES`` block opening (``first``) or closing its
    WHERE group; a trailing ``VALUES`` clause when no WHERE group is found (the same answers
    for this project's queries, whose bound variables are projected)."""
    if not bindings:
        return sparql
    block = values_block(bindings)
    group = _where_group(sparql)
    if group is None:
        return f"{sparql}\n{block}"
    at = group[0] if first else group[1]
    return sparql[:at] + f"\n  {block}\n" + sparql[at:]


class RemoteStore(SerializesQueryResults):
    """:class:`~vetgraph.store.base.Store` over a SPARQL 1.1 Protocol endpoint."""

    def __init__(
        self,
        endpoint: str,
        *,
        update_endpoint: str | None = None,
        user: str | None = None,
        password: str | None = None,
        graphs: Sequence[str] | None = None,
        read_only: bool = True,
        timeout: float = 300.0,
        prefixes: Mapping[str, str] | None = None,
    ):
        if not endpoint:
            raise StoreError("the remote backend needs --endpoint (the SPARQL query URL)")
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or endpoint
        self.graphs = list(graphs or GRAPHS.values())
        self.read_only = read_only
        self.timeout = timeout
        self.prefixes = dict(prefixes or {})
        handlers: list[urllib.request.BaseHandler] = []
        self._basic: str | None = None
        if user:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in {self.endpoint, self.update_endpoint}:
                manager.add_password(None, url, user, password or "")
            handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
            handlers.append(urllib.request.HTTPBasicAuthHandler(manager))
            self._basic = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
        self._opener = urllib.request.build_opener(*handlers)

    # --- HTTP -----------------------------------------------------------------------------

    def _post(self, url: str, form: list[tuple[str, str]], accept: str | None) -> bytes:
        body = urllib.parse.urlencode(form).encode("utf-8")
        request = urllib.request.Request(url, data=body, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
        if accept:
            request.add_header("Accept", accept)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace").strip()[:2000]
            if 400 <= error.code < 500 and error.code not in (401, 403, 404):
                raise QueryError(f"the remote store refused the request ({error.code}): "
                                 f"{detail}") from error
            raise StoreError(f"remote store {url}: HTTP {error.code}: {detail}") from error
        except (urllib.error.URLError, OSError) as error:
            raise StoreError(f"remote store {url} unreachable: {error}") from error

    def _dataset_form(
        self, default_graph_uris: Sequence[str] | None, named_graph_uris: Sequence[str] | None
    ) -> list[tuple[str, str]]:
        if default_graph_uris is None and named_graph_uris is None:
            default_graph_uris = named_graph_uris = self.graphs
        form = [("default-graph-uri", g) for g in default_graph_uris or ()]
        form += [("named-graph-uri", g) for g in named_graph_uris or ()]
        if not form:  # an explicitly empty dataset: name a graph that holds nothing
            form = [("default-graph-uri", "urn:vetgraph:empty")]
        return form

    # --- queries --------------------------------------------------------------------------

    @classmethod
    def _with_bindings(cls, sparql: str, bindings: Mapping[str, Node] | None) -> str:
        """The query with a ``VALUES`` block closing its WHERE group (see the module doc)."""
        return with_values(sparql, bindings, first=False)

    @staticmethod
    @functools.lru_cache(maxsize=256)  # asked of every query sent; named ones come again
    def _form(sparql: str) -> str:
        """SELECT ("bindings"), ASK ("boolean") or CONSTRUCT/DESCRIBE ("graph"), from the first
        keyword after the prologue; anything else is a QueryError."""
        toks = tokens(sparql, keep_space=False)
        form = _form_at(toks)
        head = "" if form is None else toks[form].text.upper()
        if head == "ASK":
            return "boolean"
        if head in ("CONSTRUCT", "DESCRIBE"):
            return "graph"
        if head == "SELECT":
            return "bindings"
        raise QueryError("SPARQL syntax error: expected SELECT, ASK, CONSTRUCT or DESCRIBE")

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
        bindings: Mapping[str, Node] | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        kind = self._form(sparql)
        if bindings and kind == "bindings":
            self._check_projection(sparql, bindings)
        text, separators = _ascii_separators(self._with_bindings(sparql, bindings))
        form = [("query", text)]
        form += self._dataset_form(default_graph_uris, named_graph_uris)
        if kind == "graph":
            body = self._post(self.endpoint, form, f"{NTRIPLES}, text/plain;q=0.9")
            try:
                parsed = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
                found = list(islice(parsed, None if max_rows is None else max_rows + 1))
            except SyntaxError as exc:
                raise StoreError(f"unreadable N-Triples from the remote store: {exc}") from exc
            from .base import to_rdflib

            triples = [
                (to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object))
                for t in found[:max_rows]
            ]
            return QueryResult(kind="graph", triples=triples,
                               truncated=max_rows is not None and len(found) > max_rows)
        body = self._post(self.endpoint, form, RESULTS_JSON)
        try:
            doc = json.loads(body)
        except ValueError as exc:
            raise StoreError(f"unreadable SPARQL JSON from the remote store: {exc}") from exc
        if "boolean" in doc:
            return QueryResult(kind="boolean", boolean=bool(doc["boolean"]))
        if kind == "boolean":
            # Virtuoso answers ASK in SPARQL JSON as one row of ?__ASK_RETVAL (1 or 0).
            rows = doc.get("results", {}).get("bindings", [])
            value = next(iter(rows[0].values()), {}).get("value", "0") if rows else "0"
            return QueryResult(kind="boolean", boolean=value in ("1", "true"))
        variables = list(doc.get("head", {}).get("vars", []))
        bound = doc.get("results", {}).get("bindings", [])
        limit = None if max_rows is None else max_rows
        rows = [
            tuple(_term(b[v], separators) if v in b else None for v in variables)
            for b in bound[:limit]
        ]
        return QueryResult(kind="bindings", variables=variables, rows=rows,
                           truncated=max_rows is not None and len(bound) > max_rows)

    @staticmethod
    def _check_projection(sparql: str, bindings: Mapping[str, Node]) -> None:
        """The interface's rule: a bound variable must be projected (SELECT * qualifies)."""
        from rdflib.plugins.sparql.algebra import translateQuery
        from rdflib.plugins.sparql.parser import parseQuery

        try:
            algebra = translateQuery(parseQuery(sparql)).algebra
        except Exception:  # the store will say what is wrong
            return
        projected = {str(v) for v in algebra.get("PV", [])}
        missing = sorted(set(bindings) - projected)
        if missing:
            raise QueryError(
                f"The SPARQL query does not contain variable ?{missing[0]} "
                "in its SELECT projection"
            )

    def update(self, sparql: str) -> None:
        if self.read_only:
            raise ReadOnlyError("this store is opened read-only")
        self._post(self.update_endpoint, [("update", sparql)], None)

    # --- content --------------------------------------------------------------------------

    def _counts(self) -> dict[str, int]:
        values = " ".join(f"<{g}>" for g in self.graphs)
        result = self.query(
            f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} "
            "GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        return {str(g): int(n) for g, n in result.rows if g is not None and n is not None}

    def graph_names(self) -> list[str]:
        """The project's graphs that hold triples in the store (never the store's own)."""
        return sorted(g for g, n in self._counts().items() if n > 0)

    def triple_count(self, graph: str | None = None) -> int:
        counts = self._counts()
        return sum(counts.values()) if graph is None else counts.get(graph, 0)

    def dump(self, mime: str, graph: str | None = None) -> bytes:
        fmt = rdf_format(mime)
        if graph is None and not fmt.supports_datasets:
            raise UnsupportedFormatError(f"{fmt.name} holds one graph: name the graph to dump")
        names = [graph] if graph is not None else self.graph_names()
        items: list[ox.Quad | ox.Triple] = []
        for name in names:
            body = self._post(
                self.endpoint,
                [("query", f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"),
                 *self._dataset_form(None, None)],
                f"{NTRIPLES}, text/plain;q=0.9",
            )
            for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
                if graph is not None:
                    items.append(ox.Quad(t.subject, t.predicate, t.object)
                                 if fmt.supports_datasets else t)
                else:
                    items.append(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name)))
        prefixes = self.prefixes if fmt in (
            ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None
        return ox.serialize(items, format=fmt, prefixes=prefixes)

    # --- loading --------------------------------------------------------------------------

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple | ox.Quad],
                      chunk: int = CHUNK_TRIPLES) -> int:
        """Drop ``graph`` and insert ``triples`` into it; returns the triples sent."""
        if self.read_only:
            raise ReadOnlyError("this store is opened read-only")
        self.update(f"DROP SILENT GRAPH <{graph}>")
        plain: list[ox.Triple | ox.Quad] = []
        blank: list[ox.Triple | ox.Quad] = []
        for t in triples:
            has_blank = isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
            (blank if has_blank else plain).append(t)
        sent = 0
        for lines in _chunks(plain, chunk):
            self.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n" + "\n".join(lines) + "\n} }")
            sent += len(lines)
        # Blank nodes: INSERT DATA may hold them (SPARQL 1.1), but Virtuoso refuses them there
        # (SP031); a template with an empty WHERE makes the same fresh nodes on any store.
        # Virtuoso's compiler runs out of memory on templates of a few thousand triples.
        for lines in _chunks(blank, BLANK_CHUNK_TRIPLES):
            self.update(f"INSERT {{ GRAPH <{graph}> {{\n" + "\n".join(lines) + "\n} } WHERE {}")
            sent += len(lines)
        return sent

    def close(self) -> None:
        """Nothing held open between requests."""


def _chunks(triples: Iterable[ox.Triple | ox.Quad], size: int) -> Iterator[list[str]]:
    """N-Triples lines in chunks of about ``size``; a chunk ends only where no blank node of
    it is used by the next triple (labels are scoped to one request)."""
    lines: list[str] = []
    blanks: set[str] = set()
    for t in triples:
        terms = (t.subject, t.object)
        mine = {b.value for b in terms if isinstance(b, ox.BlankNode)}
        if len(lines) >= size and not (mine & blanks):
            yield lines
            lines, blanks = [], set()
        lines.append(f"{t.subject} {t.predicate} {t.object} .")
        blanks |= mine
    if lines:
        yield lines

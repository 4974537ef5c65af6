"""The named-query API: every ``queries/*.rq`` is a GET operation, as grlc makes of a repository.

- ``/api``: the documentation page (Swagger UI served from this package, nothing from outside);
- ``/api/openapi.json``: OpenAPI 3.1, generated from the queries' decorators;
- ``/api/queries``: the catalogue, JSON or HTML;
- ``/api/queries/<name>?param=…``: the answer, negotiated like ``/sparql`` (JSON, XML, CSV, TSV;
  Turtle, JSON-LD … for CONSTRUCT), or the query's HTML page.

Queries run in the bounded executor, so the endpoint's timeout, row cap and concurrency apply.
Parameter values travel as RDF terms next to the query text (``QueryRequest.bindings``) and are
given to variables by the store; the text a client can influence is never edited. SELECT answers
are fetched whole (up to the row cap) and paged here, so ``limit``/``offset`` cut the query's own
ORDER BY, and the total is known whenever the cap did not cut the answer.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, g, render_template, request, url_for
from rdflib import URIRef
from rdflib.term import Node

from ..engine.executor import QueryReply, QueryRequest
from ..namespaces import sparql_prologue
from ..queries import (
    NamedQuery,
    ParameterError,
    QueryFileError,
    UnknownQuery,
    bind,
    check_resources,
    get_query,
    load_catalogue,
)
from ..store.base import write_results
from . import answers, openapi, resources, state
from . import negotiation as n
from .entity import Labels
from .http import HttpError, best, not_modified, weak_etag
from .linked import local_href, page_lang

bp = Blueprint("api", __name__, url_prefix="/api")

RESERVED = ("limit", "offset", "format")
HTML_PAGE_ROWS = 100  # rows shown on a query's HTML page when no limit is given
_GRAPH_NAMES = dict(zip(openapi.GRAPH_FORMAT_NAMES, (*openapi.GRAPH_TYPES, n.HTML), strict=True))
_RESULT_NAMES = dict(zip(openapi.RESULT_FORMAT_NAMES, (*openapi.RESULT_TYPES, n.HTML), strict=True))
CLASS_MEMBERS_QUERY = (
    sparql_prologue("rdfs")
    + "SELECT DISTINCT ?class ?iri WHERE { ?iri a/rdfs:subClassOf* ?class . FILTER(isIRI(?iri)) }"
    " ORDER BY ?iri"
)
MAX_CHOICES = 200  # IRIs listed as an enum in the OpenAPI document
_CAMEL_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class ApiError(HttpError):
    """An answer other than 200, with its JSON detail (answered by the app's one handler)."""

    def __init__(self, status: int, message: str, reason: str, **detail: Any):
        super().__init__(status, message, reason, detail=detail)


# --- running queries through the executor ---------------------------------------------------


def _request(
    text: str,
    bindings: Mapping[str, Node],
    results: str | None,
    graph: str | None,
    *,
    preconditions: tuple[tuple[str, tuple[tuple[str, Node], ...]], ...] = (),
    count_rows: bool = False,
) -> QueryRequest:
    st = state()
    return QueryRequest(
        text,
        results,
        graph,
        max_rows=st.settings.max_rows,
        bindings=tuple(bindings.items()),
        preconditions=preconditions,
        count_rows=count_rows,
        trusted=True,  # the catalogue's texts and the app's checks, never a user's
    )


def _select(text: str, bindings: Mapping[str, Node]) -> tuple[dict[str, Any], bool]:
    """SPARQL JSON results (as a dict) and whether the row cap cut them."""
    reply = state().executor.query(_request(text, bindings, n.RESULTS_JSON, None))
    return json.loads(reply.body), reply.truncated


def _resource_checks(
    query: NamedQuery, bindings: Mapping[str, Node]
) -> tuple[tuple[str, tuple[tuple[str, Node], ...]], ...]:
    """The ASKs :func:`check_resources` makes when every one holds, in its order: they go to
    the worker with the query itself, so that checking costs no extra trip to a worker."""
    asked: list[tuple[str, tuple[tuple[str, Node], ...]]] = []

    def record(text: str, values: Mapping[str, Node]) -> bool:
        asked.append((text, tuple(values.items())))
        return True

    check_resources(query, bindings, record)
    return tuple(asked)


def _query_in_worker(
    query: NamedQuery,
    bindings: Mapping[str, Node],
    checks: tuple[tuple[str, tuple[tuple[str, Node], ...]], ...],
    results: str | None,
    graph: str | None,
    *,
    count_rows: bool = False,
    checks_only: bool = False,
) -> QueryReply:
    """Run ``query`` after its resource checks, in one worker call; a failed check raises the
    ParameterError :func:`check_resources` raises (the checks are asked again to find it).
    ``checks_only`` runs the checks alone (behind an empty ASK).
    """
    if checks_only:
        request = _request("ASK {}", {}, n.RESULTS_JSON, None, preconditions=checks)
    else:
        text, sent = query.prepared(bindings)
        request = _request(
            text, sent, results, graph, preconditions=checks, count_rows=count_rows
        )
    started = time.perf_counter()
    reply = state().executor.query(request)
    # Server-Timing: the evaluation's own time, and the round trip to the worker (pipe and
    # pickling too), or "local" when the web process answered (QueryExecutor.query).
    hop = "local" if reply.local else "worker"
    g.timing = (f"query;dur={reply.elapsed * 1000:.1f}, "
                f"{hop};dur={(time.perf_counter() - started) * 1000:.1f}")
    if reply.failed_precondition is not None:  # asked again, one by one, to say what is wrong
        check_resources(query, bindings, _ask)
        raise ApiError(500, "a resource check failed but raised nothing", "internal-error")
    return reply


def _ask(text: str, bindings: Mapping[str, Node]) -> bool:
    """The answer of an ASK of the app's (an :data:`vetgraph.queries.Ask`), in a worker."""
    reply = state().executor.query(_request(text, bindings, n.RESULTS_JSON, None))
    return bool(json.loads(reply.body)["boolean"])


def _catalogue() -> list[NamedQuery]:
    try:
        return load_catalogue(state().settings)
    except QueryFileError as error:  # a broken file in queries/ is the server's fault
        raise ApiError(500, str(error), "bad-query-file") from error


def _query(name: str) -> NamedQuery:
    try:
        return get_query(state().settings, name)
    except UnknownQuery:
        raise ApiError(404, f"no query named {name!r}; see /api/queries", "not-found") from None
    except QueryFileError as error:
        raise ApiError(500, str(error), "bad-query-file") from error


def _given(query: NamedQuery) -> dict[str, str]:
    """The query's parameter values from the URL; each may be given once."""
    given: dict[str, str] = {}
    for name, values in request.args.lists():
        if name in RESERVED:
            continue
        if len(values) > 1:
            raise ParameterError(name, "is given more than once")
        given[name] = values[0]
    return given


def _paging(max_rows: int) -> tuple[int | None, int]:
    out: dict[str, int | None] = {"limit": None, "offset": 0}
    for name, low, high in (("limit", 1, max_rows), ("offset", 0, None)):
        raw = request.args.get(name)
        if raw is None:
            continue
        text = raw.strip()
        expected = f"an integer from {low}" + (f" to {high}" if high else "")
        if not text.isdigit() or int(text) < low or (high is not None and int(text) > high):
            raise ParameterError(name, f"{raw!r} is not {expected}", expected)
        out[name] = int(text)
    return out["limit"], out["offset"] or 0


def _media_type(query: NamedQuery) -> str:
    """The media type to answer with (``text/html`` for the query's page), or ApiError."""
    graph = query.form in ("CONSTRUCT", "DESCRIBE")
    names = _GRAPH_NAMES if graph else _RESULT_NAMES
    wanted = request.args.get("format")
    if wanted is not None:  # exactly the documented names (the OpenAPI enum)
        if wanted in names:
            return names[wanted]
        raise ParameterError(
            "format", f"{wanted!r} is not one of {', '.join(names)}", "one of " + ", ".join(names)
        )
    offered = [*(openapi.GRAPH_TYPES if graph else openapi.RESULT_TYPES), n.HTML]
    chosen = best(offered)
    if chosen is None:
        raise ApiError(406, f"this query answers in {', '.join(offered)}", "not-acceptable")
    return chosen


# --- answers ---------------------------------------------------------------------------------


def _page_url(query: NamedQuery, limit: int, offset: int) -> str:
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("limit", "offset")]
    args += [("limit", str(limit)), ("offset", str(offset))]
    return url_for("api.answer", name=query.name) + "?" + urlencode(args)


def _links(query: NamedQuery, limit: int, offset: int, total: int | None) -> list[tuple[str, str]]:
    """(rel, url) pairs for RFC 8288 Link headers and the HTML page."""
    links = [("first", _page_url(query, limit, 0))]
    if offset > 0:
        links.append(("prev", _page_url(query, limit, max(0, offset - limit))))
    if total is None or offset + limit < total:
        links.append(("next", _page_url(query, limit, offset + limit)))
    if total is not None and total > 0:
        links.append(("last", _page_url(query, limit, ((total - 1) // limit) * limit)))
    return links


def _run(
    query: NamedQuery,
    mime: str,
    limit: int | None,
    offset: int,
    bindings: Mapping[str, Node],
    checks: tuple[tuple[str, tuple[tuple[str, Node], ...]], ...] = (),
) -> tuple[bytes, dict[str, str], dict[str, Any] | None]:
    """Body, headers, and (for SELECT) the page as SPARQL JSON for the HTML view.

    A SELECT answered whole (no paging, not the HTML page) is written by the worker in the
    media type asked for and passed on as it is: the page would be the same bytes, and parsing
    and writing the answer again here cost more than many queries do.
    """
    headers: dict[str, str] = {}
    if query.form != "SELECT":
        if limit is not None or offset:
            if checks:  # a resource that is not there is reported first, as it always was
                _query_in_worker(query, bindings, checks, None, None, checks_only=True)
            raise ParameterError("limit", "paging applies to SELECT queries only")
        is_graph = query.form in ("CONSTRUCT", "DESCRIBE")
        if mime == n.HTML:  # the page shows Turtle, or the boolean
            mime = n.TURTLE if is_graph else n.RESULTS_JSON
        results, graph = (None, mime) if is_graph else (mime, None)
        reply = _query_in_worker(query, bindings, checks, results, graph)
        headers["X-SPARQL-Truncated"] = "true" if reply.truncated else "false"
        return reply.body, headers, None
    if mime != n.HTML and limit is None and not offset:
        reply = _query_in_worker(query, bindings, checks, mime, None, count_rows=True)
        headers["X-SPARQL-Truncated"] = "true" if reply.truncated else "false"
        if not reply.truncated and reply.rows is not None:
            headers["X-Total-Count"] = str(reply.rows)
        return reply.body, headers, None
    reply = _query_in_worker(query, bindings, checks, n.RESULTS_JSON, None)
    doc, truncated = json.loads(reply.body), reply.truncated
    rows = doc["results"]["bindings"]
    total = None if truncated else len(rows)
    page = rows[offset : offset + limit] if limit is not None else rows[offset:]
    page_doc = {"head": doc["head"], "results": {"bindings": page}}
    headers["X-SPARQL-Truncated"] = "true" if truncated else "false"
    if total is not None:
        headers["X-Total-Count"] = str(total)
    if limit is not None:
        headers["Link"] = ", ".join(
            f'<{url}>; rel="{rel}"' for rel, url in _links(query, limit, offset, total)
        )
    body = b"" if mime == n.HTML else write_results(page_doc, mime)
    page_doc["total"], page_doc["truncated"] = total, truncated
    return body, headers, page_doc


@bp.get("/queries/<name>")
def answer(name: str) -> Response:
    """One query's answer (or its page, for browsers)."""
    answers.surface()
    st = state()
    version = st.version  # read once: the answer is kept under the version it was asked of
    cache = answers.cache()
    status = answers.BYPASS if cache is None else answers.NOT_STORED
    try:
        query = _query(name)
        mime = _media_type(query)
        given = _given(query)
        limit, offset = _paging(st.settings.max_rows)
        if mime == n.HTML and limit is None and query.form == "SELECT":
            limit = HTML_PAGE_ROWS
        etag = weak_etag(version, "api", name, request.query_string.decode("latin-1"), mime)
        early = not_modified(etag, vary=["Accept"])
        if early is not None:
            return early
        # Pages for browsers are rendered with labels each time; machine answers are kept,
        # keyed by the parameters as given (sorted: their order does not change the answer).
        key = ("api", name, tuple(sorted(request.args.items(multi=True))), mime,
               st.settings.max_rows)
        started = time.perf_counter()
        kept = cache.get(version, key) if cache is not None and mime != n.HTML else None
        if kept is not None:
            body, page, status = kept[0], None, answers.HIT
            g.timing = answers.hit_timing(started)
            headers = answers.read_meta(kept[1])[1]
        else:
            bindings = bind(query, given)
            body, headers, page = _run(
                query, mime, limit, offset, bindings, _resource_checks(query, bindings)
            )
            whole = mime != n.HTML and headers.get("X-SPARQL-Truncated") != "true"
            if cache is not None and whole \
                    and cache.put(version, key, body, answers.meta(mime, headers)):
                status = answers.STORED
    except ParameterError as error:
        if _is_html_request():
            return _query_page(name, error=error, status=400)
        raise HttpError(400, str(error), "bad-parameter", detail=error.as_dict()) from error
    if mime == n.HTML:
        response = _query_page(
            name, query=query, page=page, body=body, limit=limit, offset=offset, headers=headers
        )
    else:
        response = Response(body, 200, content_type=f"{mime}; charset=utf-8")
        response.headers.update(headers)
        ext = n.EXTENSIONS.get(mime)
        if ext and mime in (n.CSV, n.TSV):
            response.headers["Content-Disposition"] = f'inline; filename="{name}.{ext}"'
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = f"public, max-age={st.cache_max_age}"
    response.headers["Cache-Status"] = status
    if "timing" in g:
        response.headers["Server-Timing"] = g.timing
    response.vary.add("Accept")
    return response


def _is_html_request() -> bool:
    if request.args.get("format") == "html":
        return True
    if request.args.get("format"):
        return False
    offered = [n.RESULTS_JSON, n.TURTLE, n.HTML]
    return best(offered) == n.HTML


# --- pages -----------------------------------------------------------------------------------


def editor_url(query: NamedQuery) -> str:
    """Open the query in the SPARQL editor: YASGUI reads ``#query=`` from the URL."""
    return url_for("sparql.endpoint") + "#query=" + quote(query.text, safe="")


def query_links(query: NamedQuery) -> dict[str, str]:
    base = url_for("api.answer", name=query.name)
    links = {"self": base, "html": base + "?format=html", "editor": editor_url(query)}
    if query.form == "SELECT":
        links.update(json=base + "?format=json", csv=base + "?format=csv", tsv=base + "?format=tsv")
    elif query.form in ("CONSTRUCT", "DESCRIBE"):
        links.update(turtle=base + "?format=ttl", jsonld=base + "?format=jsonld")
    return links


def _cell(term: dict[str, Any] | None, labels: Labels) -> dict[str, str]:
    """A table cell: an IRI shows its zh and en labels (the page shows one language at a time)
    and links to its page on this server, the IRI itself in the title and the copy button; a
    literal shows its text."""
    if term is None:
        return {"text": ""}
    if term["type"] == "uri":
        iri = term["value"]
        both = labels.both(iri)
        return {
            "zh": both.get("zh") or labels.text(iri, "zh"),
            "en": both.get("en") or labels.text(iri, "en"),
            "href": local_href(iri),
            "iri": iri,
        }
    return {"text": term["value"], "lang": term.get("xml:lang", "")}


def _query_page(
    name: str,
    *,
    query: NamedQuery | None = None,
    page: dict | None = None,
    body: bytes = b"",
    limit: int | None = None,
    offset: int = 0,
    headers: Mapping[str, str] | None = None,
    error: ParameterError | None = None,
    status: int = 200,
) -> Response:
    query = query or _query(name)
    table = None
    if page is not None:
        variables = page["head"].get("vars", [])
        labels = resources.labels()
        table = {
            "variables": variables,
            # camelCase names may wrap between their words (<wbr> in the header).
            "headers": [_CAMEL_BREAK.split(v) for v in variables],
            "rows": [
                [_cell(row.get(v), labels) for v in variables]
                for row in page["results"]["bindings"]
            ],
            "total": page["total"],
            "truncated": page["truncated"],
            "links": dict(_links(query, limit, offset, page["total"])) if limit else {},
            "offset": offset,
        }
    elif query.form == "ASK" and body:
        table = {"boolean": json.loads(body).get("boolean")}
    elif body:
        table = {"graph": body.decode("utf-8", "replace")}
    given = {k: v for k, v in request.args.items() if k not in RESERVED}
    label_lang, negotiated = page_lang()
    html = render_template(
        "api_query.html",
        label_lang=label_lang,
        query=query,
        links=query_links(query),
        table=table,
        error=error,
        given=given,
        query_string=urlencode([(k, v) for k, v in request.args.items() if k not in ("format",)]),
    )
    response = Response(html, status, mimetype="text/html")
    response.headers.update(dict(headers or {}))
    if negotiated:
        response.vary.add("Accept-Language")
    if status != 200:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/queries")
def catalogue() -> Response:
    """Every named query: JSON for programs, a table for people."""
    try:
        queries = _catalogue()
        wanted = request.args.get("format")
        if wanted is not None and wanted not in ("json", "html"):
            raise ParameterError("format", f"{wanted!r} is not json or html", "json or html")
        # Accept's application/json arrives as the SPARQL JSON type (negotiation's alias).
        chosen = best([n.JSON, n.RESULTS_JSON, n.HTML])
        chosen = n.JSON if chosen == n.RESULTS_JSON else chosen
        mime = {"json": n.JSON, "html": n.HTML}.get(wanted or "") or chosen
        if mime is None:
            raise ApiError(406, "the catalogue is application/json or text/html", "not-acceptable")
    except ParameterError as error:
        raise HttpError(400, str(error), "bad-parameter", detail=error.as_dict()) from error
    if mime == n.HTML:
        response = Response(
            render_template(
                "api_queries.html",
                queries=queries,
                links={q.name: query_links(q) for q in queries},
            ),
            200,
            mimetype="text/html",
        )
    else:
        doc = {
            "queries": [{**q.to_json(), "links": query_links(q)} for q in queries],
            "openapi": url_for("api.openapi_document"),
        }
        response = Response(
            json.dumps(doc, ensure_ascii=False, indent=1) + "\n", 200, mimetype=n.JSON
        )
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept")
    return response


# --- OpenAPI and its documentation page ------------------------------------------------------

_choices_cache: dict[str, dict[str, dict[str, list[str]]]] = {}
_choices_lock = threading.Lock()


def _class_choices(queries: list[NamedQuery]) -> dict[str, dict[str, list[str]]]:
    """For each IRI parameter with a class, the store's resources of it (cached per version)."""
    st = state()
    with _choices_lock:
        cached = _choices_cache.get(st.version)
        if cached is not None and all(q.name in cached for q in queries):
            return cached
    classes = {p.cls for q in queries for p in q.params if p.type == "iri" and p.cls}
    members: dict[str, list[str]] = {}
    for cls in sorted(c for c in classes if c):
        doc, truncated = _select(CLASS_MEMBERS_QUERY, {"class": URIRef(cls)})
        iris = [row["iri"]["value"] for row in doc["results"]["bindings"]]
        if not truncated and 0 < len(iris) <= MAX_CHOICES:
            members[cls] = iris
    found = {
        q.name: {p.name: members[p.cls] for p in q.params if p.cls in members} for q in queries
    }
    with _choices_lock:
        _choices_cache.clear()
        _choices_cache[st.version] = found
    return found


@bp.get("/openapi.json")
def openapi_document() -> Response:
    st = state()
    queries = _catalogue()
    choices = _class_choices(queries)
    doc = openapi.build(
        queries,
        server=request.host_url.rstrip("/"),
        max_rows=st.settings.max_rows,
        dataset_version=st.version,
        choices=choices,
    )
    response = Response(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", 200, mimetype=n.JSON)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("")
@bp.get("/")
def docs() -> Response:
    """The API's documentation: Swagger UI over /api/openapi.json, all assets vendored."""
    html = render_template("api.html", spec_url=url_for("api.openapi_document"))
    response = Response(html, 200, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response

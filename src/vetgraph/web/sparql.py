"""``/sparql``: the SPARQL 1.1 Protocol endpoint, its service description and its editor.

Query by GET, by POST form and by POST direct; update (only when enabled, with a bearer
token) by POST form and POST direct. A GET without a query answers the service description to
machines and the query editor to browsers. Parameters are decoded strictly as UTF-8 and each
protocol parameter that may occur once must occur once.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, Response, render_template, request, url_for

from ..config import Settings
from ..engine.executor import QueryRequest
from ..engine.guard import CostLimits, check_text
from ..namespaces import PREFIXES
from . import answers, description, negotiation
from . import state as web_state
from .http import HttpError, best, not_modified, weak_etag

bp = Blueprint("sparql", __name__)
log = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
ACCEPT_POST = f"{SPARQL_QUERY}, {SPARQL_UPDATE}, {FORM}"

#: Prefixes offered by the editor besides the dataset's own: the project's one list.
COMMON_PREFIXES = PREFIXES


class ProtocolError(HttpError):
    """A request that does not follow the SPARQL Protocol."""

    def __init__(
        self, status: int, message: str, reason: str, headers: dict[str, str] | None = None
    ):
        super().__init__(status, message, reason, headers=headers)


@dataclass
class Operation:
    """What the request asks: a query, an update, or nothing (description / editor)."""

    kind: str | None  # "query" | "update" | None
    text: str = ""
    default_graph_uris: list[str] = field(default_factory=list)
    named_graph_uris: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    using: list[str] = field(default_factory=list)


def _pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    """Decode ``a=b&c=d`` strictly: a byte sequence that is not UTF-8 is the client's error."""
    try:
        text = raw.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"the {where} is not valid UTF-8", "bad-encoding") from error
    except ValueError as error:
        raise ProtocolError(400, f"cannot read the {where}: {error}", "bad-request") from error


def _body_text(what: str) -> str:
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(
            400, f"the {what} in the body is not valid UTF-8", "bad-encoding"
        ) from error


def _single(pairs: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in pairs if key == name]
    if len(values) > 1:
        raise ProtocolError(
            400,
            f"the request has {len(values)} '{name}' parameters; send exactly one",
            "bad-request",
        )
    return values[0] if values else None


def read_operation() -> Operation:
    """Read the protocol operation from the request (GET, POST form or POST direct)."""
    url_pairs = _pairs(request.query_string, "query string")
    if request.method in ("GET", "HEAD"):
        if any(key == "update" for key, _ in url_pairs):
            raise ProtocolError(400, "SPARQL Update must be sent by POST, not GET", "bad-request")
        return _operation(url_pairs, _single(url_pairs, "query"), "query")

    mimetype = request.mimetype
    charset = request.mimetype_params.get("charset")
    if not mimetype:
        raise ProtocolError(
            415,
            f"a POST to /sparql needs a Content-Type: one of {ACCEPT_POST}",
            "unsupported-media-type",
            {"Accept-Post": ACCEPT_POST},
        )
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise ProtocolError(
            415, f"only UTF-8 bodies are accepted, not {charset}", "unsupported-media-type"
        )
    if mimetype == FORM:
        pairs = url_pairs + _pairs(request.get_data(cache=True), "form body")
        query, update = _single(pairs, "query"), _single(pairs, "update")
        if query is not None and update is not None:
            raise ProtocolError(400, "send either 'query' or 'update', not both", "bad-request")
        if update is not None:
            return _operation(pairs, update, "update")
        if query is None:
            raise ProtocolError(400, "the form has no 'query' or 'update' parameter", "bad-request")
        return _operation(pairs, query, "query")
    if mimetype == SPARQL_QUERY:
        if _single(url_pairs, "query") is not None:
            raise ProtocolError(
                400, "the query is in the body; do not also send a 'query' parameter", "bad-request"
            )
        return _operation(url_pairs, _body_text("query"), "query")
    if mimetype == SPARQL_UPDATE:
        return _operation(url_pairs, _body_text("update"), "update")
    raise ProtocolError(
        415,
        f"cannot read a {mimetype} body; send one of {ACCEPT_POST}",
        "unsupported-media-type",
        {"Accept-Post": ACCEPT_POST},
    )


def _operation(pairs: list[tuple[str, str]], text: str | None, kind: str) -> Operation:
    def values(name: str) -> list[str]:
        return [value for key, value in pairs if key == name]

    if text is None:
        return Operation(None, formats=values("format"))
    if not text.strip():
        raise ProtocolError(400, f"the '{kind}' parameter is empty", "bad-request")
    return Operation(
        kind,
        text,
        values("default-graph-uri"),
        values("named-graph-uri"),
        values("format"),
        values("using-graph-uri") + values("using-named-graph-uri"),
    )


def _negotiate(formats: list[str]) -> negotiation.Choice:
    """Accept, or the first ``format`` value this endpoint knows (clients send several)."""
    for value in formats:
        try:
            return negotiation.Choice.from_format_param(value)
        except negotiation.UnknownFormat:
            continue
    if formats:
        raise ProtocolError(
            400,
            f"unknown format {formats[0]!r}; use one of "
            + ", ".join(sorted(negotiation.FORMAT_NAMES)),
            "bad-format",
        )
    return negotiation.Choice(best(negotiation.RESULTS_FORMATS), best(negotiation.GRAPH_FORMATS))


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """The protocol endpoint (see the module docstring)."""
    # ProtocolError, Refusal (400/406/413) and the engine's errors (503/500) are answered by
    # the app's one HttpError handler (manners), as on every surface.
    operation = read_operation()
    if operation.kind is None:
        return _describe_or_edit(operation)
    if operation.kind == "update":
        return _update(operation)
    return _query(operation)


def _query(operation: Operation) -> Response:
    answers.surface()
    st = web_state()
    settings = st.settings
    choice = _negotiate(operation.formats)
    if choice.results is None and choice.graph is None:
        offered = ", ".join(negotiation.RESULTS_FORMATS + negotiation.GRAPH_FORMATS)
        raise ProtocolError(
            406,
            f"cannot answer in any accepted type; this endpoint offers {offered}",
            "not-acceptable",
        )
    check_text(
        operation.text,
        max_length=settings.max_query_length,
        max_depth=st.max_query_depth,
        costs=CostLimits.from_settings(settings),
    )
    version = st.version  # read once: the answer is kept under the version it was asked of
    etag = weak_etag(
        version,
        "query",
        operation.text,
        "|".join(operation.default_graph_uris),
        "|".join(operation.named_graph_uris),
        choice.results or "",
        choice.graph or "",
        str(settings.max_rows),
    )
    cache_control = (
        f"public, max-age={st.cache_max_age}" if request.method in ("GET", "HEAD") else "no-cache"
    )
    if request.method in ("GET", "HEAD"):
        early = not_modified(etag, headers={"Cache-Control": cache_control}, vary=["Accept"])
        if early is not None:
            return early
    cache = answers.cache()
    key = (
        "sparql",
        answers.query_key(operation.text),
        tuple(operation.default_graph_uris),
        tuple(operation.named_graph_uris),
        choice.results,
        choice.graph,
        settings.max_rows,
    )
    started = time.perf_counter()
    hit = cache.get(version, key) if cache is not None else None
    if hit is not None:
        body, mime = hit
        truncated, status = False, answers.HIT
        timing = answers.hit_timing(started)
    else:
        reply = st.executor.query(
            QueryRequest(
                operation.text,
                choice.results,
                choice.graph,
                tuple(operation.default_graph_uris),
                tuple(operation.named_graph_uris),
                settings.max_rows,
            )
        )
        mime, truncated = reply.mime, reply.truncated
        body = mark_truncated(reply.body, mime, settings.max_rows) if truncated else reply.body
        status = answers.BYPASS if cache is None else answers.NOT_STORED
        # A truncated answer is not the whole answer: never kept.
        if cache is not None and not truncated and cache.put(version, key, body, mime):
            status = answers.STORED
        timing = f"query;dur={reply.elapsed * 1000:.1f}"
    response = Response(body, 200, content_type=_content_type(mime))
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = cache_control
    response.headers["X-SPARQL-Truncated"] = "true" if truncated else "false"
    response.headers["X-SPARQL-Max-Rows"] = str(settings.max_rows)
    response.headers["Server-Timing"] = timing
    response.headers["Cache-Status"] = status
    response.vary.add("Accept")
    return response


def _content_type(mime: str) -> str:
    return f"{mime}; charset=utf-8"


def mark_truncated(body: bytes, mime: str, limit: int) -> bytes:
    """Say in the body that the answer was cut, where the format has room for it."""
    note = f"vetgraph: truncated to the first {limit} results (X-SPARQL-Truncated)"
    if mime == negotiation.RESULTS_JSON:
        trimmed = body.rstrip()
        if trimmed.endswith(b"}"):
            member = json.dumps({"truncated": True, "limit": limit})
            return trimmed[:-1] + b',"vetgraph":' + member.encode() + b"}"
        return body
    if mime in (negotiation.RESULTS_XML, negotiation.RDFXML):
        comment = f"<!-- {note} -->\n".encode()
        if body.startswith(b"<?xml"):
            end = body.find(b"?>") + 2
            return body[:end] + b"\n" + comment + body[end:].lstrip(b"\n")
        return comment + body
    if mime in (negotiation.TURTLE, negotiation.NTRIPLES, negotiation.TRIG, negotiation.NQUADS):
        return f"# {note}\n".encode() + body
    return body


def _update(operation: Operation) -> Response:
    st = web_state()
    if not st.allow_update:
        raise ProtocolError(
            403, "this endpoint is read-only: SPARQL Update is disabled", "forbidden"
        )
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProtocolError(
            401,
            "SPARQL Update needs 'Authorization: Bearer <token>'",
            "unauthorized",
            {"WWW-Authenticate": 'Bearer realm="vetgraph"'},
        )
    if not hmac.compare_digest(token.strip().encode(), (st.update_token or "").encode()):
        raise ProtocolError(
            401,
            "the bearer token is not valid",
            "unauthorized",
            {"WWW-Authenticate": 'Bearer realm="vetgraph", error="invalid_token"'},
        )
    if operation.using:
        raise ProtocolError(
            400,
            "using-graph-uri / using-named-graph-uri are not supported; write USING in the update",
            "bad-request",
        )
    check_text(
        operation.text,
        max_length=st.settings.max_query_length,
        max_depth=st.max_query_depth,
        costs=CostLimits.from_settings(st.settings),
        update=True,
    )
    outcome = st.executor.update(operation.text, st.update_timeout)
    st.adopt(st.executor.store_dir)  # the manifest now names the new dataset version
    lines = [
        "update applied",
        f"dataset version {outcome.version}, {outcome.triples} triples",
    ]
    if outcome.snapshot:
        lines.append(
            f"snapshot {outcome.snapshot} kept before it: `vetgraph restore {outcome.snapshot}` "
            "puts the data back"
        )
    response = Response("\n".join(lines) + "\n", 200, mimetype="text/plain")
    response.headers["X-Dataset-Version"] = outcome.version
    response.headers["Cache-Control"] = "no-store"
    return response


def _describe_or_edit(operation: Operation) -> Response:
    st = web_state()
    if request.method == "POST":
        raise ProtocolError(400, "the request has no 'query' or 'update'", "bad-request")
    if operation.formats:
        wanted = operation.formats[0].strip().lower()
        if wanted in ("html", negotiation.HTML):
            return editor()
        try:
            mime = negotiation.from_format_param(wanted)[1]
        except negotiation.UnknownFormat:
            mime = None
        if mime is None:
            raise ProtocolError(
                400, f"the service description is RDF or HTML; not {wanted!r}", "bad-format"
            )
    else:
        mime = best((*negotiation.GRAPH_FORMATS, negotiation.HTML))
    if mime is None:
        raise ProtocolError(
            406,
            "the service description is available as HTML or "
            + ", ".join(negotiation.GRAPH_FORMATS),
            "not-acceptable",
        )
    if mime == negotiation.HTML:
        return editor()
    endpoint_url = request.base_url
    etag = weak_etag(st.version, "description", endpoint_url, mime)
    early = not_modified(etag)
    if early is not None:
        return early
    info = st.executor.info()
    graph = description.build(
        endpoint_url, info.graphs, st.limits(), version=st.version, allow_update=st.allow_update
    )
    response = Response(description.serialize(graph, mime), 200, content_type=_content_type(mime))
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = f"public, max-age={st.cache_max_age}"
    response.vary.add("Accept")
    return response


def named_queries(settings: Settings) -> list[dict[str, Any]]:
    """The catalogue's queries (``queries/*.rq``) for the editor: name, summary, tags, text.

    Only the ``#+`` header is read here (the catalogue module also parses the SPARQL, which
    takes seconds for the whole folder); the endpoint checks each query when it runs.
    """
    import yaml

    from ..queries import split_header

    folder = settings.queries_dir
    tabs = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        try:
            header = yaml.safe_load(split_header(text)[0]) or {}
        except yaml.YAMLError as error:
            log.warning("editor: the #+ header of %s does not read: %s", path.name, error)
            header = {}
        if not isinstance(header, dict):
            header = {}
        parts = [str(header[k]) for k in ("summary_zh", "summary_en") if header.get(k)]
        summary = " / ".join(parts) or str(header.get("summary") or path.stem)
        tags = header.get("tags")
        tags = [str(t) for t in tags] if isinstance(tags, list) else []
        tabs.append({"name": path.stem, "summary": summary, "query": text, "tags": tags})
    return tabs


def query_menu(tabs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The named queries grouped for the editor's menu: by each query's first tag (its main
    subject), groups and queries in name order, untagged ones last under "other"."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for tab in tabs:
        group = tab["tags"][0] if tab.get("tags") else "other"
        groups.setdefault(group, []).append(tab)
    order = sorted(groups, key=lambda g: (g == "other", g))
    return [{"tag": g, "queries": [t["name"] for t in groups[g]]} for g in order]


def editor_prefixes() -> dict[str, str]:
    st = web_state()
    return {**COMMON_PREFIXES, **st.prefixes}


def editor() -> Response:
    """The query editor (YASGUI, served from this package), set up for this endpoint."""
    st = web_state()
    endpoint_url = url_for("sparql.endpoint", _external=True)
    prefixes = editor_prefixes()
    used = ["rdf", "rdfs", "skos", "vet"]
    header = "".join(f"PREFIX {p}: <{prefixes[p]}>\n" for p in used if p in prefixes)
    default_query = (
        header
        + "\nSELECT ?school ?name WHERE {\n  ?school a vet:School ; rdfs:label ?name .\n"
        + '  FILTER(lang(?name) = "zh")\n} ORDER BY ?name\n'
    )
    tabs = named_queries(st.settings)
    config = {
        "endpoint": endpoint_url,
        "prefixesUrl": url_for("sparql.prefixes", _external=True),
        "prefixes": prefixes,
        "defaultQuery": default_query,
        "tabs": tabs,
        "menu": query_menu(tabs),
        "version": st.version,
    }
    html = render_template("sparql.html", config=config, limits=st.limits())
    response = Response(html, 200, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept")
    return response


@bp.route("/sparql/prefixes.json")
def prefixes() -> Response:
    """Prefix map for the editor's autocompletion (instead of prefix.cc: nothing leaves)."""
    response = Response(
        json.dumps(editor_prefixes(), ensure_ascii=False, sort_keys=True) + "\n",
        200,
        mimetype="application/json",
    )
    response.headers["Cache-Control"] = "public, max-age=300"
    return response

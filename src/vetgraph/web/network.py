"""``/network``: the network explorer for planners, and every networkx view as a download.

``/network`` (HTML; JSON list of views with ``?format=json``), ``/network/{view}.{fmt}`` for
``json`` (networkx node-link), ``graphml``, ``gexf``, ``png``, ``svg`` and ``html`` (a
standalone page), ``/network/{view}/cytoscape.json`` (what the explorer draws),
``/network/path.json?from=A&to=B``, ``/network/gaps.json`` (clusters ranked with reasons,
rolled up the cluster hierarchy) and ``/network/matrix.{png,svg,csv}`` (clusters × schools).
Views are built from the store through the same query workers as ``/sparql`` and cached per
dataset version. The same addresses under ``/graph`` (their names until "graph" came to mean a
named graph only) answer with a permanent redirect (308, query string kept);
``/graph/{named-graph}`` is :mod:`.dumps`'s.

Files are cached by the canonical request (view, format, lang; other parameters are ignored),
in a cache bounded in bytes (``--graph-cache-bytes``), and drawn off the web process under the
query timeout and the workers' memory cap, a few at a time (:mod:`.render`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from .. import networks
from ..config import BASE_IRI
from ..engine.store import WorkerStore
from ..networks.analytics import NotFound, connect, find_entity, find_gaps, gaps_json
from ..networks.export import cytoscape
from ..networks.hierarchy import coverage_matrix, matrix_csv
from . import state as web_state
from .http import HttpError, not_modified, weak_etag
from .render import ByteCache, Renderer

bp = Blueprint("network", __name__)

DOWNLOADS = ("json", "graphml", "gexf", "png", "svg", "html")
DEFAULT_VIEW = "school-major-cluster"


class _Cache:
    """Facts, views and their bytes for one dataset version (rebuilt when it changes)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version = ""
        self.items: dict[tuple[str, ...], Any] = {}

    def get(self, version: str, key: tuple[str, ...], make: Callable[[], Any]) -> Any:
        with self.lock:
            if version != self.version:
                self.version, self.items = version, {}
            if key in self.items:
                return self.items[key]
        value = make()  # outside the lock: a slow build must not block cached answers
        with self.lock:
            if version == self.version:
                self.items.setdefault(key, value)
        return value


def _cache() -> _Cache:
    return current_app.extensions.setdefault("vetgraph.graph", _Cache())


def _facts() -> networks.Facts:
    st = web_state()
    store = WorkerStore(st.executor)
    return _cache().get(st.version, ("facts",), lambda: networks.load_facts(store))


def _view(name: str, lang: str) -> Any:
    if name not in networks.VIEWS:
        abort(404, description=f"no graph view {name!r}; known: {', '.join(networks.VIEWS)}")
    return _cache().get(web_state().version, ("view", name, lang),
                        lambda: networks.build(_facts(), name, lang))


def _lang() -> str:
    lang = request.args.get("lang", "zh")
    if lang not in networks.LANGS:
        abort(400, description=f"lang must be zh or en, not {lang!r}")
    return lang


def _files() -> ByteCache:
    """Rendered files, bounded in bytes (one per app)."""
    cache = current_app.extensions.get("vetgraph.graph-files")
    if cache is None:
        capacity = web_state().settings.graph_cache_bytes
        cache = current_app.extensions.setdefault("vetgraph.graph-files", ByteCache(capacity))
    return cache


def _renderer() -> Renderer:
    """The render processes' bounds: the query timeout, the workers' memory cap and queue wait,
    ``--max-concurrent-renders`` at once (one per app)."""
    renderer = current_app.extensions.get("vetgraph.graph-renderer")
    if renderer is None:
        st = web_state()
        renderer = current_app.extensions.setdefault(
            "vetgraph.graph-renderer",
            Renderer(
                timeout=st.settings.query_timeout,
                memory_limit=st.executor.spec.memory_limit,
                concurrency=st.settings.max_concurrent_renders,
                queue_wait=st.executor.queue_wait,
            ),
        )
    return renderer


def _cached_response(
    key: tuple[str, ...], make: Callable[[], tuple[bytes, str]], **headers: str
) -> Response:
    """Bytes keyed by dataset version and the canonical request ``key`` (never the raw URL:
    ``?junk=N`` must not make a new entry), with an ETag and cache headers."""
    st = web_state()
    etag = weak_etag(st.version, "graph", *key)
    early = not_modified(etag)
    if early is not None:
        return early
    files = _files()
    hit = files.get((st.version, *key))
    if hit is None:
        hit = make()
        files.put((st.version, *key), hit)
    body, mime = hit
    response = Response(body, 200, content_type=mime)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = f"public, max-age={st.cache_max_age}"
    response.headers.update(headers)
    return response


def _views_list() -> list[dict[str, str]]:
    return [
        {"name": v.name, "title_zh": v.title_zh, "title_en": v.title_en,
         "description": v.description_en,
         "links": {fmt: url_for("network.download", view=v.name, fmt=fmt, _external=True)
                   for fmt in DOWNLOADS}}
        for v in networks.VIEWS.values()
    ]


@bp.route("/network")
def explorer() -> Response:
    """The explorer page, or the list of views as JSON."""
    fmt = request.args.get("format", "").lower()
    accept = request.accept_mimetypes
    prefers_json = accept.quality("application/json") > accept.quality("text/html")
    if fmt == "json" or (not fmt and prefers_json):
        response = current_app.json.response({"views": _views_list()})
        response.vary.add("Accept")
        return response
    view = request.args.get("view", DEFAULT_VIEW)
    if view not in networks.VIEWS:
        abort(404, description=f"no graph view {view!r}; known: {', '.join(networks.VIEWS)}")
    config = {
        "views": [{"name": v.name, "title_zh": v.title_zh, "title_en": v.title_en}
                  for v in networks.VIEWS.values()],
        "view": view,
        "lang": _lang(),
        "pageUrl": url_for("network.explorer"),
        "elementsUrl": url_for("network.elements", view="VIEW").replace("VIEW", "{view}"),
        "viewUrl": url_for("network.explorer") + "/{view}",
        "base": BASE_IRI,
        "entityPrefix": url_for("home.index"),
        "gapsUrl": url_for("network.gaps"),
        "matrixUrl": url_for("network.matrix", fmt="FMT").replace("FMT", "{fmt}"),
    }
    html = render_template("network.html", config=config)
    response = Response(html, mimetype="text/html")
    response.vary.add("Accept")
    return response


@bp.route("/network/<view>/cytoscape.json")
def elements(view: str) -> Response:
    """What the explorer draws: elements with positions, legend, metrics."""
    lang = _lang()

    def make() -> tuple[bytes, str]:
        payload = cytoscape(_view(view, lang))
        return json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json"

    return _cached_response(("elements", view, lang), make)


@bp.route("/network/<view>.<fmt>")
def download(view: str, fmt: str) -> Response:
    """A view as a file: node-link JSON, GraphML, GEXF, PNG, SVG or standalone HTML."""
    if fmt not in DOWNLOADS:
        abort(404, description=f"no format {fmt!r}; use one of {', '.join(DOWNLOADS)}")
    lang = _lang()
    g = _view(view, lang)
    disposition = "inline" if fmt in ("json", "png", "svg", "html") else "attachment"

    def make() -> tuple[bytes, str]:
        return _renderer().render(g, fmt), networks.MEDIA_TYPES[fmt]

    return _cached_response(
        ("download", view, fmt, lang), make,
        **{"Content-Disposition": f'{disposition}; filename="{view}-{lang}.{fmt}"'},
    )


@bp.route("/network/path.json")
def path() -> Response:
    """Shortest paths between two entities (IRI or label) with the triples along them."""
    lang = _lang()
    facts = _facts()
    try:
        source = find_entity(facts, request.args.get("from", ""))
        target = find_entity(facts, request.args.get("to", ""))
    except NotFound as error:
        raise HttpError(404, str(error), "not-found") from error
    found = connect(_view("entity", lang), facts, source, target)
    return current_app.json.response({
        "from": {"iri": source, "label": facts.label(source, lang)},
        "to": {"iri": target, "label": facts.label(target, lang)},
        "length": found.length,
        "paths": [
            [{"from": s.source, "to": s.target,
              "triples": [{"subject": t[0], "predicate": t[1], "object": t[2],
                           "text": f"{facts.label(t[0], lang)} —{_prop(facts, t[1], lang)}→ "
                                   f"{facts.label(t[2], lang)}"} for t in s.triples]}
             for s in p]
            for p in found.paths
        ],
    })


def _prop(facts: networks.Facts, iri: str, lang: str) -> str:
    zh, en = facts.labels.get(iri, ("", ""))
    return (zh if lang == "zh" else en) or iri


@bp.route("/network/gaps.json")
def gaps() -> Response:
    """The gap report: every cluster of the hierarchy ranked, with its counts by basis, the
    reason in zh and en and the report's evidence; schools with fewest partners; loose
    entities."""
    lang = _lang()

    def make() -> tuple[bytes, str]:
        facts = _facts()
        report = find_gaps(facts, _view("entity", lang))
        body = json.dumps(gaps_json(report, facts, lang), ensure_ascii=False)
        return body.encode("utf-8"), "application/json"

    return _cached_response(("gaps", lang), make)


MATRIX_TYPES = {"png": "image/png", "svg": "image/svg+xml", "csv": "text/csv; charset=utf-8"}


@bp.route("/network/matrix.<fmt>")
def matrix(fmt: str) -> Response:
    """Industry clusters × schools, majors by basis: a picture (PNG, SVG) or CSV."""
    if fmt not in MATRIX_TYPES:
        abort(404, description=f"no format {fmt!r}; use one of {', '.join(MATRIX_TYPES)}")
    lang = _lang()

    def make() -> tuple[bytes, str]:
        from ..networks.render import draw_matrix

        facts = _facts()
        table = coverage_matrix(facts)
        body = (matrix_csv(facts, table, lang) if fmt == "csv"
                else _renderer().draw(draw_matrix, facts, table, fmt, lang))
        return body, MATRIX_TYPES[fmt]

    disposition = "attachment" if fmt == "csv" else "inline"
    return _cached_response(
        ("matrix", fmt, lang), make,
        **{"Content-Disposition": f'{disposition}; filename="cluster-school-matrix-{lang}.{fmt}"'},
    )


# --- the old addresses ----------------------------------------------------------------------

#: The routes above as they were under ``/graph``; each answers 308 to its ``/network`` twin.
MOVED_RULES = ("/graph", "/graph/<view>/cytoscape.json", "/graph/<view>.<fmt>",
               "/graph/path.json", "/graph/gaps.json", "/graph/matrix.<fmt>")


def moved(**_: str) -> Response:
    """308 to the same address under ``/network``, the query string kept: old links and
    bookmarks keep working, and a client may repeat the method and body."""
    target = request.script_root + "/network" + request.path[len("/graph"):]
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    return redirect(target, code=308)


for _index, _rule in enumerate(MOVED_RULES):
    bp.add_url_rule(_rule, f"moved_{_index}", moved)

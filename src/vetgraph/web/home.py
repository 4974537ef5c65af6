"""``/``: what this dataset is, where it comes from, how big it is, and where to go next.

The same facts as HTML for people and JSON for scripts (``Accept: application/json`` or
``?format=json``), like every page of the site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from ..config import GRAPH_INFERRED, GRAPH_VALIDATION, REGISTRY
from ..infer import load_rules
from ..namespaces import sparql_prologue
from . import NETWORK_MODES, docpages, resources
from . import state as web_state
from .description import INFERENCE_NOTE
from .http import not_modified, weak_etag
from .linked import local_href

bp = Blueprint("home", __name__)

#: Files besides the Markdown that ``docs/`` pages may show.
DOC_ASSETS = ("png", "svg", "jpg", "jpeg", "gif", "webp")

REPORT_QUERY = sparql_prologue("vet", "rdfs", "dcterms") + """\
SELECT ?report (SAMPLE(?zh0) AS ?zh) (SAMPLE(?en0) AS ?en) (SAMPLE(?year0) AS ?year)
       (SAMPLE(?publisher0) AS ?publisher) WHERE {
  ?report a vet:Report .
  OPTIONAL { ?report rdfs:label ?zh0 FILTER(langMatches(lang(?zh0), "zh")) }
  OPTIONAL { ?report rdfs:label ?en0 FILTER(langMatches(lang(?en0), "en")) }
  OPTIONAL { ?report vet:reportYear ?year0 }
  OPTIONAL { ?report dcterms:publisher/rdfs:label ?publisher0
             FILTER(langMatches(lang(?publisher0), "zh")) }
} GROUP BY ?report ORDER BY ?report"""

ENTITIES_QUERY = """SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {
  GRAPH <https://w3id.org/vetgraph/graph/data> { ?s a ?class }
  FILTER(STRSTARTS(STR(?s), "https://w3id.org/vetgraph/id/"))
}"""

#: Entities per class in the data and the code lists (majors, clusters, indicators ... are codes).
CLASSES_QUERY = """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  VALUES ?g { <https://w3id.org/vetgraph/graph/data> <https://w3id.org/vetgraph/graph/codes> }
  GRAPH ?g { ?s a ?class }
} GROUP BY ?class ORDER BY DESC(?n) STR(?class)"""

DESCRIPTION = {
    "zh": (
        "vetgraph 把《本溪市中等职业教育质量年度报告（2024）》整理成知识图谱：学校、专业、"
        "产业集群、企业、合作协议、实训基地和统计表，每一条事实都注明出自报告的哪一节、哪张表。"
    ),
    "en": (
        "vetgraph turns the 2024 annual quality report on secondary vocational education of "
        "Benxi City (Liaoning, China) into a knowledge graph: schools, majors, industry "
        "clusters, enterprises, cooperation agreements, training bases and statistics tables, "
        "every fact traced to the section or table of the report it comes from."
    ),
}


def summary() -> dict[str, Any]:
    """The home page's facts as JSON-ready data (cached per store generation)."""
    st = web_state()
    executor = st.executor
    stats = executor.stats()
    reports = executor.cached("reports", lambda: executor.select(REPORT_QUERY))
    entities = executor.cached("entities", lambda: executor.select(ENTITIES_QUERY))
    classes = executor.cached("home-classes", lambda: executor.select(CLASSES_QUERY))
    labels = resources.labels()
    return {
        "name": "vetgraph",
        "description": DESCRIPTION,
        "dataset_version": st.version,
        "backend": st.backend,
        "sources": [
            {
                "iri": row["report"],
                "href": local_href(row["report"]),
                "title_zh": row.get("zh"),
                "title_en": row.get("en"),
                "year": row.get("year"),
                "publisher": row.get("publisher"),
            }
            for row in reports
        ],
        "triples": stats["triples"],
        "graphs": stats["graphs"],
        "entities": int(entities[0]["n"]) if entities else 0,
        "classes": [
            {
                "class": row["class"],
                "label_zh": labels.both(row["class"]).get("zh"),
                "label_en": labels.both(row["class"]).get("en"),
                "count": int(row["n"]),
                "href": local_href(row["class"]),
            }
            for row in classes
        ],
        "datasets": [
            {**row, "href": local_href(row["dataset"])} for row in stats["datasets"]
        ],
        "limits": st.limits(),
        # how each limit is set: from the settings registry, as `vetgraph serve --help` says
        "limit_settings": {
            s.limit: {"option": s.flag, "env": s.env, "help": s.help}
            for s in REGISTRY if s.limit
        },
        "inference": inference_summary(stats["graphs"]),
        "validation": validation_summary(stats["graphs"]),
        "network_note": NETWORK_MODES[st.worker_network],
        "links": {
            "sparql_editor": url_for("sparql.endpoint", _external=True),
            "sparql_endpoint": url_for("sparql.endpoint", _external=True),
            "service_description": url_for("sparql.endpoint", format="ttl", _external=True),
            "documentation": url_for("home.docs", name="model", _external=True),
            "sparql_documentation": url_for("home.docs", name="sparql", _external=True),
            "documentation_markdown": url_for("home.docs", name="model.md", _external=True),
            "documentation_index": url_for("home.docs", _external=True),
            "home_json": url_for("home.index", format="json", _external=True),
            "cli_documentation": url_for("home.docs", name="cli", _external=True),
        },
    }


def inference_summary(graphs: dict[str, int]) -> dict[str, Any]:
    """The inferred graph: its size, the rules and aggregates that fill it, and whether
    updates accepted since the build have left it stale (the next ``vetgraph build``
    recomputes it)."""
    st = web_state()
    return {
        "graph": GRAPH_INFERRED,
        "triples": graphs.get(GRAPH_INFERRED, 0),
        "note": INFERENCE_NOTE,
        "stale": st.executor.generation > 0,
        "rules": [
            {"name": rule.name, "kind": rule.kind, "label": rule.label,
             "explanation": rule.explanation}
            for rule in load_rules(st.settings)
        ],
        "ontology": url_for("resources.ontology", _external=True),
    }


def validation_summary(graphs: dict[str, int]) -> dict[str, Any]:
    """The build's validation report (``graph/validation``): its size and whether updates
    accepted since the build have left its findings stale (the next build recomputes them)."""
    st = web_state()
    return {
        "graph": GRAPH_VALIDATION,
        "triples": graphs.get(GRAPH_VALIDATION, 0),
        "present": GRAPH_VALIDATION in graphs,
        "stale": st.executor.generation > 0,
        "findings": url_for("api.answer", name="data-quality-findings", _external=True),
    }


@bp.route("/")
def index() -> Response:
    """HTML for browsers, JSON for scripts; an ETag keyed by the dataset version."""
    st = web_state()
    fmt = request.args.get("format", "").lower()
    if fmt not in ("", "html", "json"):
        abort(400, description=f"unknown format {fmt!r}; use html or json")
    accept = request.accept_mimetypes
    as_json = fmt == "json" or (
        not fmt and accept.quality("application/json") > accept.quality("text/html")
    )
    etag = weak_etag(st.version, "home", "json" if as_json else "html", request.host_url)
    early = not_modified(etag)
    if early is not None:
        return early
    data = summary()
    if as_json:
        response = jsonify(data)
    else:
        response = Response(render_template("home.html", s=data), mimetype="text/html")
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = f"public, max-age={st.cache_max_age}"
    response.vary.add("Accept")
    return response


@bp.route("/docs/")
@bp.route("/docs/<path:name>")
def docs(name: str = "") -> Response:
    """The documentation: ``docs/x.md`` as an HTML page at ``/docs/x`` in the site's layout,
    the Markdown itself at ``/docs/x.md`` (or ``?format=md``), and the pictures the pages show."""
    folder = web_state().settings.root / "docs"
    fmt = request.args.get("format", "").lower()
    if fmt not in ("", "html", "md"):
        abort(400, description=f"unknown format {fmt!r}; use html or md")
    if not name:
        entries = [(page, docpages.first_heading(folder / f"{page}.md"))
                   for page in docpages.pages(folder)]
        response = Response(render_template("docs_index.html", entries=entries),
                            mimetype="text/html")
    elif name.endswith(".md") or fmt == "md":
        stem = name.removesuffix(".md")
        path = folder / f"{stem}.md"
        if not docpages.PAGE_NAME.match(stem) or not path.is_file():
            abort(404, description=f"no documentation page {name!r}")
        response = Response(path.read_text(encoding="utf-8"), mimetype="text/markdown")
    elif docpages.PAGE_NAME.match(name):
        path = folder / f"{name}.md"
        if not path.is_file():
            abort(404, description=f"no documentation page {name!r}")
        page = docpages.render(name, path.read_text(encoding="utf-8"), local_href)
        html = render_template(
            "docs_page.html", page=page, pages=docpages.pages(folder),
            markdown_url=url_for("home.docs", name=f"{name}.md"),
        )
        response = Response(html, mimetype="text/html")
    elif name.rpartition(".")[2].lower() in DOC_ASSETS:
        response = send_from_directory(folder, name)
    else:
        abort(404, description=f"no documentation page {name!r}")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/favicon.ico")
def favicon() -> Response:
    """The site's icon, shipped in the package (browsers ask for it on every page)."""
    response = send_from_directory(
        Path(__file__).parent / "static", "favicon.ico", mimetype="image/vnd.microsoft.icon"
    )
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response

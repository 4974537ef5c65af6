"""Every IRI under the base resolves here: ``/id/…``, ``/code/…``, ``/dataset/…``, ``/source/…``,
``/ontology`` and ``/shapes``, each with content negotiation (HTML for browsers; Turtle,
N-Triples, JSON-LD, RDF/XML for machines) and suffix URLs (``.ttl .nt .jsonld .rdf .html``).

A request for ``{server}/id/school/x`` answers for ``{base_iri}id/school/x``: the base comes
from the settings (``--base-iri``), so a deployment under another domain answers for its own
IRIs. The RDF answer is the resource's concise bounded description plus the labels of what it
links to (:func:`vetgraph.ld_describe.describe`); the HTML page adds incoming links, statistics and
sources. An IRI the store does not know gets a 404 page that suggests IRIs close to it.
"""

from __future__ import annotations

import csv
import difflib
import io
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request
from rdflib import Graph, URIRef

from ..config import BASE_IRI, GRAPH_ONTOLOGY, GRAPH_SHAPES
from ..infer import load_rules
from ..linked import describe as ld_describe
from ..namespaces import OWL
from . import linked
from . import negotiation as n
from . import state as web_state
from .entity import Labels, build_page, load_parts
from .http import HttpError
from .vocab import ontology_doc, shapes_doc

bp = Blueprint("resources", __name__)

#: The first path segment of IRIs that name resources (``/dataset`` alone is the VoID).
KINDS = ("id", "code", "dataset", "source")

SUBJECTS_QUERY = "SELECT DISTINCT ?s WHERE { ?s ?p ?o . FILTER(isIRI(?s)) }"


def labels() -> Labels:
    return linked.cached("labels", lambda: Labels.load(linked.store()))


def parts() -> dict[str, Any]:
    return linked.cached("parts", lambda: load_parts(linked.store()))


def subjects() -> list[str]:
    """Every IRI that is the subject of a triple, sorted (for 404 hints, sitemap, VoID)."""
    def make() -> list[str]:
        rows = linked.store().query(SUBJECTS_QUERY).rows
        return sorted(str(row[0]) for row in rows)

    return linked.cached("subjects", make)


# --- resources ------------------------------------------------------------------------------


def _not_found(iri: str) -> Response:
    """404 with a page that says what was looked for and what exists nearby."""
    base = linked.base_iri()
    ours = [s for s in subjects() if s.startswith(base)]
    below = iri.rstrip("/") + "/"  # /id/school names a folder: list what is in it
    folder = below if any(s.startswith(below) for s in ours) else iri.rsplit("/", 1)[0] + "/"
    siblings = [s for s in ours if s.startswith(folder)]
    close = difflib.get_close_matches(iri, siblings or ours, n=8, cutoff=0.6)
    wants_html = linked.negotiate((n.HTML, "text/plain", n.RESULTS_JSON)) == n.HTML
    message = f"no resource {iri} in this dataset"
    if not wants_html:
        hint = ("; did you mean " + ", ".join(close) + "?") if close else ""
        raise HttpError(404, message + hint, "not-found", detail={"suggestions": close})
    lang, _ = linked.page_lang()
    names = labels()
    html = render_template(
        "resource_404.html", iri=iri, lang=lang,
        close=[(s, names.text(s, lang)) for s in close],
        siblings=[(s, names.text(s, lang)) for s in siblings[:50]],
        sibling_count=len(siblings), href=linked.local_href,
    )
    response = Response(html, 404, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def _rdf_triples(iri: str) -> list[Any]:
    return linked.cached(("describe", iri), lambda: ld_describe.describe(linked.store(), iri))


def _cluster_coverage(iri: str, lang: str) -> dict[str, Any] | None:
    """An industry cluster's coverage rolled up the hierarchy, by basis (None otherwise)."""
    from ..networks import load_facts
    from ..networks.hierarchy import BASIS_LABELS, hierarchy_coverage, row_json

    facts = linked.cached("graph-facts", lambda: load_facts(linked.store()))
    entity = facts.entities.get(iri)
    if entity is None or entity.type != "IndustryCluster":
        return None
    rows = linked.cached("cluster-coverage", lambda: hierarchy_coverage(facts))
    row = next(r for r in rows if r.cluster == iri)
    return {**row_json(facts, row, lang),
            "basis_labels": {b: zh if lang == "zh" else en
                             for b, (zh, en) in BASIS_LABELS.items()}}


def _rdf_full(iri: str) -> list[Any]:
    """What an RDF syntax gets: the description with the incoming links, as the HTML page."""
    return linked.cached(("describe-full", iri),
                         lambda: ld_describe.describe_full(linked.store(), iri))


def _html(iri: str, lang: str, doc_base: str) -> bytes:
    triples = _rdf_triples(iri)
    page = build_page(linked.store(), iri, lang, labels(), parts(), triples)
    html = render_template(
        "resource.html", page=page, lang=lang, names=labels(), parts=parts(),
        href=linked.local_href, doc_base=doc_base, formats=linked.SUFFIXES,
        other_lang="en" if lang == "zh" else "zh", cluster=_cluster_coverage(iri, lang),
    )
    return html.encode("utf-8")


def _grid_csv(table: str) -> Response:
    """A statistics table as its grid in CSV (``?lang=zh|en`` for the headings), for
    spreadsheets; the same cells as the HTML page's grid."""
    iri = linked.iri_for_path("dataset/" + table)
    lang = request.args.get("lang", "zh")
    if lang not in ("zh", "en"):
        abort(400, description="lang is zh or en")
    if not _exists(iri):
        return _not_found(iri)
    page = build_page(linked.store(), iri, lang, labels(), parts(), _rdf_triples(iri))
    if page.grid is None:
        abort(404, description=f"{iri} is not a statistics table")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([page.grid.row_heading, *page.grid.columns])
    for _, heading, cells in page.grid.rows:
        writer.writerow([heading, *cells])
    response = Response(out.getvalue().encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{table}.csv"'
    return response


def _exists(iri: str) -> bool:
    """Described here (a subject), or at least linked to (only ever an object)."""
    if iri in subject_set():
        return True
    try:
        ox.NamedNode(iri)  # a path with spaces, quotes or brackets names no IRI at all
    except ValueError:
        return False
    return ld_describe.exists(linked.store(), iri)  # not cached: unknown IRIs are unbounded


def subject_set() -> frozenset[str]:
    return linked.cached("subject-set", lambda: frozenset(subjects()))


def serve_iri(path: str) -> Response:
    """Answer for the IRI a path names (after taking off a format suffix)."""
    stem, suffix_mime = linked.split_suffix(path)
    iri = linked.iri_for_path(stem)
    if not _exists(iri):
        if suffix_mime is None or not _exists(linked.iri_for_path(path)):
            return _not_found(iri)
        stem, suffix_mime, iri = path, None, linked.iri_for_path(path)  # a dot in a slug

    doc_base = "/" + stem.lstrip("/")

    def make(mime: str, lang: str) -> bytes:
        if mime == n.HTML:
            return _html(iri, lang, doc_base)
        return linked.rdf_bytes(_rdf_full(iri), mime, first=iri)

    return linked.represent(doc_base, suffix_mime, make, key=iri)


@bp.route("/id/<path:rest>")
def entity(rest: str) -> Response:
    return serve_iri("id/" + rest)


@bp.route("/code/<path:rest>")
def code(rest: str) -> Response:
    return serve_iri("code/" + rest)


@bp.route("/dataset/<path:rest>")
def dataset_part(rest: str) -> Response:
    if rest.endswith(".csv") and "/" not in rest:
        return _grid_csv(rest[: -len(".csv")])
    return serve_iri("dataset/" + rest)


@bp.route("/source/<path:rest>")
def source(rest: str) -> Response:
    return serve_iri("source/" + rest)


# --- ontology and shapes -----------------------------------------------------------------------


def _named_graph(graph: str) -> Graph:
    """One named graph of the store as an rdflib Graph (kept per dataset version)."""
    def make() -> Graph:
        text = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
        result = linked.store().query(text, default_graph_uris=[graph])
        return ld_describe.to_graph(result.triples)

    return linked.cached(("graph", graph), make)


def _vocabulary(graph: str, doc_base: str, suffix: str | None, template: str,
                build: Any) -> Response:
    if suffix is not None and suffix not in linked.SUFFIXES:
        abort(404, description=f"no {doc_base}.{suffix}: try .html .ttl .nt .jsonld .rdf")
    suffix_mime = linked.SUFFIXES.get(suffix) if suffix else None

    def make(mime: str, lang: str) -> bytes:
        g = _named_graph(graph)
        if mime == n.HTML:
            doc = linked.cached((template, lang), lambda: build(g, labels(), lang))
            rules = load_rules(web_state().settings) if template == "ontology.html" else []
            html = render_template(template, doc=doc, lang=lang, href=linked.local_href,
                                   doc_base=doc_base, formats=linked.SUFFIXES, rules=rules,
                                   other_lang="en" if lang == "zh" else "zh")
            return html.encode("utf-8")
        triples = sorted(g, key=lambda t: tuple(ld_describe.term_key(x) for x in t))
        return linked.rdf_bytes(triples, mime)

    return linked.represent(doc_base, suffix_mime, make, key=doc_base)


@bp.route("/ontology")
@bp.route("/ontology.<suffix>")
def ontology(suffix: str | None = None) -> Response:
    """The ontology: documentation of every class and property, or the ontology graph."""
    return _vocabulary(GRAPH_ONTOLOGY, "/ontology", suffix, "ontology.html", ontology_doc)


@bp.route("/ontology/<path:rest>")
def ontology_version(rest: str) -> Response:
    """Version IRIs (``owl:versionIRI``) answer with the ontology they name."""
    stem, suffix_mime = linked.split_suffix(rest)
    g = _named_graph(GRAPH_ONTOLOGY)
    version_iri = URIRef(linked.iri_for_path("ontology/" + stem))
    owl_version = URIRef(OWL + "versionIRI")
    if (None, owl_version, version_iri) not in g:
        return _not_found(str(version_iri))
    suffix = linked.EXTENSION_OF.get(suffix_mime) if suffix_mime else None
    return ontology(suffix)


@bp.route("/shapes")
@bp.route("/shapes.<suffix>")
def shapes(suffix: str | None = None) -> Response:
    """The SHACL shapes: every rule in plain words, or the shapes graph."""
    return _vocabulary(GRAPH_SHAPES, "/shapes", suffix, "shapes.html", shapes_doc)


def served_prefixes() -> tuple[str, ...]:
    """Path prefixes whose IRIs this blueprint answers for (the sitemap lists them)."""
    return tuple(f"{kind}/" for kind in KINDS)


__all__ = ["BASE_IRI", "bp", "labels", "parts", "serve_iri", "served_prefixes", "subjects"]

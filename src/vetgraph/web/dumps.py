"""Whole-dataset surfaces for integrators: ``/dumps/`` (every syntax, gzip variants, SHA-256
checksums), the VoID/DCAT description at ``/dataset`` and ``/.well-known/void``, the JSON-LD
``/context.jsonld`` and ``/sitemap.xml`` for crawlers.

Dump files are written once per dataset version under ``<store's parent>/dumps/<version>/``
(next to the store they come from) the first time anyone asks, then served as static files
with strong ETags (their SHA-256) and ranges; a client that accepts gzip gets the stored
``.gz`` bytes with ``Content-Encoding: gzip`` instead of compressing again per request.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml
from flask import Blueprint, Response, abort, render_template, request, send_file

from ..config import GRAPHS
from ..linked import dumps as ld_dumps
from ..linked import void as ld_void
from ..queries import split_header
from . import linked
from . import negotiation as n
from . import state as web_state
from .http import accepts_gzip, best, weak_etag
from .resources import labels, served_prefixes, subjects

bp = Blueprint("dumps", __name__)
QUERY_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # as the catalogue requires


# --- the dump files ---------------------------------------------------------------------------


def dumps_folder() -> Path:
    """Where this dataset version's dumps live (beside the store's own directory)."""
    settings = web_state().settings
    return settings.store_dir.parent / "dumps" / web_state().version


def current_dumps() -> list[ld_dumps.DumpFile]:
    """The dump files, written first if this version has none yet; older versions are removed."""
    folder = dumps_folder()

    def make() -> list[ld_dumps.DumpFile]:
        files = ld_dumps.ensure_dumps(linked.store(), folder)
        for sibling in folder.parent.iterdir():
            if sibling.is_dir() and sibling.name != folder.name:
                shutil.rmtree(sibling, ignore_errors=True)
        return files

    return linked.cached("dumps", make)


def _listing_json(files: list[ld_dumps.DumpFile]) -> dict[str, Any]:
    base = linked.base_iri()
    return {
        "dataset": base + "dataset",
        "version": web_state().version,
        "checksums": base + "dumps/" + ld_dumps.CHECKSUMS,
        "files": [
            {
                "name": f.name,
                "format": f.format.label,
                "media_type": f.format.mime,
                "graph": f.graph,
                "bytes": f.size,
                "sha256": f.sha256,
                "url": base + "dumps/" + f.name,
                "gzip": {"name": f.gzip_name, "bytes": f.gzip_size, "sha256": f.gzip_sha256,
                         "url": base + "dumps/" + f.gzip_name},
            }
            for f in files
        ],
    }


@bp.route("/dumps")
@bp.route("/dumps/")
def listing() -> Response:
    """The dumps on offer as a page, or as JSON for scripts (Accept or ``?format=json``)."""
    fmt = request.args.get("format")
    if fmt and fmt not in ("json", "html"):
        abort(400, description="format must be json or html")
    offered = (n.HTML, n.RESULTS_JSON)
    mime = {"json": n.RESULTS_JSON, "html": n.HTML}.get(fmt or "") or best(offered)
    if mime is None:
        abort(406, description="the dump listing is HTML or JSON")
    etag = weak_etag(web_state().version, "dumps", mime)
    early = linked.conditional(etag, ["Accept"])
    if early is not None:
        return early
    files = current_dumps()
    if mime == n.RESULTS_JSON:
        body = json.dumps(_listing_json(files), ensure_ascii=False, indent=1) + "\n"
        response = Response(body, 200, content_type="application/json")
    else:
        lang, _ = linked.page_lang()
        html = render_template("resource_dumps.html", files=files, lang=lang,
                               version=web_state().version, checksums=ld_dumps.CHECKSUMS)
        response = Response(html, 200, content_type="text/html; charset=utf-8")
    linked.set_validators(response, etag, ["Accept"])
    return response


@bp.route("/dumps/<name>")
def dump_file(name: str) -> Response:
    """One dump file; the plain name is sent gzip-encoded to clients that accept gzip."""
    files = {f.name: f for f in current_dumps()}
    folder = dumps_folder()
    if name == ld_dumps.CHECKSUMS:
        return _send(folder / name, "text/plain; charset=utf-8", None, name)
    if name.endswith(".gz") and name[:-3] in files:
        f = files[name[:-3]]
        return _send(folder / name, "application/gzip", f.gzip_sha256, name, attach=True)
    if name not in files:
        abort(404, description=f"no dump named {name!r}; see /dumps/")
    f = files[name]
    mime = linked.content_type(f.format.mime)
    if accepts_gzip() and request.headers.get("Range") is None:
        response = _send(folder / f.gzip_name, mime, f.gzip_sha256, name)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = _send(folder / name, mime, f.sha256, name)
    response.vary.add("Accept-Encoding")
    return response


def _send(path: Path, mime: str, sha256: str | None, name: str, attach: bool = False) -> Response:
    if not path.is_file():
        abort(404, description=f"no dump named {name!r}; see /dumps/")
    response = send_file(path, mimetype=mime, conditional=True, etag=sha256 or True,
                         max_age=web_state().cache_max_age, download_name=name,
                         as_attachment=attach)
    response.headers["Cache-Control"] = f"public, max-age={web_state().cache_max_age}"
    return response


# --- the dataset description ---------------------------------------------------------------


def _queries() -> list[ld_void.NamedQueryInfo]:
    """Name and summaries of each named query, from the ``#+`` headers alone: checking every
    query's SPARQL is the API's business and takes seconds."""
    def make() -> list[ld_void.NamedQueryInfo]:
        folder = web_state().settings.queries_dir
        found = []
        for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
            if not QUERY_NAME.match(path.stem):
                continue
            try:
                header = yaml.safe_load(split_header(path.read_text(encoding="utf-8"))[0])
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                continue
            header = header if isinstance(header, dict) else {}
            found.append(ld_void.NamedQueryInfo(
                path.stem, str(header.get("summary_zh") or "").strip(),
                str(header.get("summary_en") or header.get("summary") or "").strip(),
            ))
        return found

    return linked.cached("queries", make)


def facts() -> ld_void.DatasetFacts:
    return linked.cached("facts", lambda: ld_void.dataset_facts(linked.store(),
                                                                 linked.base_iri()))


def description() -> list[Any]:
    """The VoID/DCAT triples for this version (the dumps are written first: it states their
    sizes and checksums)."""
    def make() -> list[Any]:
        modified = linked.last_modified().isoformat().replace("+00:00", "Z")
        return ld_void.dataset_description(facts(), linked.base_iri(), current_dumps(),
                                           _queries(), modified)

    return linked.cached("description", make)


#: /.well-known/void answers RDF to a client that takes anything (VoID §7), HTML to browsers.
VOID_FORMATS = (n.TURTLE, n.HTML, n.JSONLD, n.RDFXML, n.NTRIPLES)


def _dataset(suffix: str | None, offered: tuple[str, ...] = linked.RESOURCE_FORMATS) -> Response:
    if suffix is not None and suffix not in linked.SUFFIXES:
        abort(404, description=f"no /dataset.{suffix}: try .html .ttl .nt .jsonld .rdf")
    suffix_mime = linked.SUFFIXES.get(suffix) if suffix else None
    base = linked.base_iri()

    def make(mime: str, lang: str) -> bytes:
        if mime == n.HTML:
            html = render_template(
                "resource_dataset.html", facts=facts(), files=current_dumps(),
                queries=_queries(), lang=lang, names=labels(), base=base,
                href=linked.local_href, title=ld_void.TITLE, text=ld_void.DESCRIPTION,
                modified=linked.last_modified(), formats=linked.SUFFIXES,
                other_lang="en" if lang == "zh" else "zh",
            )
            return html.encode("utf-8")
        return linked.rdf_bytes(description(), mime, first=base + "dataset")

    return linked.represent("/dataset", suffix_mime, make, offered=offered, key="dataset")


@bp.route("/dataset")
@bp.route("/dataset.<suffix>")
def dataset(suffix: str | None = None) -> Response:
    """The dataset ``{base}dataset``: its VoID and DCAT description."""
    return _dataset(suffix)


@bp.route("/.well-known/void")
def well_known_void() -> Response:
    """VoID's well-known address (VoID §7): the same description, Turtle by default."""
    return _dataset(None, VOID_FORMATS)


@bp.route("/graph/<any(ontology, codes, data, shapes, inferred, validation):name>")
def named_graph(name: str) -> Response:
    """A named graph's IRI: its description as a subset of the dataset (size, dumps).

    No suffix URLs here: ``/graph/{view}.{format}`` redirects to the network views.
    """
    graph = GRAPHS[name]

    def make(mime: str, lang: str) -> bytes:
        triples = _owned(description(), graph)
        if mime == n.HTML:
            files = [f for f in current_dumps() if f.graph == graph]
            html = render_template("resource_graph.html", graph=graph, name=name, lang=lang,
                                   triples=facts().graphs.get(graph, 0), files=files,
                                   other_lang="en" if lang == "zh" else "zh")
            return html.encode("utf-8")
        return linked.rdf_bytes(triples, mime, first=graph)

    return linked.represent(None, None, make, key=graph)


def _owned(triples: list[Any], start: str) -> list[Any]:
    """The triples about ``start`` and about the fragment IRIs it leads to (its
    distributions and their checksums): a bounded description inside the VoID."""
    by_subject: dict[str, list[Any]] = {}
    for t in triples:
        by_subject.setdefault(str(t[0]), []).append(t)
    out, todo, seen = [], [start], {start}
    while todo:
        for t in by_subject.get(todo.pop(), []):
            out.append(t)
            target = str(t[2])
            if "#" in target and target in by_subject and target not in seen:
                seen.add(target)
                todo.append(target)
    return out


# --- context and sitemap -------------------------------------------------------------------


@bp.route("/context.jsonld")
def context() -> Response:
    """The vocabulary's JSON-LD context (dumps and resource documents refer to it)."""
    etag = weak_etag(web_state().version, "context")
    early = linked.conditional(etag, [])
    if early is not None:
        return early
    body = json.dumps(linked.jsonld_context(), ensure_ascii=False, indent=1) + "\n"
    response = Response(body, 200, content_type="application/ld+json")
    linked.set_validators(response, etag, [])
    return response


MAX_SITEMAP_URLS = 50_000  # the sitemaps.org limit for one file


@bp.route("/sitemap.xml")
def sitemap() -> Response:
    """Every resource page of this server, for crawlers (sitemaps.org 0.9)."""
    etag = weak_etag(web_state().version, "sitemap", request.host_url)
    early = linked.conditional(etag, [])
    if early is not None:
        return early
    base = linked.base_iri()
    root = request.host_url.rstrip("/")
    lastmod = linked.last_modified().date().isoformat()
    paths = ["/", "/dataset", "/ontology", "/shapes", "/dumps/"]
    prefixes = served_prefixes()
    for iri in subjects():
        if iri.startswith(base) and iri[len(base):].startswith(prefixes) and "#" not in iri:
            paths.append("/" + iri[len(base):])
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path in paths[:MAX_SITEMAP_URLS]:
        lines.append(f"<url><loc>{escape(root + path)}</loc><lastmod>{lastmod}</lastmod></url>")
    lines.append("</urlset>")
    response = Response("\n".join(lines) + "\n", 200, content_type="application/xml")
    linked.set_validators(response, etag, [])
    return response

"""Machinery shared by the linked-data surfaces (resources, ontology, shapes, dumps, VoID).

* :func:`store` is the :class:`~vetgraph.engine.store.WorkerStore` those surfaces read
  through: the app's query workers answer it, so resource pages share the endpoint's timeouts,
  crash isolation and update discipline.
* :func:`cached` keeps values per dataset version (labels, the JSON-LD context ...).
* :func:`negotiate` picks a representation from a suffix or the Accept header, and
  :func:`finish` adds what every answer carries: ETag, Last-Modified, Cache-Control, Vary,
  ``Link: rel=alternate`` for the other formats, and Content-Location for negotiated answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from flask import Response, current_app, request
from rdflib import BNode
from rdflib.term import Node

from ..engine.store import WorkerStore
from ..linked import describe as ld_describe
from ..linked import formats as ld_formats
from ..linked import jsonld as ld_jsonld
from . import negotiation as n
from . import state as web_state
from .http import best, is_current, weak_etag

HTML = n.HTML
#: What an IRI can be answered with, in the server's order of preference (browsers: HTML).
RESOURCE_FORMATS: tuple[str, ...] = (n.HTML, n.TURTLE, n.JSONLD, n.RDFXML, n.NTRIPLES)
#: Suffix of a document URL -> media type (the extensions of :data:`.negotiation.EXTENSIONS`).
SUFFIXES: dict[str, str] = {n.EXTENSIONS[mime]: mime for mime in RESOURCE_FORMATS}
EXTENSION_OF: dict[str, str] = {mime: ext for ext, mime in SUFFIXES.items()}
LANGS = ("zh", "en")


# --- the store, through the query workers --------------------------------------------------


def store() -> WorkerStore:
    return WorkerStore(web_state().executor)


# --- values kept per dataset version --------------------------------------------------------


class _VersionCache:
    """Values for one dataset version; a new version (an update, a new build) empties it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version = ""
        self.items: dict[Any, Any] = {}
        self.started = datetime.now(UTC).replace(microsecond=0)

    def get(self, version: str, key: Any, make: Callable[[], Any]) -> Any:
        with self.lock:
            if version != self.version:
                self.version, self.items = version, {}
                self.started = datetime.now(UTC).replace(microsecond=0)
            if key in self.items:
                return self.items[key]
        value = make()  # outside the lock: one slow value must not hold up the others
        with self.lock:
            if version == self.version:
                self.items.setdefault(key, value)
        return value


def _cache() -> _VersionCache:
    return current_app.extensions.setdefault("vetgraph.linked", _VersionCache())


def cached(key: Any, make: Callable[[], Any]) -> Any:
    """``make()`` once per dataset version and key."""
    return _cache().get(web_state().version, key, make)


def last_modified() -> datetime:
    """When the data served was built (the manifest's time, else when this version was seen)."""
    manifest = web_state().manifest
    built = manifest.get("updated_at") or manifest.get("built_at")  # updates rewrite it
    if built:
        try:
            return datetime.fromisoformat(built).astimezone(UTC).replace(microsecond=0)
        except ValueError:
            pass
    cache = _cache()
    cached("started", lambda: None)  # make sure the cache holds the current version
    return cache.started


# --- IRIs and the server's paths -------------------------------------------------------------


def base_iri() -> str:
    return web_state().settings.base_iri


def iri_for_path(path: str) -> str:
    """The IRI a path of this server answers for: ``/id/x`` -> ``{base}id/x``."""
    return base_iri() + path.lstrip("/")


def local_href(iri: str) -> str:
    """Where a browser on this server should go for an IRI: a local path when it is ours."""
    base = base_iri()
    return "/" + iri[len(base):] if iri.startswith(base) else iri


# --- representations ------------------------------------------------------------------------


def split_suffix(rest: str) -> tuple[str, str | None]:
    """``school/x.ttl`` -> (``school/x``, ``text/turtle``); no known suffix -> (rest, None)."""
    stem, dot, ext = rest.rpartition(".")
    if dot and stem and ext in SUFFIXES and "/" not in ext:
        return stem, SUFFIXES[ext]
    return rest, None


def negotiate(offered: Sequence[str] = RESOURCE_FORMATS) -> str | None:
    """The media type to answer with, from Accept; ``application/json`` means JSON-LD here."""
    choices = list(offered)
    if n.JSONLD in choices:
        choices.append(n.RESULTS_JSON)  # what negotiation makes of a plain application/json
    chosen = best(choices)
    return n.JSONLD if chosen == n.RESULTS_JSON else chosen


def page_lang() -> tuple[str, bool]:
    """The page language and whether Accept-Language chose it (then answers vary by it)."""
    asked = request.args.get("lang")
    if asked in LANGS:
        return asked, False
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"], default="zh")
    return ("en" if best == "en" else "zh"), True


def content_type(mime: str) -> str:
    if mime.startswith("text/") or mime in (n.JSONLD, n.NTRIPLES):
        return f"{mime}; charset=utf-8"
    return mime


def link_header(doc_base: str | None, current: str | None, formats: Sequence[str]) -> str:
    """``rel=alternate`` for each other format; ``describedby`` the dataset's VoID."""
    links = [
        f'<{doc_base}.{EXTENSION_OF[mime]}>; rel="alternate"; type="{mime}"'
        for mime in formats
        if doc_base and mime != current and mime in EXTENSION_OF
    ]
    links.append('</.well-known/void>; rel="describedby"; type="text/turtle"')
    return ", ".join(links)


def conditional(etag: str, vary: Sequence[str]) -> Response | None:
    """A 304 if the client's copy is current (same validators and caching headers as a 200)."""
    if not is_current(etag, last_modified()):
        return None
    response = Response(status=304)
    set_validators(response, etag, vary)
    return response


def set_validators(response: Response, etag: str, vary: Sequence[str]) -> None:
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = format_datetime(last_modified(), usegmt=True)
    response.headers["Cache-Control"] = f"public, max-age={web_state().cache_max_age}"
    for header in vary:
        response.vary.add(header)


def represent(
    doc_base: str | None,
    suffix_mime: str | None,
    make: Callable[[str, str], bytes],
    *,
    offered: Sequence[str] = RESOURCE_FORMATS,
    key: str = "",
) -> Response:
    """Answer for a resource whose documents are ``{doc_base}.{ext}`` (None: it has none).

    ``suffix_mime`` is the format a suffix URL fixes; otherwise Accept chooses (406 if it
    accepts none). ``make(mime, lang)`` writes the body; it is not called for a 304.
    """
    mime = suffix_mime or negotiate(offered)
    vary: list[str] = [] if suffix_mime else ["Accept"]
    if mime is None:
        listing = ", ".join(offered)
        response = Response(
            f"406 Not Acceptable: {request.path} is available as {listing}\n",
            406, content_type="text/plain; charset=utf-8",
        )
        response.headers["Link"] = link_header(doc_base, None, offered)
        response.vary.add("Accept")
        return response
    lang, by_header = page_lang() if mime == HTML else ("", False)
    if by_header:
        vary.append("Accept-Language")
    etag = weak_etag(web_state().version, "linked", key or request.path, mime, lang)
    early = conditional(etag, vary)
    if early is None:
        response = Response(make(mime, lang), 200, content_type=content_type(mime))
        set_validators(response, etag, vary)
    else:
        response = early
    response.headers["Link"] = link_header(doc_base, mime, offered)
    if doc_base and suffix_mime is None and mime in EXTENSION_OF:
        response.headers["Content-Location"] = f"{doc_base}.{EXTENSION_OF[mime]}"
    return response


def rdf_bytes(triples: Sequence[tuple[Node, Node, Node]], mime: str,
              first: str | None = None) -> bytes:
    """A description in an RDF syntax (JSON-LD refers to the vocabulary's context by IRI)."""
    if first is not None:  # the resource itself first, then its blank nodes, then labels
        triples = sorted(triples, key=lambda t: (str(t[0]) != first, not isinstance(t[0], BNode)))
    items = ld_describe.triples_to_ox(triples)
    if mime == n.JSONLD:
        import json

        doc = ld_jsonld.to_jsonld(items, jsonld_context(), context_ref=context_iri(), first=first)
        return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return ld_formats.serialize(items, ld_formats.BY_MIME[mime])


def context_iri() -> str:
    """The context's URL on the server answering this request, which a client can fetch.

    The IRI under the base (``https://w3id.org/vetgraph/context.jsonld``) resolves only where
    that redirect exists; inside an intranet, or offline, a JSON-LD parser could not expand
    the document at all (rdflib: URLError). Outside a request: the base IRI's.
    """
    from flask import has_request_context, request

    if has_request_context():
        return request.url_root + "context.jsonld"
    return base_iri() + "context.jsonld"


def jsonld_context() -> dict[str, Any]:
    return cached("context", lambda: ld_jsonld.jsonld_context(store()))

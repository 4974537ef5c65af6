"""HTTP manners shared by every surface: CORS, gzip, request log with timing, errors.

Errors are answered in the form the client reads: JSON when it prefers JSON, else plain text
(never an HTML page to a script). Every error body says what went wrong in words. One handler
answers every :class:`~.http.HttpError` (and, through :func:`~.http.as_http_error`, every
failure of the engine), so a fault has one name on every surface.
"""

from __future__ import annotations

import gzip
import logging
import secrets
import threading
import time
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from ..engine.executor import WorkerFailed
from ..store.base import xml_safe
from .http import HttpError, accepts_gzip, as_http_error, best

log = logging.getLogger("vetgraph.web.access")

#: Headers a browser script may read from a cross-origin answer.
EXPOSED_HEADERS = (
    "X-SPARQL-Truncated, X-SPARQL-Max-Rows, ETag, Retry-After, Server-Timing, "
    "Content-Disposition, WWW-Authenticate, Link, Content-Location, Cache-Status"
)
_COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/javascript",
    "application/sparql-results",
    "application/ld+json",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "application/rdf+xml",
    "application/xml",
    "image/svg+xml",
)
GZIP_MIN_SIZE = 1024

#: The only inline styles a page may apply, by the hash of their exact text: the two fixed
#: style sheets the editor's column resizer (YASGUI's resizable-table-columns) writes into the
#: page, the table layout and the cursor while a column is dragged. Checked against the
#: vendored file by the tests; no other inline style or script runs.
EDITOR_STYLE_HASHES = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
    "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='",
)
#: Every script, style, font and picture is served from the package: nothing else may load,
#: nothing may run inline, no other site may frame a page (clickjacking).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' " + " ".join(EDITOR_STYLE_HASHES),
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
#: A standalone HTML document the site offers as a file (``/network/{view}.html``: one file
#: with its scripts inline, to open from disk): served, it runs sandboxed in an origin of its
#: own, its inline scripts and styles allowed, and it may load or send nothing.
STANDALONE_POLICY = "; ".join([
    "sandbox allow-scripts",
    "default-src 'none'",
    "script-src 'unsafe-inline'",
    "style-src 'unsafe-inline'",
    "img-src data: blob:",
    "font-src data:",
    "frame-ancestors 'none'",
])
#: Headers every answer carries (pages above all; harmless on data).
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


#: Media types whose bodies must be XML 1.0.
XML_TYPES = ("application/sparql-results+xml", "application/rdf+xml", "application/xml",
             "text/xml")
def wants_json() -> bool:
    """True when the client prefers JSON to plain text and HTML (for error bodies)."""
    offered = ("text/plain", "application/json", "application/sparql-results+json")
    return best(offered) in offered[1:]


def error_response(
    status: int,
    message: str,
    reason: str = "error",
    *,
    detail: dict[str, Any] | None = None,
    text: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An error answer as JSON ``{"error", "message", ...}`` or as text, by Accept."""
    if wants_json():
        body: dict[str, Any] = {"error": reason, "message": message, "status": status}
        body.update(detail or {})
        from flask import json

        response = Response(
            json.dumps(body, ensure_ascii=False) + "\n",
            status,
            mimetype="application/json",
        )
    else:
        response = Response(text or message + "\n", status, mimetype="text/plain")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    response.headers["Cache-Control"] = "no-store"
    return response


class _GzipCache:
    """Compressed bodies of static files, by path and mtime (they are served over and over)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, Any], bytes] = {}

    def get(self, key: tuple[str, Any], make: Any) -> bytes:
        with self._lock:
            if key not in self._items:
                self._items[key] = make()
            return self._items[key]


_static_gzip = _GzipCache()


def _compress(response: Response) -> Response:
    if (
        request.method == "HEAD"
        or response.status_code != 200
        or "Content-Encoding" in response.headers
        or not (response.mimetype or "").startswith(_COMPRESSIBLE)
        or not accepts_gzip()
    ):
        return response
    response.vary.add("Accept-Encoding")
    if response.is_streamed and not response.direct_passthrough:
        return response
    if response.direct_passthrough:  # a static file: compress once, keep it
        key = (request.path, response.last_modified or response.headers.get("ETag"))

        def make() -> bytes:
            response.direct_passthrough = False
            return gzip.compress(response.get_data(), 6)

        response.direct_passthrough = False
        body = _static_gzip.get(key, make)
    else:
        data = response.get_data()
        if len(data) < GZIP_MIN_SIZE:
            return response
        body = gzip.compress(data, 6)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    etag = response.headers.get("ETag")
    if etag and not etag.startswith("W/"):  # the strong tag named the identity body
        response.headers["ETag"] = "W/" + etag
    return response


def internal_error(detail: str) -> Response:
    """500 naming no exception, path or internal name; ``detail`` is logged with a reference
    the body gives, so an operator can find it."""
    reference = secrets.token_hex(4)
    log.error("internal error %s: %s", reference, detail)
    return error_response(
        500,
        f"internal server error (reference {reference}); the server's log has the details",
        "internal-error",
        detail={"reference": reference},
    )


def install(app: Flask) -> None:
    """Register the app-wide hooks and error handlers."""

    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _after(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = (
                "Accept, Content-Type, Authorization, If-None-Match"
            )
            response.headers["Access-Control-Max-Age"] = "86400"
        if response.mimetype == "text/html" and "filename=" in response.headers.get(
            "Content-Disposition", ""
        ):
            response.headers.setdefault("Content-Security-Policy", STANDALONE_POLICY)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if response.mimetype in XML_TYPES and not response.is_streamed \
                and not response.direct_passthrough:
            body = response.get_data()
            safe = xml_safe(body)
            if safe is not body:
                response.set_data(safe)
        response = _compress(response)
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        timing = response.headers.get("Server-Timing")
        total = f"total;dur={elapsed:.1f}"
        response.headers["Server-Timing"] = f"{timing}, {total}" if timing else total
        log.info(
            '%s "%s %s" %s %s %.1fms',
            request.remote_addr,
            request.method,
            request.full_path.rstrip("?") if request.query_string else request.path,
            response.status_code,
            response.calculate_content_length() or "-",
            elapsed,
        )
        return response

    @app.errorhandler(HttpError)
    def _http_failure(error: HttpError) -> Response:
        """Every surface's failures, in one form: the status, the name, the words."""
        return error_response(error.status, error.message, error.name, detail=error.detail,
                              text=error.text, headers=error.headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        """The engine's failures in their HTTP form; anything else is a bug: the log gets the
        traceback, the client a reference to it, never its class."""
        if isinstance(error, HTTPException):
            return _http_error(error)
        mapped = as_http_error(error)
        if mapped is not None:
            return _http_failure(mapped)
        if isinstance(error, WorkerFailed):  # not the client's fault: details go to the log
            return internal_error(f"query worker: {error}")
        log.error("unhandled error", exc_info=error)
        return internal_error(f"{type(error).__name__}: {error}")

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        headers = dict(error.get_headers())
        headers.pop("Content-Type", None)
        headers.pop("Content-Length", None)
        status = error.code or 500
        message = error.description or error.name
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"the request body is larger than the limit of {limit} bytes"
        reason = error.name.lower().replace(" ", "-")
        return error_response(status, message, reason, headers=headers)

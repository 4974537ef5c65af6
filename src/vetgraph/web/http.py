"""The HTTP manners every surface shares, written once: content negotiation, conditional
requests, compression, and the error every failure becomes.

* Negotiation is werkzeug's :class:`~werkzeug.datastructures.MIMEAccept` (q-values, the most
  specific range sets a type's quality) over the client's Accept with :data:`.negotiation.ALIASES`
  applied; :func:`best` picks the offered type of the highest q, the server's order breaking
  ties; None means 406. An absent or blank Accept means ``*/*``.
* Compression: :func:`accepts_gzip` reads Accept-Encoding through werkzeug.
* Conditional requests: :func:`weak_etag`, :func:`is_current` (If-None-Match by weak
  comparison, else If-Modified-Since) and :func:`not_modified`, the one 304.
* Errors: :class:`HttpError` (status, a stable machine name, message, headers). Every failure a
  request meets, the engine's included, is turned into one by :func:`as_http_error`, so the same
  fault has the same name and status on /sparql, /api, /network and the linked-data pages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from flask import Response, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ..engine.executor import ExecutorError, WorkerFailed
from ..engine.guard import Refusal
from .negotiation import ALIASES

_ANY = MIMEAccept([("*/*", 1)])


def parse_accept(header: str | None) -> MIMEAccept:
    """Accept as werkzeug reads it, each type mapped through the alias table and its
    parameters dropped (``application/json; charset=utf-8`` is ``application/json``)."""
    if not header or not header.strip():
        return _ANY
    ranges = []
    for value, q in parse_accept_header(header, MIMEAccept):
        media = value.partition(";")[0].strip().lower()
        ranges.append((ALIASES.get(media, media), q))
    return MIMEAccept(ranges)


def accepted() -> MIMEAccept:
    """The current request's Accept, as :func:`parse_accept` reads it."""
    return parse_accept(request.headers.get("Accept"))


def best(offered: Sequence[str], accept: MIMEAccept | None = None) -> str | None:
    """The offered type the client gives the highest q above zero (first offered wins a tie);
    None when it accepts none of them. ``accept`` defaults to the current request's."""
    ranges = accepted() if accept is None else accept
    chosen, chosen_q = None, 0.0
    for media_type in offered:
        q = ranges.quality(media_type)
        if q > chosen_q:
            chosen, chosen_q = media_type, q
    return chosen


def accepts_gzip() -> bool:
    """Whether Accept-Encoding allows gzip with q above 0: by its q when gzip (or x-gzip) is
    named, else by ``*``'s (``gzip;q=0, *`` refuses it)."""
    encodings = request.accept_encodings
    named = [q for value, q in encodings if value.lower() in ("gzip", "x-gzip")]
    return max(named) > 0 if named else encodings.quality("gzip") > 0


def weak_etag(*parts: str) -> str:
    """A weak ETag over the parts (weak: the gzip and identity bodies share it)."""
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]
    return f'W/"{digest}"'


def etag_matches(etag: str) -> bool:
    """Weak comparison of If-None-Match against ``etag`` (RFC 9110 §13.1.2)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in header.split(","))


def is_current(etag: str, last_modified: datetime | None = None) -> bool:
    """Whether the client's copy is current: If-None-Match decides when sent (RFC 9110
    §13.2.2), else If-Modified-Since against ``last_modified`` (when the surface has one)."""
    if request.headers.get("If-None-Match"):
        return etag_matches(etag)
    since = request.headers.get("If-Modified-Since")
    if since and last_modified is not None:
        try:
            return last_modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def not_modified(
    etag: str,
    *,
    last_modified: datetime | None = None,
    headers: dict[str, str] | None = None,
    vary: Sequence[str] = (),
) -> Response | None:
    """The 304 every surface answers when the client's copy is current (its ETag, and the
    ``headers`` and ``vary`` a 200 would carry), else None: go on and make the 200."""
    if not is_current(etag, last_modified):
        return None
    response = Response(status=304)
    response.headers["ETag"] = etag
    response.headers.update(headers or {})
    for header in vary:
        response.vary.add(header)
    return response


class HttpError(Exception):
    """A request answered with something other than success: ``status``, ``name`` (the stable
    ``error`` member of a JSON body), a worded ``message``, extra ``headers`` (Retry-After ...),
    ``detail`` (more JSON members) and ``text`` (the plain-text body, when not the message)."""

    def __init__(
        self,
        status: int,
        message: str,
        name: str,
        *,
        headers: dict[str, str] | None = None,
        detail: dict[str, Any] | None = None,
        text: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.name = status, message, name
        self.headers = dict(headers or {})
        self.detail = dict(detail or {})
        self.text = text

    @property
    def reason(self) -> str:
        """The machine name under its older attribute name."""
        return self.name


def as_http_error(error: Exception) -> HttpError | None:
    """The one HTTP form of a failure the layers below the web raise, or None when ``error``
    is not one of theirs. A worker that failed is an internal error (None: its details go to
    the log, never to the client)."""
    if isinstance(error, HttpError):
        return error
    if isinstance(error, Refusal):
        return HttpError(error.status, error.message, error.reason, detail=error.as_dict(),
                         text=error.as_text())
    if isinstance(error, ExecutorError) and not isinstance(error, WorkerFailed):
        headers = {} if error.retry_after is None else {"Retry-After": str(error.retry_after)}
        return HttpError(error.status, str(error), error.reason, headers=headers)
    return None

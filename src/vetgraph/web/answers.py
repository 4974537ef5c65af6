"""The answer cache of ``/sparql`` and ``/api/queries/*``: whole answers kept by request.

A repeated question costs a worker hop, an evaluation and a serialisation; the answer is the
same bytes until the dataset version changes (a build switch or an accepted update), so it is
kept here, keyed by that version and the request's canonical form, bounded in bytes (least
recently used out, see :class:`~vetgraph.web.render.ByteCache`). Each answer of those surfaces
says what the cache did in a ``Cache-Status`` header (RFC 9211). Truncated answers and errors
are never stored: they are not the whole answer.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Hashable

from flask import Flask, Response, current_app, g

from ..engine.lexer import readings
from .render import ByteCache

#: The cache's name in ``Cache-Status`` (RFC 9211 §2).
NAME = "vetgraph"
HIT = f"{NAME}; hit"
STORED = f"{NAME}; fwd=miss; stored"
NOT_STORED = f"{NAME}; fwd=miss"
BYPASS = f"{NAME}; fwd=bypass"


class AnswerCache:
    """Answers by (dataset version, key); emptied as soon as a new version is asked for."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.version: str | None = None
        self.answers = ByteCache(capacity)
        self._lock = threading.Lock()

    def get(self, version: str, key: Hashable) -> tuple[bytes, str] | None:
        """The answer kept for ``key``; a version other than the cache's empties it first."""
        with self._lock:
            if version != self.version:
                self.version, self.answers = version, ByteCache(self.capacity)
            answers = self.answers
        return answers.get(key)

    def put(self, version: str, key: Hashable, body: bytes, meta: str) -> bool:
        """Keep an answer with what describes it (``meta``); False when it is not kept: larger
        than the whole cache, or the dataset changed while it was computed."""
        if len(body) > self.capacity:
            return False
        with self._lock:
            if version != self.version:
                return False
            answers = self.answers
        answers.put(key, (body, meta))
        return True


def cache() -> AnswerCache | None:
    """The app's answer cache, or None when ``answer_cache`` is off."""
    return current_app.extensions.get("vetgraph.answers")


def install(app: Flask, enabled: bool, capacity: int) -> None:
    """Create the cache (when enabled) and mark every answer of the cached surfaces."""
    if enabled:
        app.extensions["vetgraph.answers"] = AnswerCache(capacity)

    @app.after_request
    def _status(response: Response) -> Response:
        if g.get("answer_surface") and "Cache-Status" not in response.headers:
            response.headers["Cache-Status"] = NOT_STORED if enabled else BYPASS
        return response


def surface() -> None:
    """Mark the request as one the cache serves, so that its answer says what the cache did
    even when it is an error or a 304."""
    g.answer_surface = True


def query_key(text: str) -> tuple[object, ...]:
    """SPARQL text in a canonical form: its tokens as every engine behind the endpoint reads
    them, white space and comments left out (so layout does not make a new entry), or the exact
    text when the lexer meets a character it cannot place."""
    streams = readings(text)
    if any(token.kind == "error" for stream in streams for token in stream):
        return ("exact", text)
    return tuple(tuple((token.kind, token.text) for token in stream) for stream in streams)


def meta(content_type: str, headers: dict[str, str]) -> str:
    """What is kept beside the body: its media type and the headers that describe it."""
    return json.dumps({"content_type": content_type, "headers": headers})


def read_meta(text: str) -> tuple[str, dict[str, str]]:
    value = json.loads(text)
    return value["content_type"], value["headers"]


def hit_timing(started: float) -> str:
    """The ``Server-Timing`` metric of an answer read from the cache since ``started``."""
    return f'query;dur={(time.perf_counter() - started) * 1000:.2f};desc="answer cache hit"'

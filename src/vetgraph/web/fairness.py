"""Per-client concurrency: one client may not hold more than its share of the query workers.

With ``--max-client-queries N`` (0, the default, turns it off) a client (its IP address, as
waitress sees it) with N queries running gets ``429 Too Many Requests`` and ``Retry-After`` for
the next one, before any worker is asked. Off by default because clients behind one proxy or
NAT share an address; the reserved lane (:mod:`vetgraph.engine.executor`) keeps cheap requests
served either way.
"""

from __future__ import annotations

import threading

from flask import Flask, Response, g, request

from .http import HttpError

#: The surfaces that evaluate a client's query in a worker.
QUERY_ENDPOINTS = frozenset({"sparql.endpoint", "api.answer"})


class ClientLimit:
    """Queries running per client address, at most ``limit`` each."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    def enter(self, client: str) -> bool:
        """Count one more query for ``client``; False (and nothing counted) when at the limit."""
        with self._lock:
            running = self._running.get(client, 0)
            if running >= self.limit:
                return False
            self._running[client] = running + 1
            return True

    def leave(self, client: str) -> None:
        with self._lock:
            running = self._running.get(client, 0) - 1
            if running > 0:
                self._running[client] = running
            else:
                self._running.pop(client, None)


def install(app: Flask, limit: int) -> None:
    """Refuse a client's query past ``limit`` running ones (429 + Retry-After); 0: no limit."""
    if limit <= 0:
        return
    clients = ClientLimit(limit)

    @app.before_request
    def _enter() -> Response | None:
        if request.endpoint not in QUERY_ENDPOINTS or request.method == "OPTIONS":
            return None
        client = request.remote_addr or "-"
        if not clients.enter(client):
            raise HttpError(
                429,
                f"this client already has {limit} queries running; retry in 1 s",
                "too-many-requests",
                headers={"Retry-After": "1"},
            )
        g.fair_client = client
        return None

    @app.teardown_request
    def _leave(error: BaseException | None) -> None:
        client = g.pop("fair_client", None)
        if client is not None:
            clients.leave(client)

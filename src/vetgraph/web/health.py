"""``/health``: is the endpoint whole, and the switch to a new build between requests.

The health answer is JSON for monitors and load balancers: query workers alive against
expected, the store version and build served, uptime, and the reasons the service is degraded
(then 503, so a balancer takes the replica out until it recovers).

A running server looks at the store link at most once a second, between requests; when
``vetgraph build`` has switched it, the query pool opens the new build in the background and
moves to it (see :meth:`vetgraph.engine.executor.QueryExecutor.switch_store`), so no restart is
needed after a build.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Blueprint, Flask, Response, jsonify

from . import state as web_state

if TYPE_CHECKING:
    from ..engine.executor import QueryExecutor

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

#: Seconds between two looks at the store link.
WATCH_INTERVAL = 1.0
#: Seconds before a build that failed to open is tried again.
RETRY_FAILED = 30.0


class BuildWatch:
    """Notices a new build from request threads and switches to it on a thread of its own."""

    def __init__(self) -> None:
        self._next = 0.0
        self._switching = threading.Lock()
        self._failed: dict[Path, float] = {}  # build → when to try it again

    def poke(self) -> None:
        """Called before each request: cheap (a readlink a second at most), never blocks."""
        st = web_state()
        executor = st.executor
        if executor.store_dir != st.store_dir:  # the pool moved (a switch or a reopen)
            st.adopt(executor.store_dir)
        now = time.monotonic()
        if executor.store_link is None or now < self._next:
            return
        self._next = now + WATCH_INTERVAL
        target = executor.current_build()
        if target is None or target == executor.store_dir:
            return
        if self._failed.get(target, 0.0) > now:
            return  # it failed to open a moment ago: not again at every request
        if self._switching.acquire(blocking=False):
            threading.Thread(target=self._switch, args=(executor,), daemon=True).start()

    def _switch(self, executor: QueryExecutor) -> None:
        target = executor.current_build()
        try:
            executor.refresh()
        except Exception as error:  # noqa: BLE001 (the old build keeps serving; say why)
            log.error("cannot switch to the new build %s: %s", target, error)
            if target is not None:
                self._failed[target] = time.monotonic() + RETRY_FAILED
        finally:
            self._switching.release()


def install(app: Flask) -> None:
    """Watch for new builds before every request."""
    watch = BuildWatch()
    app.before_request(watch.poke)


@bp.route("/health")
def health() -> Response:
    """JSON: 200 when every worker is up and the store is there, 503 with reasons if not."""
    st = web_state()
    pool = st.executor.health()
    degraded = pool.pop("degraded")
    body = {
        "status": "degraded" if degraded else "ok",
        "degraded": degraded,
        "backend": st.backend,
        "dataset_version": st.version,
        **pool,
    }
    response = jsonify(body)
    response.status_code = 503 if degraded else 200
    response.headers["Cache-Control"] = "no-store"
    return response

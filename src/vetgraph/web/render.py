"""Graph downloads rendered off the web process, bounded in time, memory and number.

Drawing a view (PNG, SVG through matplotlib; GraphML, GEXF, JSON, HTML) costs seconds of CPU and
tens of MB for the largest view. Each render runs in a child process of its own (started by the
fork server the query workers come from, which has networkx and matplotlib imported), under the
query timeout and the workers' memory cap: a child that overruns either is killed (503), and at
most ``max_concurrent_renders`` run at once; a request that cannot get a slot within the queue
wait is told to retry (503 + Retry-After). Results are kept by :class:`ByteCache`.
"""

from __future__ import annotations

import multiprocessing
import resource
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from multiprocessing.connection import Connection
from typing import Any

from ..engine.executor import (
    MEMORY_POLL,
    PAGE_SIZE,
    Busy,
    QueryOverMemory,
    QueryTimeout,
    WorkerDied,
    WorkerFailed,
)


def _serialize_view(graph: Any, fmt: str) -> bytes:
    from .. import networks

    return networks.serialize(graph, fmt)


def _render_main(conn: Connection, draw: Callable[..., bytes], args: tuple[Any, ...]) -> None:
    """In the child: draw, send ("ok", bytes) or ("error", message)."""
    try:
        body = draw(*args)
        # The peak resident size, in bytes: a drawing shorter than one memory poll is never
        # watched by the parent, which checks this instead.
        conn.send(("ok", body, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))
    except Exception as error:  # reported to the parent, answered as a 500
        conn.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        conn.close()


def _resident(pid: int) -> int:
    """Resident memory of a process in bytes (0 where /proc cannot tell)."""
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


class Renderer:
    """Runs :func:`vetgraph.networks.serialize` in child processes; see the module docstring."""

    def __init__(
        self,
        *,
        timeout: float,
        memory_limit: int | None,
        concurrency: int,
        queue_wait: float,
        start_method: str = "forkserver",
    ) -> None:
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.concurrency = concurrency
        self.queue_wait = queue_wait
        self._slots = threading.BoundedSemaphore(concurrency)
        self._ctx = multiprocessing.get_context(start_method)

    def render(self, graph: Any, fmt: str) -> bytes:
        """A view as a file (:func:`vetgraph.networks.serialize`), drawn in a child."""
        return self.draw(_serialize_view, graph, fmt)

    def draw(self, draw: Callable[..., bytes], *args: Any) -> bytes:
        """``draw(*args)`` in a child process under the bounds (``draw`` a module-level
        function, its arguments picklable)."""
        if not self._slots.acquire(timeout=self.queue_wait):
            retry = max(1, round(self.queue_wait))
            raise Busy(
                f"all {self.concurrency} graph renders are busy; retry in {retry} s", retry
            )
        try:
            return self._run(draw, args)
        finally:
            self._slots.release()

    def _over_memory(self) -> QueryOverMemory:
        return QueryOverMemory(
            f"drawing the graph used more than {(self.memory_limit or 0) >> 20} MiB of memory "
            "and was stopped"
        )

    def _run(self, draw: Callable[..., bytes], args: tuple[Any, ...]) -> bytes:
        parent, child = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(
            target=_render_main, args=(child, draw, args), daemon=True, name="vetgraph-render"
        )
        process.start()
        child.close()
        deadline = time.monotonic() + self.timeout
        try:
            while not parent.poll(min(MEMORY_POLL, max(deadline - time.monotonic(), 0))):
                if time.monotonic() >= deadline:
                    raise QueryTimeout(
                        f"drawing the graph took longer than {self.timeout:g} s and was stopped"
                    )
                if self.memory_limit and _resident(process.pid or 0) > self.memory_limit:
                    raise self._over_memory()
                if not process.is_alive() and not parent.poll(0):
                    raise WorkerDied(f"the graph render died (exit code {process.exitcode})")
            try:
                status, value, *peak = parent.recv()
            except (EOFError, OSError) as error:
                raise WorkerDied("the graph render died while drawing") from error
            if self.memory_limit and peak and peak[0] > self.memory_limit:
                raise self._over_memory()
        finally:
            if process.is_alive():
                process.kill()
            process.join(5)
            parent.close()
        if status != "ok":
            raise WorkerFailed(value)
        return value


class ByteCache:
    """Bytes by key, least recently used first out, at most ``capacity`` bytes in all.

    Keys carry the dataset version; a value larger than the capacity is not kept."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.size = 0
        self._items: OrderedDict[Hashable, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[bytes, str] | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: Hashable, value: tuple[bytes, str]) -> None:
        size = len(value[0])
        if size > self.capacity:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= len(old[0])
            self._items[key] = value
            self.size += size
            while self.size > self.capacity:
                _, dropped = self._items.popitem(last=False)
                self.size -= len(dropped[0])

    def __len__(self) -> int:
        return len(self._items)

"""Query evaluation in a pool of child processes, so that one query costs only its own request.

Why processes: pyoxigraph cannot be cancelled from Python and a few malformed inputs crash its
native code. Each worker is a child process that opens the built store read-only (or, for the
memory backend, loads the dataset into rdflib once). The web process sends it a request over a
pipe and waits at most the query timeout; a worker that overruns is killed with SIGKILL (so its
CPU is freed at once) and replaced in the background, and a worker that dies answers its request
with an error while the others keep serving. A worker whose resident memory passes its cap is
killed the same way. The pool size is the bound on concurrent queries: a request that cannot get
a worker within ``queue_wait`` seconds is told to retry later. Each worker also leaves the host's
network (a network namespace of its own) before it opens the store, behind the query guard.

Updates (only when enabled) stop the world: the pool is drained, every reader is stopped (a
read-only store must not be open while another process writes), one writer process opens the
store read-write and applies the update in one transaction, then fresh readers open the new state.
A killed writer leaves the store as it was (pyoxigraph commits an update atomically).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import logging
import multiprocessing
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .sparql_guard import (
    CheckedQuery,
    Refusal,
    check_protocol_graphs,
    check_query,
    check_update,
    explain_syntax_error,
    read_query,
)

log = logging.getLogger(__name__)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RESULTS_JSON = "application/sparql-results+json"
#: How often a waiting request looks at its worker's resident memory, seconds.
MEMORY_POLL = 0.05
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

#: Imported once by the fork server, so that a replacement worker starts in milliseconds.
PRELOAD = [
    "pyoxigraph",
    "rdflib.plugins.sparql.parser",
    "vetgraph.store.oxigraph",
    "vetgraph.store.memory",
    "vetgraph.web.executor",
    "vetgraph.graphs.render",  # graph downloads are drawn in children of the fork server too
]


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker opens: the backend over ``settings`` (:class:`vetgraph.config.Settings`),
    with the store directory pinned to ``store_dir`` (oxigraph; None for memory)."""

    backend: str  # "oxigraph" | "memory"
    store_dir: Path | None
    settings: Any
    read_only: bool = True
    memory_limit: int | None = None  # bytes of resident memory per worker; None for no cap
    isolate_network: bool = True  # each worker in a network namespace of its own (see below)


@dataclass(frozen=True)
class QueryRequest:
    """One query as the worker needs it; media types are chosen beforehand by negotiation."""

    text: str
    results_mime: str | None
    graph_mime: str | None
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    max_rows: int | None = None
    #: Values for variables as (name, rdflib term) pairs, bound by the store, never spliced in.
    bindings: tuple[tuple[str, Any], ...] = ()
    #: The guard's verdict on ``text`` from an earlier run, set by the executor (never by
    #: callers): a worker that gets it skips rdflib's parse.
    checked: CheckedQuery | None = None
    #: The app's own ASK queries (text, bindings) that must all be true before ``text`` runs,
    #: asked in order in the same worker call (one hop instead of one per check); the first
    #: false one stops the request (``QueryReply.failed_precondition``).
    preconditions: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    #: The caller needs the number of solutions of a SELECT (``QueryReply.rows``), e.g. to
    #: send the answer on without parsing it.
    count_rows: bool = False


@dataclass
class QueryReply:
    """A serialized answer: ``mime`` is the body's media type."""

    form: str
    kind: str
    mime: str
    body: bytes
    truncated: bool
    elapsed: float = 0.0
    checked: CheckedQuery | None = None  # the guard's verdict, for the executor to remember
    rows: int | None = None  # solutions in ``body`` (SELECT), when known or asked for
    #: Index of the first precondition that was false (the query did not run), else None.
    failed_precondition: int | None = None


@dataclass
class StoreInfo:
    """Facts about the store that the service description and the home page report."""

    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI → triples
    quads: int = 0


class ExecutorError(Exception):
    """A request the pool could not answer; ``status`` is the HTTP status to answer with."""

    status = 500
    reason = "internal-error"  # the ``error`` member of a JSON error body
    retry_after: int | None = None


class Busy(ExecutorError):
    """Every worker is taken: 503 with Retry-After."""

    status = 503
    reason = "busy"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QueryTimeout(ExecutorError):
    """The query ran past the timeout and its worker was killed."""

    status = 503
    reason = "timeout"


class QueryOverMemory(ExecutorError):
    """The worker's resident memory passed the cap; it was killed."""

    status = 503
    reason = "over-memory"


class WorkerDied(ExecutorError):
    """The worker crashed (or was killed from outside) while evaluating this request."""

    status = 500
    reason = "worker-died"


class WorkerFailed(ExecutorError):
    """The backend raised something that is not the client's fault."""

    status = 500


# --- the worker process --------------------------------------------------------------------


CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000


def isolate_network() -> bool:
    """Move this process into a network namespace of its own, with no interface but a down
    loopback: whatever an engine tries (SERVICE, remote FROM), no connection can be made.

    Defence in depth behind the query guard. Needs root (CAP_SYS_ADMIN) or unprivileged user
    namespaces; where neither is available the worker keeps the host network and says so.
    Must run before the store is opened (RocksDB starts threads; unshare wants one thread).
    """
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return True
    log.warning(
        "query worker %s keeps the host network (unshare: %s); SERVICE and remote FROM are "
        "stopped by the query guard alone",
        os.getpid(),
        os.strerror(ctypes.get_errno()),
    )
    return False


def open_store(spec: WorkerSpec) -> Any:
    """Open the backend named in ``spec`` (in the worker), through the store package."""
    import rdflib.plugins.sparql

    from ..store import open_store as open_backend

    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # never fetch FROM / LOAD IRIs
    settings = spec.settings
    if spec.store_dir is not None:  # the build pinned at start, not whatever the link says now
        settings = settings.replace(store_dir=spec.store_dir)
    return open_backend(settings, spec.backend, read_only=spec.read_only)


#: Set in a worker of the memory backend, whose engine is rdflib: the guard then also runs
#: rdflib's parse. Other engines parse the query themselves; the guard reads its tokens.
_RDFLIB_ENGINE = False


@functools.lru_cache(maxsize=256)
def _checked_query(text: str, graphs: frozenset[str]) -> CheckedQuery:
    """The guard's verdict on a query text, remembered: dashboards and editors send the same
    text again and again (and rdflib's parser costs 10-50 ms a query). Refusals are not cached.
    """
    if _RDFLIB_ENGINE:
        return check_query(text, set(graphs))
    return read_query(text, set(graphs))


def _holds(
    store: Any, graphs: frozenset[str], text: str, values: tuple[tuple[str, Any], ...]
) -> bool:
    """The answer of one precondition: an ASK of the app's, with its bindings."""
    from ..store.base import QueryError

    checked = _checked_query(text, graphs)
    if checked.form != "ASK":
        raise Refusal("a precondition must be an ASK query", 400, "query-error")
    try:
        return bool(store.query(text, bindings=dict(values) or None).boolean)
    except QueryError as error:
        raise Refusal(str(error), 400, "query-error") from error


def _run_query(store: Any, graphs: frozenset[str], request: QueryRequest) -> QueryReply:
    from ..store.base import QueryError, UnsupportedFormatError

    started = time.perf_counter()
    for index, (text, values) in enumerate(request.preconditions):
        if not _holds(store, graphs, text, values):
            elapsed = time.perf_counter() - started
            return QueryReply("", "", "", b"", False, elapsed, failed_precondition=index)
    checked = request.checked or _checked_query(request.text, graphs)
    check_protocol_graphs(request.default_graph_uris, request.named_graph_uris, graphs)
    mime = request.graph_mime if checked.kind == "graph" else request.results_mime
    if mime is None:
        wrong = None if _RDFLIB_ENGINE else explain_syntax_error(request.text, None)
        if wrong is not None:  # a syntax error is the first thing to say
            raise wrong
        wanted = "an RDF syntax" if checked.kind == "graph" else "a SPARQL results format"
        raise Refusal(
            f"a {checked.form} query answers in {wanted}, and the request accepts none of them",
            406,
            "not-acceptable",
        )
    # The dataset: protocol parameters override FROM / FROM NAMED, which override the union
    # default graph. Passed explicitly, since pyoxigraph's union flag would win over FROM.
    default: list[str] | None
    named: list[str] | None
    if request.default_graph_uris or request.named_graph_uris:
        default, named = list(request.default_graph_uris), list(request.named_graph_uris)
    elif checked.from_graphs or checked.from_named_graphs:
        default, named = list(checked.from_graphs), list(checked.from_named_graphs)
    else:
        default = named = None
    bindings = dict(request.bindings) or None
    rows: int | None = None
    try:
        if request.max_rows is not None and hasattr(store, "raw") and hasattr(store, "_run"):
            kind, body, truncated, rows = _oxigraph_capped(
                store, request.text, mime, default, named, bindings, request.max_rows
            )
        else:
            counted = request.count_rows and checked.kind == "bindings"
            kind, body, truncated = store.query_serialized(
                request.text,
                RESULTS_JSON if counted else request.results_mime or mime,
                graph_mime=request.graph_mime,
                default_graph_uris=default,
                named_graph_uris=named,
                max_rows=request.max_rows,
                bindings=bindings,
            )
            if counted and kind == "bindings":
                body, rows = _counted(body, mime)
    except UnsupportedFormatError as error:
        raise Refusal(str(error), 406, "not-acceptable") from error
    except QueryError as error:
        if str(error).startswith("SPARQL syntax error"):
            raise explain_syntax_error(request.text, str(error)) or error from error
        raise Refusal(str(error), 400, "query-error") from error
    elapsed = time.perf_counter() - started
    return QueryReply(checked.form, kind, mime, body, truncated, elapsed, checked, rows)


def _counted(json_body: bytes, mime: str) -> tuple[bytes, int]:
    """SPARQL JSON results written again as the API writes a page (compact JSON, or ``mime``
    by pyoxigraph from it), and the number of solutions."""
    import pyoxigraph as ox

    from ..store.base import results_format

    doc = json.loads(json_body)
    rows = doc["results"]["bindings"]
    doc = {"head": doc["head"], "results": {"bindings": rows}}  # the API's page, whole
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if mime != RESULTS_JSON:
        parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        body = parsed.serialize(format=results_format(mime))
    return body, len(rows)


def _term_json(term: Any) -> dict[str, Any]:
    """A pyoxigraph term in SPARQL 1.1 JSON results form (SPARQL-star for quoted triples)."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _term_json(term.subject),
            "predicate": _term_json(term.predicate),
            "object": _term_json(term.object),
        },
    }


def _oxigraph_capped(
    store: Any,
    text: str,
    mime: str,
    default: list[str] | None,
    named: list[str] | None,
    bindings: dict[str, Any] | None,
    max_rows: int,
) -> tuple[str, bytes, bool, int | None]:
    """Evaluate on pyoxigraph, keep at most ``max_rows`` results, serialize without rdflib.

    The store interface's capped path converts every term to rdflib and back, which costs
    more than many queries; here solutions become SPARQL JSON straight from pyoxigraph terms
    (other results formats are written by pyoxigraph from that JSON) and triples are written
    by pyoxigraph itself. Same bytes, same dataset rules (``store._run``). The last member is
    the number of solutions written (None for other forms).
    """
    import pyoxigraph as ox

    from ..store.base import graph_format, results_format
    from ..store.oxigraph import _errors

    answer = store._run(text, default, named, bindings)
    with _errors():
        if isinstance(answer, ox.QueryBoolean):
            return "boolean", answer.serialize(format=results_format(mime)), False, None
        if isinstance(answer, ox.QueryTriples):
            fmt = graph_format(mime, None)
            triples = list(itertools.islice(answer, max_rows + 1))
            body = ox.serialize(triples[:max_rows], format=fmt)
            return "graph", body, len(triples) > max_rows, None
        fmt = results_format(mime)
        names = [v.value for v in answer.variables]
        solutions = list(itertools.islice(answer, max_rows + 1))
        rows = []
        for solution in solutions[:max_rows]:
            row = {}
            for index, name in enumerate(names):
                term = solution[index]
                if term is not None:
                    row[name] = _term_json(term)
            rows.append(row)
        doc = {"head": {"vars": names}, "results": {"bindings": rows}}
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if fmt != ox.QueryResultsFormat.JSON:
            parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            body = parsed.serialize(format=fmt)
        return "bindings", body, len(solutions) > max_rows, len(rows)


def _store_info(store: Any) -> StoreInfo:
    graphs = {name: store.triple_count(name) for name in store.graph_names()}
    return StoreInfo(graphs, store.triple_count())


def _worker_main(conn: Connection, spec: WorkerSpec) -> None:
    """Serve requests from the pipe until it closes. Replies: ("ok", value) or ("refused", r)."""
    global _RDFLIB_ENGINE
    _RDFLIB_ENGINE = spec.backend == "memory"
    isolated = isolate_network() if spec.isolate_network else False
    # rdflib's parser recurses a few dozen frames per bracket; the text gate caps the depth.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 30_000))
    try:
        store = open_store(spec)
        graphs = frozenset(store.graph_names())
    except Exception as error:  # reported to the parent, which decides whether to go on
        conn.send(("error", f"cannot open the store: {type(error).__name__}: {error}"))
        return
    check_query("ASK { ?s ?p ?o }", set(graphs))  # the first parse builds the grammar: now
    conn.send(("ready", isolated))  # the pool reports whether its workers left the network
    while True:
        try:
            op, payload = conn.recv()
        except (EOFError, OSError):
            break
        try:
            if op == "query":
                reply: tuple[str, Any] = ("ok", _run_query(store, graphs, payload))
            elif op == "update":
                check_update(payload, set(graphs))
                store.update(payload)
                reply = ("ok", None)
            elif op == "info":
                reply = ("ok", _store_info(store))
            elif op == "stats":
                from ..stats import collect

                reply = ("ok", collect(store))
            elif op == "select":
                rows = store.query(payload, max_rows=10_000).dicts()
                reply = ("ok", [{k: str(v) for k, v in row.items()} for row in rows])
            elif op == "exit":
                break
            else:
                reply = ("error", f"unknown operation {op!r}")
        except Refusal as refusal:
            reply = ("refused", refusal)
        except MemoryError:
            reply = ("error", "the query needed more memory than a worker may use")
        except Exception as error:
            from ..store.base import QueryError

            if isinstance(error, QueryError | SyntaxError | ValueError):
                reply = ("refused", Refusal(str(error), 400, "query-error"))
            else:
                reply = ("error", f"{type(error).__name__}: {error}")
        conn.send(reply)
    store.close()
    conn.close()


# --- the pool, in the web process ----------------------------------------------------------


class _Worker:
    """One child process and the parent's end of its pipe."""

    def __init__(self, ctx: Any, spec: WorkerSpec) -> None:
        self.memory_limit = spec.memory_limit
        self.isolated = False  # in a network namespace of its own (known once ready)
        self.conn, child_conn = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child_conn, spec), daemon=True, name="vetgraph-query"
        )
        self.process.start()
        child_conn.close()

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            self.kill()
            raise WorkerFailed(f"query worker did not start within {timeout:.0f} s")
        try:
            status, detail = self.conn.recv()
        except (EOFError, OSError) as error:
            self.kill()
            raise WorkerFailed("query worker died while starting") from error
        if status != "ready":
            self.kill()
            raise WorkerFailed(detail)
        self.isolated = bool(detail)

    def call(self, op: str, payload: Any, timeout: float) -> Any:
        """Send one request and wait for the reply, watching the clock and the memory."""
        deadline = time.monotonic() + timeout
        try:
            self.conn.send((op, payload))
            while not self.conn.poll(min(MEMORY_POLL, max(deadline - time.monotonic(), 0))):
                if time.monotonic() >= deadline:
                    raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped")
                if self.memory_limit and self.resident() > self.memory_limit:
                    raise QueryOverMemory(
                        f"the query used more than {self.memory_limit >> 20} MiB of memory "
                        "and was stopped"
                    )
            status, value = self.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as error:
            self.process.join(1)
            raise WorkerDied(
                "the query worker died while evaluating this request "
                f"(exit code {self.process.exitcode})"
            ) from error
        if status == "refused":
            raise value
        if status == "error":
            raise WorkerFailed(value)
        return value

    def resident(self) -> int:
        """Resident memory of the worker in bytes (0 where /proc cannot tell)."""
        try:
            with open(f"/proc/{self.process.pid}/statm") as handle:
                return int(handle.read().split()[1]) * PAGE_SIZE
        except (OSError, ValueError, IndexError):
            return 0

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the worker to exit cleanly (it closes the store), kill it if it does not."""
        try:
            self.conn.send(("exit", None))
        except (OSError, BrokenPipeError):
            pass
        self.process.join(timeout)
        if self.process.is_alive():
            self.kill()
        self.conn.close()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class QueryExecutor:
    """A fixed number of worker processes; see the module docstring for the rules."""

    def __init__(
        self,
        spec: WorkerSpec,
        *,
        workers: int = 4,
        timeout: float = 30.0,
        queue_wait: float = 2.0,
        start_timeout: float = 120.0,
        start_method: str = "forkserver",
    ) -> None:
        self.spec = spec
        self.size = workers
        self.timeout = timeout
        self.queue_wait = queue_wait
        self.start_timeout = start_timeout
        self.generation = 0  # bumped by every accepted update: part of ETags
        self._ctx = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self._ctx.set_forkserver_preload(PRELOAD)
        # Last in, first out: the worker that answered last takes the next request, so under
        # light load one warm worker serves (CPU caches, RocksDB blocks, remembered verdicts)
        # instead of each request going to the coldest. A worker that died idle is still found
        # (and replaced) when it is taken.
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._update_lock = threading.Lock()
        self._closed = False
        self._cache: dict[str, tuple[int, Any]] = {}
        self._verdicts: dict[tuple[int, str], CheckedQuery] = {}
        self._verdicts_lock = threading.Lock()
        #: Every worker started so far left the host network (see isolate_network).
        self.network_isolated = False

    # life cycle

    def start(self) -> QueryExecutor:
        """Start every worker and wait until each has opened the store."""
        started = [_Worker(self._ctx, self.spec) for _ in range(self.size)]
        try:
            for worker in started:
                worker.wait_ready(self.start_timeout)
        except ExecutorError:
            for worker in started:
                worker.kill()
            raise
        self.network_isolated = all(worker.isolated for worker in started)
        for worker in started:
            self._idle.put(worker)
        return self

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().stop(1.0)
            except queue.Empty:
                break

    def __enter__(self) -> QueryExecutor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # requests

    def query(self, request: QueryRequest, timeout: float | None = None) -> QueryReply:
        """Evaluate one query in a worker; raises Refusal or an ExecutorError.

        The guard's verdict on a query text is remembered here, for every worker: a text that
        passed once is not parsed again until the store changes (an update).
        """
        key = (self.generation, request.text)
        verdict = self._verdicts.get(key)
        if verdict is not None:
            request = dataclasses.replace(request, checked=verdict)
        reply: QueryReply = self._call("query", request, timeout or self.timeout)
        if verdict is None and reply.checked is not None:
            with self._verdicts_lock:
                if len(self._verdicts) >= 1024:
                    self._verdicts.pop(next(iter(self._verdicts)))
                self._verdicts[key] = reply.checked
        return reply

    def info(self) -> StoreInfo:
        """Graph sizes, cached until the next update."""
        return self.cached("info", lambda: self._call("info", None, self.timeout))

    def cached(self, key: str, make: Any) -> Any:
        """A value computed once per store generation (the store only changes by updates)."""
        generation = self.generation
        hit = self._cache.get(key)
        if hit is not None and hit[0] == generation:
            return hit[1]
        value = make()
        self._cache[key] = (generation, value)
        return value

    def stats(self) -> dict[str, Any]:
        """Triples per graph, entities per class, observations per data set (vetgraph.stats)."""
        return self.cached("stats", lambda: self._call("stats", None, self.timeout))

    def select(self, text: str) -> list[dict[str, str]]:
        """Rows of a trusted SELECT (the app's own queries) as strings, up to 10,000."""
        return self._call("select", text, self.timeout)

    def update(self, text: str, timeout: float | None = None) -> None:
        """Apply a SPARQL update with every reader stopped; see the module docstring."""
        if self.spec.backend != "oxigraph":
            raise WorkerFailed("updates need the oxigraph backend")
        timeout = timeout or self.timeout
        with self._update_lock:
            drained: list[_Worker] = []
            try:
                for _ in range(self.size):
                    drained.append(self._idle.get(timeout=self.timeout + self.queue_wait))
            except queue.Empty:
                for worker in drained:
                    self._idle.put(worker)
                raise Busy("the store is busy; the update was not applied", 5) from None
            for worker in drained:
                worker.stop()
            writer_spec = dataclasses.replace(self.spec, read_only=False)
            try:
                writer = _Worker(self._ctx, writer_spec)
                writer.wait_ready(self.start_timeout)
                try:
                    writer.call("update", text, timeout)
                except ExecutorError:  # timeout, memory, crash: the transaction is not committed
                    writer.kill()
                    raise
                except Refusal:
                    writer.stop()
                    raise
                writer.stop()
                self.generation += 1
            finally:
                for _ in range(self.size):
                    self._spawn_into_pool()

    # internals

    def _call(self, op: str, payload: Any, timeout: float) -> Any:
        if self._closed:
            raise WorkerFailed("the query executor is closed")
        deadline = time.monotonic() + self.queue_wait
        while True:
            try:
                worker = self._idle.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                retry = max(1, round(self.queue_wait))
                raise Busy(
                    f"all {self.size} query workers are busy; retry in {retry} s", retry
                ) from None
            if worker.process.is_alive():
                break
            # Died while idle (killed from outside, out of memory): replace, take another.
            log.warning("query worker %s died while idle; replacing it", worker.process.pid)
            worker.kill()
            threading.Thread(target=self._spawn_into_pool, daemon=True).start()
        try:
            value = worker.call(op, payload, timeout)
        except (QueryTimeout, QueryOverMemory, WorkerDied) as error:
            log.warning("replacing query worker %s: %s", worker.process.pid, error)
            worker.kill()
            threading.Thread(target=self._spawn_into_pool, daemon=True).start()
            raise
        except BaseException:
            self._idle.put(worker)
            raise
        self._idle.put(worker)
        return value

    def _spawn_into_pool(self) -> None:
        """Start one worker and add it to the pool, retrying a few times if it fails to open."""
        for attempt in range(5):
            if self._closed:
                return
            try:
                worker = _Worker(self._ctx, self.spec)
                worker.wait_ready(self.start_timeout)
            except ExecutorError as error:
                log.error("query worker failed to start (attempt %d): %s", attempt + 1, error)
                time.sleep(min(2**attempt, 10))
                continue
            self._idle.put(worker)
            return

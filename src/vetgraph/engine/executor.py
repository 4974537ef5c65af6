"""Query evaluation in a pool of child processes, so that one query costs only its own request.

Why processes: pyoxigraph cannot be cancelled from Python and a few malformed inputs crash its
native code. Each worker is a child process that opens the built store read-only (or, for the
memory backend, loads the dataset into rdflib once). The web process sends it a request over a
pipe and waits at most the query timeout; a worker that overruns is killed with SIGKILL (so its
CPU is freed at once) and replaced in the background, and a worker that dies answers its request
with an error while the others keep serving. A worker whose resident memory passes its cap is
killed the same way. The pool size is the bound on concurrent queries: a request that cannot get
a worker within ``queue_wait`` seconds is told to retry later (503 + Retry-After).

Fair share: ``reserved`` workers form a lane of their own, so that cheap requests keep being
served while slow ones hold every other worker. A request takes a general worker when one is
free, else a reserved one, where it may run ``reserved_timeout`` seconds at most; a query text
seen to run longer than that (or stopped for time or memory) is remembered and waits for the
general lane only. So slow queries queue behind each other, not in front of cheap ones.

Each worker also leaves the host's network (a network namespace of its own) before it opens
the store, behind the query guard.

The app's own requests (``QueryRequest.trusted``) that a worker answered within ``local_max``
seconds are answered in the web process afterwards, on a read-only handle of its own, until
the store changes (:meth:`QueryExecutor.query` says why that needs no stopping); a user's query
never is.

Updates (only when enabled) stop the world: the pool is drained, every reader is stopped (a
read-only store must not be open while another process writes), one writer process opens the
store read-write and applies the update in one transaction, then fresh readers open the new state.
A killed writer leaves the store as it was (pyoxigraph commits an update atomically).

Builds and the pool (oxigraph backend): the pool holds a lease (:mod:`vetgraph.store.leases`)
on every version directory its workers have open, so ``vetgraph build`` never deletes one.
:meth:`QueryExecutor.switch_store` moves the pool to another build between requests: a full set
of workers opens the new version first, then the old workers stop as they come back idle. A
worker that fails to start is retried with backoff (0.5 s doubling to 30 s) for as long as the
pool runs, so the pool never shrinks for good; when its version directory is gone, the pool
reopens whatever the store link points to now. :meth:`QueryExecutor.health` says how it stands.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import logging
import math
import multiprocessing
import os
import queue
import resource
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..config import setting_default
from ..namespaces import XSD_STRING
from .guard import (
    CheckedQuery,
    Refusal,
    check_protocol_graphs,
    check_query,
    check_update,
    explain_syntax_error,
    read_query,
)

log = logging.getLogger(__name__)
RESULTS_JSON = "application/sparql-results+json"
#: Seconds the pool may stay short of workers (a replacement starting) before health says so.
HEALTH_GRACE = 5.0
#: How often a waiting request looks at its worker's resident memory, seconds.
MEMORY_POLL = 0.05
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

#: Imported once by the fork server, so that a replacement worker starts in milliseconds.
PRELOAD = [
    "pyoxigraph",
    "rdflib.plugins.sparql.parser",
    "vetgraph.store.oxigraph",
    "vetgraph.store.memory",
    "vetgraph.engine.executor",
    "vetgraph.networks.render",  # graph downloads are drawn in children of the fork server too
]


#: The largest answer (bytes) a trusted request may have to be answered in the web process
#: (see QueryExecutor.query): what that process holds at once for one request.
LOCAL_MAX_BYTES = 1 << 20

#: A query that scans much of the store leaves RocksDB's caches in a state that slows every
#: later small query of the same handle by 10-25 % for good (measured at 1,000 schools: after
#: city-totals, 480 ms, school-indicators 0.59 -> 0.74 ms and school-profile 5.0 -> 5.5 ms; a
#: new handle in the same process is back at 0.59 and 5.0). Opening the store again costs about
#: 10 ms, so a worker does it after a query that took at least this long (at most 4 % more).
REOPEN_AFTER_SECONDS = 0.25


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
    #: Triples an update may remove before the store is snapshotted (see vetgraph.updates).
    snapshot_threshold: int = setting_default("snapshot_threshold")
    #: The newest snapshots an update keeps (0: all; see vetgraph.updates).
    keep_snapshots: int = setting_default("keep_snapshots")
    #: Seconds of evaluation after which a read-only oxigraph worker opens its store afresh
    #: (:data:`REOPEN_AFTER_SECONDS`); None never.
    reopen_after: float | None = REOPEN_AFTER_SECONDS


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
    #: The text is the app's own (a named query of the catalogue, a page's query), never a
    #: user's: once a worker has answered it quickly it may be answered in the web process
    #: (``QueryExecutor(local_max=…)``).
    trusted: bool = False


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
    local: bool = False  # answered in the web process, not by a worker


@dataclass
class StoreInfo:
    """Facts about the store that the service description and the home page report."""

    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI → triples
    quads: int = 0


@dataclass
class UpdateRefused(Refusal):
    """An update whose result breaks the shapes: 422 with the validation report."""

    report: dict[str, Any] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        fields = (self.message, self.status, self.reason, self.line, self.column, self.context,
                  self.report)
        return (type(self), fields)

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "report": self.report}

    def as_text(self) -> str:
        lines = [self.message, ""]
        for result in self.report.get("results", []):
            if result["severity"] != "Violation":
                continue
            name = result["labels"].get("en") or result["labels"].get("zh") or ""
            messages = "; ".join(result["messages"])
            lines.append(f"{result['focus_node']} {name} {result['path'] or ''}: {messages}")
        return "\n".join(lines) + "\n"


def _apply_update(store: Any, spec: WorkerSpec, text: str) -> Any:
    """An update through :func:`vetgraph.updates.apply_update` (validated, snapshotted)."""
    from ..updates import UpdateViolates, apply_update

    try:
        return apply_update(
            store,
            text,
            Path(spec.settings.store_dir).absolute(),
            snapshot_threshold=spec.snapshot_threshold,
            keep_snapshots=spec.keep_snapshots,
        )
    except UpdateViolates as refused:
        raise UpdateRefused(refused.message, 422, "shacl-violation", report=refused.report) \
            from refused


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
    """The query ran past the timeout and its worker was killed: 503 with Retry-After."""

    status = 503
    reason = "timeout"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QueryOverMemory(ExecutorError):
    """The worker's resident memory passed the cap; it was killed: 503 with Retry-After."""

    status = 503
    reason = "over-memory"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


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


def _run_query(
    store: Any, graphs: frozenset[str], request: QueryRequest, *, held: bool = False
) -> QueryReply:
    """Evaluate ``request`` on ``store``; ``held``: its preconditions are known to hold (they
    did on this very data), so they are not asked again."""
    from ..store.base import QueryError, UnsupportedFormatError

    started = time.perf_counter()
    for index, (text, values) in enumerate(() if held else request.preconditions):
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
    from ..store.base import write_results

    doc = json.loads(json_body)
    rows = doc["results"]["bindings"]
    doc = {"head": doc["head"], "results": {"bindings": rows}}  # the API's page, whole
    return write_results(doc, mime), len(rows)


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


def _remember(memo: dict[Any, Any], key: Any, value: Any, bound: int) -> None:
    """``memo[key] = value`` as its newest entry; the oldest go past ``bound`` entries."""
    memo.pop(key, None)
    memo[key] = value
    while len(memo) > bound:
        memo.pop(next(iter(memo)))


#: The longest SPARQL JSON answer pyoxigraph writes whole (then counted here and passed on as
#: it is); past it the answer is written again solution by solution under the row cap.
WHOLE_ANSWER_BYTES = 1 << 20
#: Query texts whose answer was longer than that: written solution by solution from the start.
_long_answers: dict[str, None] = {}


class _AnswerTooLong(Exception):
    """Raised into pyoxigraph's writer: it stops writing (and evaluating) at once."""


class _BoundedSink:
    """A file for pyoxigraph to write an answer into, refusing more than ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit

    def write(self, chunk: bytes) -> int:
        self.size += len(chunk)
        if self.size > self.limit:
            raise _AnswerTooLong
        self.parts.append(bytes(chunk))
        return len(chunk)

    def flush(self) -> None:
        pass


def _whole_json(answer: Any, max_rows: int) -> tuple[bytes, bool, int] | None:
    """SPARQL JSON of ``answer`` written by pyoxigraph (no term passes through Python) and its
    number of solutions; cut to ``max_rows`` when longer. None when the answer is longer than
    :data:`WHOLE_ANSWER_BYTES` (``answer`` is then spent)."""
    import pyoxigraph as ox

    from ..store.base import write_results

    sink = _BoundedSink(WHOLE_ANSWER_BYTES)
    try:
        answer.serialize(sink, format=ox.QueryResultsFormat.JSON)
    except _AnswerTooLong:
        return None
    body = b"".join(sink.parts)
    doc = json.loads(body)
    rows = doc["results"]["bindings"]
    if len(rows) <= max_rows:
        return body, False, len(rows)
    doc["results"]["bindings"] = rows[:max_rows]
    return write_results(doc, RESULTS_JSON), True, max_rows


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
    more than many queries; here a SPARQL JSON answer is written by pyoxigraph itself when it
    is not long (:func:`_whole_json`), else solution by solution from pyoxigraph terms (the
    text is remembered, and its next answers go that way at once); other results formats are
    written by pyoxigraph from that JSON, and triples by pyoxigraph itself. Same answers, same
    dataset rules (``store._run``). The last member is the number of solutions written (None
    for other forms).
    """
    import pyoxigraph as ox

    from ..store.base import graph_format, results_format, write_results
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
        if fmt == ox.QueryResultsFormat.JSON and text not in _long_answers:
            whole = _whole_json(answer, max_rows)
            if whole is not None:
                body, truncated, count = whole
                return "bindings", body, truncated, count
            _remember(_long_answers, text, None, 1024)
            answer = store._run(text, default, named, bindings)
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
        body = write_results(doc, mime)
        return "bindings", body, len(solutions) > max_rows, len(rows)


def _store_info(store: Any) -> StoreInfo:
    graphs = {name: store.triple_count(name) for name in store.graph_names()}
    return StoreInfo(graphs, store.triple_count())


def _worker_main(conn: Connection, spec: WorkerSpec) -> None:
    """Serve requests from the pipe until it closes. Replies: (status, value, peak), status
    "ok", "refused" or "error", peak the worker's peak resident bytes so far (getrusage: a
    system call here, where the parent would read /proc once per request)."""
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
    reopens = 0  # times the store was opened again (REOPEN_AFTER_SECONDS)
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
                reply = ("ok", _apply_update(store, spec, payload))
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
        except Exception as error:
            reply = _failure(error)
        lost = False
        if op == "query" and reply[0] == "ok" and _wants_reopen(spec, reply[1].elapsed):
            store.close()
            try:
                store = open_store(spec)
                reopens += 1
            except Exception:  # noqa: BLE001 (answer this one, then end: the pool replaces it)
                lost = True
        conn.send((*reply, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, reopens))
        if lost:
            break
    store.close()
    conn.close()


def _failure(error: Exception) -> tuple[str, Any]:
    """A failed request's reply: ("refused", the Refusal to raise) for the client's fault
    (the query), ("error", words) for the engine's."""
    from ..store.base import QueryError

    if isinstance(error, Refusal):
        return ("refused", error)
    if isinstance(error, MemoryError):
        return ("error", "the query needed more memory than a worker may use")
    if isinstance(error, QueryError | SyntaxError | ValueError):
        return ("refused", Refusal(str(error), 400, "query-error"))
    return ("error", f"{type(error).__name__}: {error}")


def _wants_reopen(spec: WorkerSpec, elapsed: float) -> bool:
    """Open the store afresh after this query? See :data:`REOPEN_AFTER_SECONDS`."""
    return (
        spec.reopen_after is not None
        and spec.backend == "oxigraph"
        and spec.read_only
        and elapsed >= spec.reopen_after
    )


# --- the pool, in the web process ----------------------------------------------------------


class _Worker:
    """One child process and the parent's end of its pipe."""

    def __init__(self, ctx: Any, spec: WorkerSpec, lane: str = "general") -> None:
        self.spec = spec
        self.lane = lane  # "general", or "reserved" (see QueryExecutor)
        self.memory_limit = spec.memory_limit
        self.isolated = False  # in a network namespace of its own (known once ready)
        self.reopens = 0  # times it opened its store afresh, as of its last reply
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
                    raise QueryTimeout(
                        f"the query ran longer than {timeout:g} s and was stopped",
                        max(1, math.ceil(timeout)),
                    )
                if self.memory_limit and self.resident() > self.memory_limit:
                    raise QueryOverMemory(
                        f"the query used more than {self.memory_limit >> 20} MiB of memory "
                        "and was stopped",
                        max(1, math.ceil(timeout)),
                    )
            status, value, peak, self.reopens = self.conn.recv()
            # A query shorter than one poll is never watched above: the worker's peak resident
            # size says whether it went past the cap all the same (then it is replaced too).
            if self.memory_limit and peak > self.memory_limit:
                raise QueryOverMemory(
                    f"the query used more than {self.memory_limit >> 20} MiB of memory "
                    "and was stopped",
                    max(1, math.ceil(timeout)),
                )
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


class _LocalReader:
    """The web process's own read-only handle on the store served, for the app's queries that
    a worker has already answered quickly (see :meth:`QueryExecutor.query`).

    Opened on first use and again after a switch; closed while an update writes (a read-only
    handle must not be open then): :meth:`pause` waits for the queries on it to finish.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._store: Any = None
        self._graphs: frozenset[str] = frozenset()
        self._spec: WorkerSpec | None = None
        self._users = 0
        self._paused = False

    def run(self, spec: WorkerSpec, request: QueryRequest) -> QueryReply | None:
        """The reply to ``request`` evaluated here, or None when paused or the store cannot
        be opened (the caller then asks a worker)."""
        with self._lock:
            if self._paused:
                return None
            if self._spec is not spec:
                self._drop()
                try:
                    self._store = open_store(spec)
                except Exception as error:  # noqa: BLE001 (the workers answer instead)
                    log.warning("cannot open the store in the web process: %s", error)
                    return None
                self._graphs = frozenset(self._store.graph_names())
                self._spec = spec
            store, graphs = self._store, self._graphs
            self._users += 1
        try:
            # Only a request a worker answered on this data comes here: its checks held then.
            reply = _run_query(store, graphs, request, held=True)
        except Exception as error:
            status, value = _failure(error)
            if status == "refused":
                raise value from error
            raise WorkerFailed(value) from error
        finally:
            with self._lock:
                self._users -= 1
                self._lock.notify_all()
        reply.local = True
        return reply

    def pause(self) -> None:
        """Close the handle once the queries on it are done; none start until :meth:`resume`."""
        with self._lock:
            self._paused = True
            self._lock.wait_for(lambda: self._users == 0)
            self._drop()

    def resume(self) -> None:
        with self._lock:
            self._paused = False

    def _drop(self) -> None:
        """Forget the handle; a query still on it (after a switch) keeps it open until done."""
        if self._store is not None and self._users == 0:
            self._store.close()
        self._store, self._spec = None, None


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
        store_link: Path | None = None,
        reserved: int = 0,
        reserved_timeout: float = 1.0,
        local_max: float = 0.0,
    ) -> None:
        self.spec = spec
        #: Seconds: a trusted request a worker answered within this is answered again in the
        #: web process (0: never); see :meth:`query`.
        self.local_max = local_max if spec.backend == "oxigraph" and spec.read_only else 0.0
        self._local = _LocalReader()
        #: Trusted requests a worker (or this process) answered within ``local_max``, by epoch.
        self._timed: dict[tuple[int, QueryRequest], None] = {}
        self._timed_lock = threading.Lock()
        self.local_answers = 0  # requests answered in the web process
        self.size = workers
        #: Workers kept for queries not seen to run long (see the module docstring).
        self.reserved = max(0, min(reserved, workers - 1))
        self.reserved_timeout = reserved_timeout
        self.timeout = timeout
        self.queue_wait = queue_wait
        self.start_timeout = start_timeout
        self.generation = 0  # accepted updates (ETags follow the version each writes instead)
        self.epoch = 0  # bumped by updates and store switches: what the caches are keyed by
        #: The link ``vetgraph build`` switches (oxigraph): where a new build is looked for.
        self.store_link = store_link
        self.started_at = time.time()
        self.restarts = 0  # workers replaced after a timeout, crash or memory cap
        self.switches: list[dict[str, Any]] = []  # store switches, oldest first (last 20)
        self._ctx = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self._ctx.set_forkserver_preload(PRELOAD)
        # Last in, first out: the worker that answered last takes the next request, so under
        # light load one warm worker serves (CPU caches, RocksDB blocks, remembered verdicts)
        # instead of each request going to the coldest. A worker that died idle is still found
        # (and replaced) when it is taken.
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()  # the general lane
        self._fast: queue.LifoQueue[_Worker] = queue.LifoQueue()  # the reserved lane
        self._slow: dict[str, None] = {}  # texts seen to run long, oldest first
        self._slow_lock = threading.Lock()
        self._update_lock = threading.Lock()
        self._closed = False
        self._cache: dict[str, tuple[int, Any]] = {}
        self._verdicts: dict[tuple[int, str], CheckedQuery] = {}
        self._verdicts_lock = threading.Lock()
        self._workers: set[_Worker] = set()  # every live worker, of any version
        self._pending = 0  # replacements being started (or retried after a failure)
        self._start_error: tuple[float, str] | None = None  # the last failed start
        self._short_since: float | None = None  # when health first saw the pool short
        self._state_lock = threading.Lock()
        self._lease: Any = None
        if store_link is not None and spec.store_dir is not None:
            self._take_lease(store_link)
        #: Every worker started so far left the host network (see isolate_network).
        self.network_isolated = False

    # life cycle

    def start(self) -> QueryExecutor:
        """Start every worker and wait until each has opened the store."""
        for worker in self._start_set(self.spec):
            self._put(worker)
        return self

    def close(self) -> None:
        self._closed = True
        self._local.pause()  # for good: the web process's handle closes too
        for lane in (self._idle, self._fast):
            while True:
                try:
                    lane.get_nowait().stop(1.0)
                except queue.Empty:
                    break
        if self._lease is not None:
            self._lease.release()
            self._lease = None

    def __enter__(self) -> QueryExecutor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def store_dir(self) -> Path | None:
        """The version directory the pool serves now (oxigraph), else None."""
        return self.spec.store_dir

    def current_build(self) -> Path | None:
        """The version directory the store link points to now, if it is a finished build."""
        from ..store.oxigraph import MANIFEST_NAME

        if self.store_link is None:
            return None
        target = Path(os.path.realpath(self.store_link))
        return target if (target / MANIFEST_NAME).is_file() else None

    def switch_store(self, target: Path, reason: str) -> bool:
        """Serve the build at ``target`` from now on; False when it is already served.

        A full set of workers opens it before any request goes to it; old workers finish
        their requests and stop. If the new workers cannot start, the pool keeps its version
        (and the error is raised)."""
        with self._update_lock:
            if self._closed or target == self.spec.store_dir:
                return False
            old = self.spec.store_dir
            spec = dataclasses.replace(self.spec, store_dir=target)
            self._hold_lease(extra=target)
            try:
                started = self._start_set(spec)
            except ExecutorError:
                self._hold_lease()
                raise
            with self._state_lock:
                self.spec = spec
                self.epoch += 1
                self.switches = [*self.switches[-19:], {
                    "at": time.time(), "from": old.name if old else None,
                    "to": target.name, "reason": reason,
                }]
            for worker in started:
                self._put(worker)
            self._retire_idle()
            log.warning("query workers switched from %s to %s (%s)", old, target, reason)
            return True

    def refresh(self) -> bool:
        """Switch to the build the store link points to, if it changed (between requests)."""
        target = self.current_build()
        if target is None or target == self.spec.store_dir:
            return False
        return self.switch_store(target, "a new build")

    def health(self) -> dict[str, Any]:
        """Workers alive against expected, the version served, and why the pool is degraded."""
        now = time.monotonic()
        with self._state_lock:
            current = [w for w in self._workers if w.spec is self.spec]
            alive = sum(1 for w in current if w.process.is_alive())
            reopens = sum(w.reopens for w in current)
            pending, error = self._pending, self._start_error
            if alive >= self.size:
                self._short_since = None
            elif self._short_since is None:
                self._short_since = now
            short_for = 0.0 if self._short_since is None else now - self._short_since
        reasons = []
        # A worker replaced after a timeout is back within a second: degraded only when the
        # pool stays short (HEALTH_GRACE seconds between looks) or a start failed.
        if alive < self.size and (short_for >= HEALTH_GRACE or (error is not None and pending)):
            reasons.append(
                f"{alive} of {self.size} query workers running"
                + (f" ({pending} being started)" if pending else "")
            )
        if error is not None and pending:
            reasons.append(f"query workers fail to start: {error[1]}")
        if self.spec.store_dir is not None and not self.spec.store_dir.is_dir():
            reasons.append("the store version served is gone")
        if self._closed:
            reasons.append("the query executor is closed")
        return {
            "workers": {"alive": alive, "expected": self.size, "starting": pending},
            "worker_restarts": self.restarts,
            "store_reopens": reopens,
            "local_answers": self.local_answers,
            "store": self.spec.store_dir.name if self.spec.store_dir else None,
            "switches": list(self.switches),
            "uptime_seconds": round(time.time() - self.started_at, 1),
            "degraded": reasons,
        }

    # requests

    def query(self, request: QueryRequest, timeout: float | None = None) -> QueryReply:
        """Evaluate one query in a worker; raises Refusal or an ExecutorError.

        The guard's verdict on a query text is remembered here, for every worker: a text that
        passed once is not parsed again until the store changes (an update or a switch).

        The hop to a worker costs more than the whole evaluation of a small query. So a
        trusted request (the app's own text, its values bound by the store) that a worker
        answered within ``local_max`` seconds is answered again here, in the web process, on
        a read-only handle of its own, until the store changes: on the same data the same
        request does the same work, so it needs no stopping. One that takes longer here goes
        back to the workers. A user's query always runs in a worker, where it can be stopped.
        """
        epoch = self.epoch
        # The request as the caller made it (without the verdict) is what makes the work.
        timed = (epoch, request) if request.trusted and self.local_max else None
        key = (epoch, request.text)
        verdict = self._verdicts.get(key)
        if verdict is not None:
            request = dataclasses.replace(request, checked=verdict)
        if timed is not None and timed in self._timed:
            reply = self._local.run(self.spec, request)
            if reply is not None:
                self._note_time(timed, reply)
                return reply
        reply = self._call("query", request, timeout or self.timeout, request.text)
        if verdict is None and reply.checked is not None:
            with self._verdicts_lock:
                _remember(self._verdicts, key, reply.checked, 1024)
        if timed is not None:
            self._note_time(timed, reply)
        return reply

    def _note_time(self, timed: tuple[int, QueryRequest], reply: QueryReply) -> None:
        """Remember a trusted request answered within ``local_max`` (small, every check held),
        forget others."""
        with self._timed_lock:
            self.local_answers += reply.local
            if reply.elapsed <= self.local_max and len(reply.body) <= LOCAL_MAX_BYTES \
                    and reply.failed_precondition is None:
                _remember(self._timed, timed, None, 4096)
            else:
                self._timed.pop(timed, None)

    def info(self) -> StoreInfo:
        """Graph sizes, cached until the next update."""
        return self.cached("info", lambda: self._call("info", None, self.timeout, "op:info"))

    def cached(self, key: str, make: Any) -> Any:
        """A value computed once per store state (the store changes by updates and switches)."""
        epoch = self.epoch
        hit = self._cache.get(key)
        if hit is not None and hit[0] == epoch:
            return hit[1]
        value = make()
        self._cache[key] = (epoch, value)
        return value

    def stats(self) -> dict[str, Any]:
        """Triples per graph, entities per class, observations per data set (vetgraph.stats)."""
        return self.cached("stats", lambda: self._call("stats", None, self.timeout, "op:stats"))

    def select(self, text: str) -> list[dict[str, str]]:
        """Rows of a trusted SELECT (the app's own queries) as strings, up to 10,000."""
        return self._call("select", text, self.timeout, text)

    def update(self, text: str, timeout: float | None = None) -> Any:
        """Apply a SPARQL update with every reader stopped; see the module docstring. Returns
        what it did (:class:`vetgraph.updates.UpdateOutcome`)."""
        if self.spec.backend != "oxigraph":
            raise WorkerFailed("updates need the oxigraph backend")
        timeout = timeout or self.timeout
        with self._update_lock:
            drained: list[_Worker] = []
            try:
                deadline = time.monotonic() + self.timeout + self.queue_wait
                for lane, count in ((self._idle, self.size - self.reserved),
                                    (self._fast, self.reserved)):
                    for _ in range(count):
                        wait = max(deadline - time.monotonic(), 0)
                        drained.append(lane.get(timeout=wait))
            except queue.Empty:
                for worker in drained:
                    self._put(worker)
                raise Busy("the store is busy; the update was not applied", 5) from None
            for worker in drained:
                worker.stop()
            self._local.pause()
            writer_spec = dataclasses.replace(self.spec, read_only=False)
            try:
                writer = _Worker(self._ctx, writer_spec)
                writer.wait_ready(self.start_timeout)
                try:
                    outcome = writer.call("update", text, timeout)
                except ExecutorError:  # timeout, memory, crash: the transaction is not committed
                    writer.kill()
                    raise
                except Refusal:
                    writer.stop()
                    raise
                writer.stop()
                self.generation += 1
                return outcome
            finally:
                self.epoch += 1
                self._local.resume()
                with self._state_lock:
                    self._workers.difference_update(drained)
                try:
                    for worker in self._start_set(self.spec):
                        self._put(worker)
                except ExecutorError as error:  # keep trying in the background
                    log.error("query workers failed to start after an update: %s", error)
                    for index in range(self.size):
                        self._replace(self.epoch, self._lane_of(index))

    # internals

    def _take_lease(self, store_link: Path) -> None:
        from ..store.leases import Lease

        try:
            self._lease = Lease(store_link)
        except OSError as error:  # a read-only folder: serve, but builds may remove the version
            log.warning("no lease on %s (%s): a build may remove the version served",
                        store_link, error)
            return
        self._hold_lease()

    def _hold_lease(self, extra: Path | None = None) -> None:
        """Name the versions the workers have open (plus ``extra``, about to be opened)."""
        if self._lease is None:
            return
        with self._state_lock:
            held = {w.spec.store_dir for w in self._workers} | {self.spec.store_dir, extra}
        try:
            self._lease.hold(path for path in held if path is not None)
        except OSError as error:
            log.warning("cannot write the store lease: %s", error)

    def _start_set(self, spec: WorkerSpec) -> list[_Worker]:
        """Start ``size`` workers on ``spec`` and wait until each has opened the store."""
        started = [_Worker(self._ctx, spec, self._lane_of(i)) for i in range(self.size)]
        try:
            for worker in started:
                worker.wait_ready(self.start_timeout)
        except ExecutorError:
            for worker in started:
                worker.kill()
            raise
        with self._state_lock:
            self._workers.update(started)
        self.network_isolated = all(worker.isolated for worker in started)
        return started

    def _stop(self, worker: _Worker, *, kill: bool = False) -> None:
        """Stop a worker (kill: at once) and forget it; the lease follows."""
        if kill:
            worker.kill()
        else:
            worker.stop()
        with self._state_lock:
            self._workers.discard(worker)
        self._hold_lease()

    def _lane_of(self, index: int) -> str:
        """The lane of the index-th worker of a full set: the first ``reserved`` are kept."""
        return "reserved" if index < self.reserved else "general"

    def _put(self, worker: _Worker) -> None:
        (self._fast if worker.lane == "reserved" else self._idle).put(worker)

    def _retire_idle(self) -> None:
        """Stop the idle workers of an older version; keep the current ones."""
        keep, old = [], []
        for lane in (self._idle, self._fast):
            while True:
                try:
                    worker = lane.get_nowait()
                except queue.Empty:
                    break
                (keep if worker.spec is self.spec else old).append(worker)
        for worker in reversed(keep):
            self._put(worker)
        for worker in old:
            self._stop(worker)

    def _release(self, worker: _Worker) -> None:
        """A worker is done with a request: back to the pool, or stopped if its version is old."""
        if worker.spec is self.spec:
            self._put(worker)
        else:
            threading.Thread(target=self._stop, args=(worker,), daemon=True).start()

    def _replace(self, epoch: int, lane: str) -> None:
        """Start a worker in place of one that is gone, in the background."""
        with self._state_lock:
            self._pending += 1
        threading.Thread(
            target=self._spawn_into_pool, args=(epoch, lane), daemon=True
        ).start()

    def is_slow(self, key: str | None) -> bool:
        """Whether this text ran past the reserved lane's budget before (or was stopped)."""
        return key is not None and key in self._slow

    def _mark_slow(self, key: str | None) -> None:
        if key is None:
            return
        with self._slow_lock:
            _remember(self._slow, key, None, 4096)

    def _take(self, key: str | None) -> _Worker:
        """A free worker: the general lane's first; the reserved lane's for a text not seen to
        run long. Busy (503 + Retry-After) after ``queue_wait`` seconds."""
        deadline = time.monotonic() + self.queue_wait
        lanes = [self._idle] if not self.reserved or self.is_slow(key) else [self._idle, self._fast]
        while True:
            for lane in lanes:
                try:
                    return lane.get_nowait()
                except queue.Empty:
                    pass
            left = deadline - time.monotonic()
            if left <= 0:
                retry = max(1, round(self.queue_wait))
                raise Busy(
                    f"all {self.size} query workers are busy; retry in {retry} s", retry
                ) from None
            if len(lanes) == 1:
                try:
                    return lanes[0].get(timeout=left)
                except queue.Empty:
                    continue
            time.sleep(min(0.005, left))

    def _call(self, op: str, payload: Any, timeout: float, key: str | None = None) -> Any:
        """Run one operation in a worker. ``key`` (a query text) lets it use the reserved lane,
        under the reserved lane's time budget, unless that text was seen to run long."""
        if self._closed:
            raise WorkerFailed("the query executor is closed")
        while True:
            worker = self._take(key)
            if worker.spec is not self.spec:  # an old version's worker, left idle by a switch
                threading.Thread(target=self._stop, args=(worker,), daemon=True).start()
                continue
            if worker.process.is_alive():
                break
            # Died while idle (killed from outside, out of memory): replace, take another.
            log.warning("query worker %s died while idle; replacing it", worker.process.pid)
            self._stop(worker, kill=True)
            self.restarts += 1
            self._replace(self.epoch, worker.lane)
        budget = timeout
        if worker.lane == "reserved":
            budget = min(timeout, self.reserved_timeout)
        started = time.monotonic()
        try:
            value = worker.call(op, payload, budget)
        except (QueryTimeout, QueryOverMemory, WorkerDied) as error:
            log.warning("replacing query worker %s: %s", worker.process.pid, error)
            self._stop(worker, kill=True)
            self.restarts += 1
            self._mark_slow(key)
            if worker.spec is self.spec:
                self._replace(self.epoch, worker.lane)
            if isinstance(error, QueryTimeout) and budget < timeout:
                retry = max(1, round(self.queue_wait))
                raise QueryTimeout(
                    f"the query ran longer than {budget:g} s, the time a query may take while "
                    f"every other worker is busy, and was stopped; retry in {retry} s",
                    retry,
                ) from error
            raise
        except BaseException:
            self._release(worker)
            raise
        if time.monotonic() - started > self.reserved_timeout:
            self._mark_slow(key)
        self._release(worker)
        return value

    def _spawn_into_pool(self, epoch: int, lane: str = "general") -> None:
        """Start one worker and add it to the pool; retried with backoff until it starts.

        Gives up only when the pool closes or its version moved on (a switch or an update
        started a full set of workers). A failure because the version directory is gone
        reopens the build the store link points to now."""
        attempt = 0
        try:
            while not self._closed and epoch == self.epoch:
                spec = self.spec
                try:
                    worker = _Worker(self._ctx, spec, lane)
                    worker.wait_ready(self.start_timeout)
                except ExecutorError as error:
                    attempt += 1
                    with self._state_lock:
                        self._start_error = (time.time(), str(error))
                    log.error("query worker failed to start (attempt %d): %s", attempt, error)
                    if self._reopen_if_gone():
                        return  # the switch started a full set of workers
                    time.sleep(min(0.5 * 2 ** (attempt - 1), 30.0))
                    continue
                with self._state_lock:
                    self._start_error = None
                    if spec is self.spec and epoch == self.epoch and not self._closed:
                        self._workers.add(worker)
                        self._put(worker)
                        return
                worker.stop()  # the pool moved on while this one started
                return
        finally:
            with self._state_lock:
                self._pending -= 1

    def _reopen_if_gone(self) -> bool:
        """If the version served is gone, switch to the current build; True when switched."""
        served = self.spec.store_dir
        if served is None or served.is_dir():
            return False
        target = self.current_build()
        if target is None:
            log.error("the store version %s is gone and %s points to no build",
                      served, self.store_link)
            return False
        try:
            switched = self.switch_store(target, f"the version served ({served.name}) is gone")
        except ExecutorError as error:
            log.error("cannot reopen the store at %s: %s", target, error)
            return False
        if switched:
            log.warning("reopened the store: %s is gone, now serving %s", served, target)
        return switched

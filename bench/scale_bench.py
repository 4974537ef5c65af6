"""Scale benchmark (not a test): vetgraph and its peers at the seed's size and on synthetic data.

For each size (the seed; ``vetgraph synth`` sets of N schools, default 100, 1,000 and 9,000,
five years) and each system of ``--systems`` (default all), in one run:

- ``oxigraph``: vetgraph on its Oxigraph store (``vetgraph serve --workers 8``), and raw
  pyoxigraph on the same store (evaluation + SPARQL JSON serialization: the limit), in a
  child process per query that also sends the same query to vetgraph after each raw run:
  the HTTP/raw ratio is of those paired runs (see ``raw_latency``);
- ``memory``: vetgraph on its memory backend (``vetgraph serve --backend memory``: rdflib);
- ``rdflib-endpoint``: the PyPI package (``pip install '.[bench]'``) serving the same four
  named graphs as one rdflib Dataset with a union default graph, on uvicorn
  (``bench/rdflib_endpoint_serve.py``);
- ``virtuoso``: Virtuoso open source 7.2 (Debian's ``virtuoso-t``), started as the tests start
  it (``vetgraph/testing/virtuoso.py``) and loaded the way ``vetgraph build --backend remote``
  loads it (``RemoteStore.replace_graph`` per graph).

Measured:

- load, triples/s: oxigraph: ``vetgraph.build.load_store`` (what ``vetgraph build`` does after
  validating: each file bulk-loaded from disk, parsed in Rust, then flushed and optimized),
  and raw pyoxigraph alone on its fastest path (the same data as one N-Quads file, one bulk
  load, optimized: the limit), both with their CPU time: the cores a load rate needs;
  memory and rdflib-endpoint: parse + load into an rdflib Dataset; virtuoso: the remote
  backend's chunked ``INSERT DATA`` over HTTP after parsing. Only the systems that need them
  get the data parsed into Python quads (none at a size only Oxigraph runs at: 9,000 schools
  would take about 18 GB); the triples of a size are then counted by a streaming parse;
- SHACL: ``vetgraph.shacl.validate.validate`` (vetgraph's own; same for both vetgraph backends), up
  to ``--validate-up-to`` schools;
- latency: p50/p95 of every named query (``queries/*.rq`` with its example parameters) over
  HTTP: vetgraph at ``/api/queries/NAME``; rdflib-endpoint and Virtuoso at their SPARQL
  endpoint with the same text, the parameter values bound by ``vetgraph.queries.bind`` and
  substituted as the remote backend does (a ``VALUES`` block; Virtuoso also gets the four
  graphs as the dataset, as the remote backend sends them). vetgraph is measured cold (its
  answer cache off: ``VETGRAPH_ANSWER_CACHE=0``), then warm (restarted with the cache on,
  the same request repeated; with its server time from ``Server-Timing``). A query slower
  than ``--query-timeout`` is reported as "> N s" and not sent again at the larger sizes; a
  peer that no longer answers after it (rdflib-endpoint, whose event loop it blocks; Virtuoso
  past its MaxQueryExecutionTime) is restarted;
- throughput: requests/s with 1, 2, 4 and 8 concurrent clients, each cycling through whole
  rounds of the same mix for every system: every named query. One that timed out (or
  failed) in the latency phase stays in the mix, counted at the timeout: the client waits
  the timeout out, not sending it again, and counts it as one request;
- per query, vetgraph's HTTP p50 over Virtuoso's, and their geometric mean;
- memory: peak resident memory (VmHWM) of the serving processes and their children, bytes
  per triple; a system whose memory, extrapolated from the smaller sizes, would not fit in
  the machine's available memory is skipped at that size, with the reason in the results.

Every client holds one persistent keep-alive HTTP connection (``http.client``), for every
system alike. Writes ``bench/results/scale.md``, ``scale.json`` (every number) and
``scale.png`` (with the machine and the versions); the targets (issue 7's and issue 22's) are
computed from those numbers, and ``--from-json FILE`` writes the three again from a JSON file
without measuring. ``--smoke`` runs the seed and a 5-school set with a handful of requests
(``tests/scale/test_scale_bench.py`` runs it).

    python bench/scale_bench.py [--sizes 100 1000 9000] [--systems oxigraph,memory,...]
                                [--years 5] [--runs 20] [--seconds 5] [--query-timeout 60]
                                [--validate-up-to 1000] [--up-to SYSTEM=SCHOOLS ...]
                                [--skip QUERY ...] [--queries QUERY ...] [--out DIR] [--smoke]
    python bench/scale_bench.py --from-json bench/results/scale.json [--out DIR]
"""

from __future__ import annotations

import argparse
import http.client
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from vetgraph import __version__  # noqa: E402
from vetgraph.build import load_remote, load_store  # noqa: E402
from vetgraph.config import GRAPH_INFERRED, GRAPH_VALIDATION, Settings  # noqa: E402
from vetgraph.dataset import Sources, read_sources, source_files, to_dataset  # noqa: E402
from vetgraph.infer import infer_sources, load_rules, materialise  # noqa: E402
from vetgraph.queries import bind, load_catalogue  # noqa: E402
from vetgraph.shacl.graph import add_validation, report_quads  # noqa: E402
from vetgraph.shacl.validate import ValidationReport, available_memory  # noqa: E402
from vetgraph.store.base import to_oxigraph  # noqa: E402
from vetgraph.store.oxigraph import MANIFEST_NAME  # noqa: E402
from vetgraph.store.remote import (  # noqa: E402
    NTRIPLES,
    RESULTS_JSON,
    RemoteStore,
    _ascii_separators,
)
from vetgraph.synth import synthesize  # noqa: E402
from vetgraph.testing import free_port  # noqa: E402
from vetgraph.testing.virtuoso import (  # noqa: E402
    VIRTUOSO,
    start_virtuoso,
    stop_process,
    stop_virtuoso,
)

CLIENTS = (1, 2, 4, 8)
SYSTEMS = ("oxigraph", "memory", "rdflib-endpoint", "virtuoso")
VETGRAPH_SYSTEMS = ("oxigraph", "memory")
#: A system is skipped at a size when its extrapolated memory passes this share of the
#: machine's available memory.
MEMORY_SHARE = 0.8
#: Memory cap of a raw pyoxigraph query's process, as a share of the available memory.
RAW_MEMORY_SHARE = 0.5
#: Queries of ``--smoke``: quick on every system (rdflib takes minutes on some at the seed).
SMOKE_QUERIES = ("designation-counts", "designations", "festival-activities", "schools")
#: The environment of a cold vetgraph: its answer cache off (the setting of issue 22, item 3).
CACHE_OFF = {"VETGRAPH_ANSWER_CACHE": "0"}
#: The peer that vetgraph's per-query ratio and throughput target are measured against.
PEER = "virtuoso"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def version_of(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def virtuoso_version() -> str:
    if VIRTUOSO is None:
        return "not installed"
    done = subprocess.run([VIRTUOSO, "-?"], capture_output=True, text=True, timeout=30)
    for line in (done.stdout + done.stderr).splitlines():
        if "Version" in line:
            return line.strip()
    return "installed"


# --- data and the named queries ------------------------------------------------------------


@dataclass
class Named:
    """One named query with its example parameters, as each kind of server is asked it."""

    name: str
    text: str
    bindings: dict
    given: dict[str, str]

    def vetgraph_request(self) -> tuple[str, str, bytes | None, dict[str, str]]:
        path = f"/api/queries/{self.name}?" + urllib.parse.urlencode(self.given)
        return "GET", path, None, {"Accept": f"{RESULTS_JSON}, text/turtle;q=0.9"}

    def sparql_request(self, path: str, dataset: list[tuple[str, str]] | None,
                       separators: bool) -> tuple[str, str, bytes | None, dict[str, str]]:
        """POST to a SPARQL endpoint, bindings as the remote backend sends them."""
        text = RemoteStore._with_bindings(self.text, self.bindings)
        if separators:  # what the remote backend does for Virtuoso's sake
            text, _ = _ascii_separators(text)
        form = [("query", text), *(dataset or [])]
        graph = RemoteStore._form(self.text) == "graph"
        return "POST", path, urllib.parse.urlencode(form).encode(), {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Accept": f"{NTRIPLES}, text/plain;q=0.9" if graph else RESULTS_JSON,
        }


def named_queries(settings: Settings, skip=(), only=None) -> list[Named]:
    """Every named query (of ``only`` if given) not in ``skip``, example parameters bound."""
    out = []
    for query in load_catalogue(settings):
        if query.name in skip or (only and query.name not in only):
            continue
        given = {p.name: p.example for p in query.params if p.example is not None}
        text, sent = query.prepared(bind(query, given))  # as vetgraph evaluates it
        out.append(Named(query.name, text, dict(sent), given))
    return out


def cpu_seconds() -> float:
    """CPU time of this process so far, every thread of it (RocksDB's among them)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_oxigraph(settings: Settings, target: Path, report: ValidationReport | None) -> dict:
    """Load with the function ``vetgraph build`` uses (the files alone: the load figure), then
    derive what a build derives (inferences, aggregates, ``graph/validation`` when the size was
    validated: timed apart, as ``derive_s``), and write the manifest the server reads. Then
    load the same files with pyoxigraph alone (``raw_load``), the load's limit."""
    started, cpu = time.perf_counter(), cpu_seconds()
    counts, loaded = load_store(target, source_files(settings), rules=None)
    seconds, cpu_s = time.perf_counter() - started, cpu_seconds() - cpu
    triples = sum(counts.values())
    started = time.perf_counter()
    store = ox.Store(str(target))
    counts[GRAPH_INFERRED] = materialise(store, load_rules(settings))
    if report is not None:
        quads = report_quads(report, loaded.version)
        store.extend(quads)
        counts[GRAPH_VALIDATION] = len(quads)
    store.flush()
    store.optimize()
    del store
    derive_s = time.perf_counter() - started
    (target / MANIFEST_NAME).write_text(json.dumps(
        {"version": loaded.version, "prefixes": loaded.prefixes, "graphs": counts,
         "triples": sum(counts.values())}))
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    try:
        # The raw load reads the source files, as the timed load did: the stated triples.
        raw = raw_load(settings, target.with_name(target.name + "-raw"), triples)
    except (OSError, RuntimeError) as error:  # e.g. no room for the copy: vetgraph's figures stand
        raw = {"error": f"{type(error).__name__}: {str(error)[:200]}"}
    return {"load_s": seconds, "load_rate": triples / seconds, "load_cpu_s": cpu_s,
            "derive_s": derive_s, "disk_bytes": size, "raw_load": raw}


def raw_load(settings: Settings, target: Path, triples: int) -> dict:
    """pyoxigraph alone on its fastest path: the same data into the same named graphs as one
    N-Quads file (written first, not timed) in one bulk load, then optimized as
    ``load_store`` ends: no version hash, no prefixes, no call per file (each bulk load costs
    about 0.1 s). The limit of loading on this machine, whatever vetgraph does; its CPU time
    says how many cores a load rate needs. Needs room for the N-Quads (about 6× the Turtle:
    9 GB at 9,000 schools) and a second store while it runs."""
    nquads = target.with_name(target.name + ".nq")
    try:
        with nquads.open("wb") as out:
            for graph, paths in source_files(settings).items():
                name = ox.NamedNode(graph)
                for path in paths:
                    parsed = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
                    quads = (ox.Quad(t.subject, t.predicate, t.object, name) for t in parsed)
                    ox.serialize(quads, out, ox.RdfFormat.N_QUADS)
        started, cpu = time.perf_counter(), cpu_seconds()
        store = ox.Store(str(target))
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        store.flush()
        store.optimize()
        seconds, cpu_s = time.perf_counter() - started, cpu_seconds() - cpu
        loaded = len(store)
        del store  # closes RocksDB
    finally:
        nquads.unlink(missing_ok=True)
        shutil.rmtree(target, ignore_errors=True)
    if loaded != triples:
        raise RuntimeError(f"raw pyoxigraph loaded {loaded:,} triples, vetgraph {triples:,}")
    return {"load_s": seconds, "load_rate": triples / seconds, "cpu_s": cpu_s}


def count_triples(settings: Settings) -> int:
    """Triples in the source files as parsed, one file in memory at a time."""
    return sum(sum(1 for _ in ox.parse(path=path, format=ox.RdfFormat.TURTLE))
               for paths in source_files(settings).values() for path in paths)


def runs_at(name: str, label: str, args) -> bool:
    """Whether ``--up-to`` lets a system run at a size."""
    return label == "seed" or int(label) <= args.up_to.get(name, int(label))


def raw_latency(store_dir: Path, named: list[Named], runs: int, budget: float,
                port: int | None = None, paired: set[str] = frozenset()) -> dict:
    """p50/p95 of pyoxigraph itself on the store (evaluation + serialization), per query.

    Each query runs in a child process of its own, with its memory capped (``RAW_MEMORY_SHARE``
    of what is available) and a wall-clock limit: pyoxigraph has no limits of its own, and one
    query at 1,000 schools once took the whole machine (24 GB) and the benchmark with it.

    With ``port`` (vetgraph serving the same store), the queries of ``paired`` are timed
    raw and over HTTP alternately in that child, and the entry gets the HTTP figures too
    (``"http"``): the 1.5× target compares those two. Timed in separate phases minutes
    apart, drift of a shared machine went into the ratio (cluster-profile: 39 ms raw, then
    69 ms over HTTP; alternately 63 and 68 ms).
    """
    cap = int((available_memory() or 0) * RAW_MEMORY_SHARE)
    out = {}
    for q in named:
        command = [sys.executable, str(Path(__file__).resolve()), "--raw-child", str(store_dir),
                   q.name, str(runs), str(budget), str(cap)]
        if port is not None and q.name in paired:
            command.append(str(port))
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=budget * 4 + 60, env=child_env())
        except subprocess.TimeoutExpired:
            out[q.name] = {"timeout": True}
            continue
        if done.returncode == 0:
            out[q.name] = json.loads(done.stdout.strip().splitlines()[-1])
        elif "memory allocation" in done.stderr or "MemoryError" in done.stderr:
            out[q.name] = {"error": f"out of memory at {cap / 2**30:.1f} GB"}
        else:
            out[q.name] = {"error": (done.stderr.strip().splitlines() or ["failed"])[-1][:120]}
    return out


def raw_child(store_dir: str, name: str, runs: int, budget: float, cap: int,
              port: int | None = None) -> None:
    """One named query, timed raw in this process (see :func:`raw_latency`); prints JSON.
    With ``port``, each raw run is followed by the same query to vetgraph over HTTP."""
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    (q,) = named_queries(Settings.load(root=str(REPO)), only=[name])
    store = ox.Store.read_only(store_dir)
    subs = {ox.Variable(k): to_oxigraph(v) for k, v in q.bindings.items()}
    client = Client(port, budget) if port is not None else None
    times: list[float] = []
    http_times: list[float] = []
    http_failed: dict | None = None
    while len(times) < runs + 1 and sum(times) + sum(http_times) <= budget:  # 1st one warms
        started = time.perf_counter()
        answer = store.query(q.text, use_default_graph_as_union=True, substitutions=subs)
        if isinstance(answer, ox.QueryTriples):
            answer.serialize(format=ox.RdfFormat.N_TRIPLES)
        else:
            answer.serialize(format=ox.QueryResultsFormat.JSON)
        times.append(time.perf_counter() - started)
        if client is not None and http_failed is None:
            try:
                http_times.append(client.send(q.vetgraph_request()))
            except QueryTimedOut:
                http_failed = {"timeout": True}
            except QueryFailed as error:
                http_failed = {"error": str(error)}
    if times[0] > budget and len(times) == 1:
        print(json.dumps({"timeout": True}))
        return
    times = times[1:] or times
    out: dict = {"p50": percentile(times, .5), "p95": percentile(times, .95), "n": len(times)}
    if client is not None:
        client.close()
        http_times = http_times[1:] or http_times
        out["http"] = http_failed or {"p50": percentile(http_times, .5),
                                      "p95": percentile(http_times, .95), "n": len(http_times)}
    print(json.dumps(out))


# --- servers --------------------------------------------------------------------------------


class QueryTimedOut(Exception):
    pass


class QueryFailed(Exception):
    pass


class Client:
    """One persistent keep-alive HTTP connection to a server; ``headers``: the last answer's."""

    def __init__(self, port: int, timeout: float):
        self.port, self.timeout = port, timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.headers: http.client.HTTPMessage | None = None

    def send(self, request: tuple[str, str, bytes | None, dict[str, str]]) -> float:
        method, path, body, headers = request
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            response.read()
            self.headers = response.headers
        except TimeoutError:
            self.reconnect()
            raise QueryTimedOut from None
        except (http.client.HTTPException, OSError) as error:
            self.reconnect()
            raise QueryFailed(type(error).__name__) from error
        elapsed = time.perf_counter() - started
        if response.will_close:
            self.reconnect()
        if elapsed >= 0.95 * self.timeout:  # the server's own timeout (vetgraph: 503;
            raise QueryTimedOut  # Virtuoso: a partial answer at MaxQueryExecutionTime)
        if response.status >= 400:
            raise QueryFailed(f"HTTP {response.status}")
        return elapsed

    def reconnect(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def close(self) -> None:
        self.conn.close()


def process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            todo += [int(p) for p in
                     Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            continue
    return pids


def peak_memory(pid: int) -> int:
    """Peak resident bytes (VmHWM) of a process and all its descendants."""
    total = 0
    for each in process_tree(pid):
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def spawn(command: list[str], port: int, log: Path, timeout: float,
          env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a server (``env``: added to its environment) and wait until it accepts
    connections on ``port``."""
    process = subprocess.Popen(command, env=child_env(env), stdout=open(log, "wb"),  # noqa: SIM115
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return process
        except OSError:
            time.sleep(0.5)
    stop_process(process)
    raise RuntimeError(f"server did not start within {timeout:.0f} s")


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without its ``VETGRAPH_*`` settings (the benchmark sets its own),
    plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VETGRAPH_")}
    env.update(extra or {})
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


@dataclass
class System:
    """A running server of one system; ``request(q)`` is how it is asked a named query."""

    name: str
    port: int
    pid: int
    stopper: Callable[[], None]
    restart: Callable[[], None] | None = None  # after a timeout, if it no longer answers
    extra: dict = field(default_factory=dict)
    dataset: list[tuple[str, str]] | None = None  # Virtuoso: the remote backend's dataset form

    @property
    def probe(self) -> tuple[str, list[tuple[str, str]] | None, bool]:
        """Where a trivial query goes (SPARQL endpoints only)."""
        return ("/sparql", self.dataset, False) if self.name == "virtuoso" else ("/", None, False)

    def request(self, q: Named) -> tuple[str, str, bytes | None, dict[str, str]]:
        if self.name in VETGRAPH_SYSTEMS:
            return q.vetgraph_request()
        if self.name == "virtuoso":
            return q.sparql_request("/sparql", self.dataset, separators=True)
        return q.sparql_request("/", None, separators=False)


def start_vetgraph(backend: str, settings: Settings, store_dir: Path, work: Path,
                   args, cache: bool = False) -> System:
    """``vetgraph serve``, cold (``cache`` False: ``CACHE_OFF``) or with its answer cache."""
    port = free_port()
    log = work / f"serve-{backend}{'-warm' if cache else ''}.log"
    process = spawn(
        [sys.executable, "-m", "vetgraph.cli", "serve", "--backend", backend,
         "--store", str(store_dir), "--root", str(settings.root),
         "--data-dir", str(settings.data_dir), "--port", str(port),
         "--workers", str(args.workers), "--queue-wait", str(args.query_timeout * 2),
         "--query-timeout", str(args.query_timeout), "--max-rows", "100000",
         "--worker-memory", "0"], port, log, args.start_timeout,
        env=None if cache else CACHE_OFF)
    return System(backend, port, process.pid, lambda: stop_process(process))


def start_rdflib_endpoint(settings: Settings, work: Path, args) -> System:
    port = free_port()
    log, report = work / "serve-rdflib-endpoint.log", work / "rdflib-endpoint.json"
    process = spawn(
        [sys.executable, str(HERE / "rdflib_endpoint_serve.py"), "--root", str(settings.root),
         "--data-dir", str(settings.data_dir), "--port", str(port), "--report", str(report)],
        port, log, args.start_timeout)
    # a short grace: after a timed-out query uvicorn would wait for it to finish
    system = System("rdflib-endpoint", port, process.pid, lambda: stop_process(process, 3),
                    extra=json.loads(report.read_text()))
    system.restart = lambda: restart_rdflib_endpoint(system, settings, work, args)
    return system


def restart_rdflib_endpoint(system: System, settings: Settings, work: Path, args) -> None:
    system.stopper()
    fresh = start_rdflib_endpoint(settings, work, args)
    system.port, system.pid, system.stopper = fresh.port, fresh.pid, fresh.stopper
    system.extra["restarts"] = system.extra.get("restarts", 0) + 1


def start_virtuoso_loaded(sources: Sources, work: Path, args) -> System:
    """Load with ``--start-timeout`` as MaxQueryExecutionTime (it also bounds the load's one
    switching update: at 1,000 schools its MOVE passed 10 s), then restart with
    ``--query-timeout`` for the measurements."""
    server = start_virtuoso(work / "virtuoso", max_seconds=int(args.start_timeout))
    try:
        store = RemoteStore(server.query_url, update_endpoint=server.update_url,
                            user=server.user, password=server.password, read_only=False)
        started = time.perf_counter()
        # the loading step of vetgraph.build.build_remote (which validates first)
        sent = sum(load_remote(store, sources).values())
        load_s = time.perf_counter() - started
    except BaseException:
        stop_virtuoso(server)
        raise
    system = System("virtuoso", server.http_port, server.process.pid,
                    lambda: stop_virtuoso(server), extra={"load_s": load_s, "sent": sent},
                    dataset=store._dataset_form(None, None))
    system.restart = lambda: restart_virtuoso(system, work, args)
    restart_virtuoso(system, work, args)
    system.extra["restarts"] = 0  # that one was not after a timed-out query
    return system


def restart_virtuoso(system: System, work: Path, args) -> None:
    """Virtuoso may run on past MaxQueryExecutionTime: stop it, start it on the same
    database (the data stays), on new ports."""
    system.stopper()
    server = start_virtuoso(work / "virtuoso", timeout=args.start_timeout,  # replays its log
                            max_seconds=int(args.query_timeout))
    system.port, system.pid = server.http_port, server.process.pid
    system.stopper = lambda: stop_virtuoso(server)
    system.extra["restarts"] = system.extra.get("restarts", 0) + 1


# --- measuring one system --------------------------------------------------------------------


def http_latency(system: System, named: list[Named], slow: dict[str, str], label: str,
                 args) -> dict:
    """Warm once, then up to ``--runs`` requests per query (fewer past the timeout's worth).

    ``slow`` maps the queries that already timed out on this system at a smaller size to that
    size; they are not sent again (the data only grows), and a new timeout is added to it.
    Where the answers say it, an entry also has the p50 of the server's own time
    (``server_p50``: ``Server-Timing: total``), the last ``Cache-Status`` (RFC 9211) and
    where vetgraph evaluated the last answer (``answered_in``: the warm request above is the
    one a worker times, the runs are then answered in the web process if it was quick)."""
    client = Client(system.port, args.query_timeout)
    out: dict[str, dict] = {}
    for q in named:
        if q.name in slow:
            out[q.name] = {"timeout": True, "at": slow[q.name]}
            continue
        times: list[float] = []
        server: list[float] = []
        try:
            spent = client.send(system.request(q))  # warm: guard verdict, caches
            while len(times) < args.runs and spent <= args.query_timeout:
                times.append(client.send(system.request(q)))
                spent += times[-1]
                if (took := server_time(client.headers)) is not None:
                    server.append(took)
        except QueryTimedOut:
            out[q.name] = {"timeout": True}
            slow[q.name] = label
            if system.restart and not answers(system):  # still busy with it: start again
                client.close()
                system.restart()
                client = Client(system.port, args.query_timeout)
            continue
        except QueryFailed as error:
            out[q.name] = {"error": str(error)}
            continue
        out[q.name] = {"p50": percentile(times, .5), "p95": percentile(times, .95),
                       "n": len(times)}
        if server:
            out[q.name]["server_p50"] = percentile(server, .5)
        if client.headers is not None and "Cache-Status" in client.headers:
            out[q.name]["cache_status"] = client.headers["Cache-Status"]
        if (where := answered_in(client.headers)) is not None:
            out[q.name]["answered_in"] = where
    client.close()
    return out


def server_time(headers: http.client.HTTPMessage | None) -> float | None:
    """Seconds the server says it spent (``Server-Timing``'s ``total``), if it says."""
    for metric in (headers.get("Server-Timing", "") if headers is not None else "").split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        if name == "total":
            for param in params:
                if param.startswith("dur="):
                    return float(param[4:]) / 1e3
    return None


def answered_in(headers: http.client.HTTPMessage | None) -> str | None:
    """Where vetgraph evaluated the last answer, by its ``Server-Timing``: "worker", or "web
    process" for a request a worker had answered quickly before (the ``local`` metric)."""
    names = {metric.split(";")[0].strip()
             for metric in (headers.get("Server-Timing", "") if headers is not None else "")
             .split(",")}
    if "local" in names:
        return "web process"
    return "worker" if "worker" in names else None


def answers(system: System, seconds: float = 5.0) -> bool:
    """Does the server answer a trivial query within ``seconds`` (not stuck on a slow one)?"""
    probe = Named("probe", "ASK {}", {}, {})
    client = Client(system.port, seconds)
    try:
        client.send(probe.sparql_request(*system.probe))
        return True
    except (QueryTimedOut, QueryFailed):
        return False
    finally:
        client.close()


def throughput(system: System, mix: list[Named], clients: int, args,
               at_timeout: frozenset[str] = frozenset()) -> dict:
    """Requests/s of ``clients`` clients, each going through whole rounds of ``mix`` (from
    its own starting point) until ``--seconds`` have passed: every system answers every
    query of the mix alike. The queries of ``at_timeout`` (they timed out or failed when
    timed alone) are counted at the timeout: the client waits it out and counts one request,
    not sending them again (a peer would be stuck or restarted). A request that times out
    here counts too, at the time it took; one that fails does not count (``errors``)."""
    if not mix:
        return {"rps": None, "errors": 0, "timeouts": 0, "at_timeout": 0}
    stop = time.monotonic() + args.seconds
    counts, errors = [0] * clients, [0] * clients
    timeouts, waited = [0] * clients, [0] * clients

    def client(i: int) -> None:
        conn = Client(system.port, args.query_timeout)
        start = i * len(mix) // clients
        k = start
        while time.monotonic() < stop or (k - start) % len(mix):  # whole rounds
            q = mix[k % len(mix)]
            k += 1
            if q.name in at_timeout:
                time.sleep(args.query_timeout)
                counts[i] += 1
                waited[i] += 1
                continue
            try:
                conn.send(system.request(q))
                counts[i] += 1
            except QueryTimedOut:
                counts[i] += 1
                timeouts[i] += 1
            except QueryFailed:
                errors[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"rps": sum(counts) / (time.monotonic() - started), "errors": sum(errors),
            "timeouts": sum(timeouts), "at_timeout": sum(waited)}


def measure(system: System, named: list[Named], slow: dict[str, str], label: str, args,
            peer_mix: list[str] | None = None) -> dict:
    """Latency, throughput and peak memory of a running system. The throughput's mix is
    every named query, for every system; those that timed out or failed are counted at the
    timeout (``at_timeout``). ``peer_mix``: a peer's mix when it differs (results written
    before every system had the same mix); the throughput is measured on that mix too."""
    queries = http_latency(system, named, slow, label, args)
    mix = list(named)
    late = frozenset(q.name for q in named if "p50" not in queries[q.name])
    rps = {c: throughput(system, mix, c, args, late) for c in CLIENTS}
    out = {"queries": queries, "rps": {c: r["rps"] for c, r in rps.items()},
           "rps_errors": {c: r["errors"] for c, r in rps.items()},
           "rps_timeouts": {c: r["timeouts"] for c, r in rps.items()},
           "mix": [q.name for q in mix], "at_timeout": sorted(late)}
    if peer_mix is not None and peer_mix != out["mix"]:
        common = [q for q in mix if q.name in peer_mix]
        out["rps_on_peer_mix"] = {c: throughput(system, common, c, args, late)["rps"]
                                  for c in CLIENTS}
    out["peak_memory"] = peak_memory(system.pid)
    return out


def memory_estimate(history: list[tuple[int, int]], triples: int) -> int | None:
    """Resident bytes at ``triples``, from (triples, peak bytes) of smaller sizes: a line
    through the two largest. One size says nothing of the slope (at the seed the processes'
    own memory is nearly all of it): no estimate, the system is measured."""
    if len(history) < 2 or history[-1][0] == history[-2][0]:
        return None
    (t1, m1), (t2, m2) = history[-2], history[-1]
    return int(m2 + max(0.0, (m2 - m1) / (t2 - t1)) * (triples - t2))


def run_system(name: str, size: dict, settings: Settings, sources: Sources | None,
               report: ValidationReport | None, store_dir: Path,
               named: list[Named], work: Path, history: dict, slow: dict, args) -> dict:
    triples = size["triples"]
    if name == "rdflib-endpoint" and not all(
            importlib.util.find_spec(m) for m in ("rdflib_endpoint", "uvicorn")):
        return {"skipped": "rdflib-endpoint is not installed (pip install '.[bench]')"}
    if name == "virtuoso" and VIRTUOSO is None:
        return {"skipped": "virtuoso-t is not installed (Debian: virtuoso-opensource-7-bin)"}
    if not runs_at(name, size["size"], args):
        return {"skipped": f"run up to {args.up_to[name]:,} schools (--up-to)"}
    # Virtuoso's memory is its buffer pool, fixed by its configuration (NumberOfBuffers in
    # vetgraph/testing/virtuoso.py), not a line through the data: it is not extrapolated.
    estimate = None if name == "virtuoso" else memory_estimate(history.get(name, []), triples)
    free = available_memory() or 0
    if estimate is not None and estimate > MEMORY_SHARE * free:
        measured = history[name][-2:]
        return {"skipped": f"needs about {estimate / 2**30:,.1f} GiB, extrapolated from its "
                "peak RSS at " + " and ".join(f"{t:,} triples ({m / t:,.0f} B/triple)"
                                              for t, m in measured)
                + f": more than {MEMORY_SHARE:.0%} of the {free / 2**30:,.1f} GiB available"}
    result: dict = {}
    folder = work / name
    folder.mkdir()
    try:
        if name == "oxigraph":
            result.update(load_oxigraph(settings, store_dir, report))
            system = start_vetgraph("oxigraph", settings, store_dir, folder, args)
        elif name == "memory":
            started = time.perf_counter()
            dataset = to_dataset(read_sources(settings))
            result["load_s"] = time.perf_counter() - started
            del dataset
            system = start_vetgraph("memory", settings, store_dir, folder, args)
        elif name == "rdflib-endpoint":
            system = start_rdflib_endpoint(settings, folder, args)
            result["load_s"] = system.extra["load_s"]
        else:
            assert sources is not None, "run_size parses the sources for Virtuoso"
            system = start_virtuoso_loaded(sources, folder, args)
            result["load_s"] = system.extra["load_s"]
    except Exception as error:  # noqa: BLE001 (a failing system is a result, not the end)
        return {"failed": f"{type(error).__name__}: {str(error)[-500:]}"}
    result["load_rate"] = triples / result["load_s"]
    try:
        peer = size["systems"].get("rdflib-endpoint", {}).get("mix")
        result.update(measure(system, named, slow.setdefault(name, {}), size["size"], args,
                              peer if name == "oxigraph" else None))
        result["restarts"] = system.extra.get("restarts", 0)
        if name == "oxigraph":  # raw pyoxigraph, and paired with HTTP while vetgraph serves
            served = {n for n, q in result["queries"].items() if "p50" in q}
            result["raw"] = raw_latency(store_dir, named, args.runs, args.query_timeout,
                                        port=system.port, paired=served)
    except Exception as error:  # noqa: BLE001 (e.g. a restart that failed)
        return {"failed": f"while measuring: {type(error).__name__}: {str(error)[-500:]}"}
    finally:
        system.stopper()
    if name in VETGRAPH_SYSTEMS:
        result["warm"] = warm_latency(name, settings, store_dir, named, folder,
                                      slow[name], size["size"], args)
    history.setdefault(name, []).append((triples, result["peak_memory"]))
    return result


def warm_latency(backend: str, settings: Settings, store_dir: Path, named: list[Named],
                 folder: Path, slow: dict[str, str], label: str, args) -> dict:
    """vetgraph again, its answer cache on: the same request repeated (``http_latency``
    warms each query first). The queries that timed out cold are not sent. ``cache``: the
    ``Cache-Status`` values the answers carried (none: this vetgraph has no answer cache, and
    warm is cold measured again)."""
    try:
        system = start_vetgraph(backend, settings, store_dir, folder, args, cache=True)
    except Exception as error:  # noqa: BLE001 (the cold figures stand)
        return {"failed": f"{type(error).__name__}: {str(error)[-500:]}"}
    try:
        queries = http_latency(system, named, dict(slow), label, args)
    finally:
        system.stopper()
    return {"queries": queries,
            "cache": sorted({q["cache_status"] for q in queries.values() if "cache_status" in q})}


def run_size(label: str, settings: Settings, work: Path, history: dict, slow: dict,
             args) -> dict:
    started = time.perf_counter()
    if "virtuoso" in args.systems and runs_at("virtuoso", label, args):
        sources = read_sources(settings)  # Virtuoso is loaded from Python quads
        triples = sum(sources.counts().values())
    else:
        sources, triples = None, count_triples(settings)
    report = None
    size = {"size": label, "parse_s": time.perf_counter() - started, "triples": triples,
            "systems": {}, "load_average": [os.getloadavg()[0]]}
    synthetic = 0 if label == "seed" else int(label)  # --validate-up-to counts these, as --sizes
    if synthetic <= args.validate_up_to and set(args.systems) & set(VETGRAPH_SYSTEMS):
        from vetgraph.shacl.validate import validate

        started = time.perf_counter()
        report = validate(settings)
        size["shacl_s"] = time.perf_counter() - started
        size["violations"] = report.counts.get("Violation", 0)
    if sources is not None:  # what `vetgraph build --backend remote` loads besides the files
        infer_sources(sources, load_rules(settings))
        if report is not None:
            add_validation(sources, report)
    named = named_queries(settings, args.skip, args.queries)
    folder = work / f"size-{label}"
    store_dir = folder / "oxigraph-store"
    folder.mkdir(parents=True, exist_ok=True)
    # oxigraph last, so that it can also be measured on rdflib-endpoint's query mix
    for name in sorted(args.systems, key=lambda s: s == "oxigraph"):
        started = time.monotonic()
        size["systems"][name] = run_system(name, size, settings, sources, report, store_dir,
                                           named, folder.resolve(), history, slow, args)
        print(f"{label}: {name} {time.monotonic() - started:.0f} s", file=sys.stderr,
              flush=True)
        if "raw" in size["systems"][name]:
            size["raw"] = size["systems"][name].pop("raw")
    del sources
    shutil.rmtree(folder, ignore_errors=True)
    size["systems"] = {name: size["systems"][name] for name in args.systems}
    size["load_average"].append(os.getloadavg()[0])  # a machine shared with other work
    return size


# --- report ---------------------------------------------------------------------------------


def ms(entry: dict | None, key: str, timeout: float) -> str:
    if entry is None:
        return "–"
    if entry.get("timeout"):
        return f"> {timeout:g} s" + (f" (at {entry['at']})" if "at" in entry else "")
    if "error" in entry:
        return f"error ({entry['error']})"
    return f"{entry[key] * 1e3:.1f}"


def with_unit(entry: dict | None, timeout: float) -> str:
    """:func:`ms` with its unit: "12.3 ms", "> 10 s"."""
    text = ms(entry, "p50", timeout)
    return text if text.startswith((">", "error", "–")) else f"{text} ms"


def http_raw_ratio(raw: dict | None, http: dict | None) -> float | None:
    """vetgraph's HTTP p50 over raw pyoxigraph's: of the paired runs where there are (see
    :func:`raw_latency`), else of the two phases; None when either was not timed."""
    raw = raw or {}
    served = raw.get("http", http) or {}
    if "p50" not in raw or "p50" not in served:
        return None
    return served["p50"] / max(raw["p50"], 1e-9)


def p50_at_timeout(entry: dict | None, timeout: float) -> float | None:
    """An entry's p50, a timeout counted at the timeout; None if it failed or did not run."""
    if entry is None:
        return None
    if "p50" in entry:
        return entry["p50"]
    return timeout if entry.get("timeout") else None


def peer_ratios(result: dict, timeout: float | None = None) -> dict[str, float]:
    """Per named query, vetgraph on Oxigraph's HTTP p50 (cache off) over the peer's
    (``PEER``): of the queries both answered, or with ``timeout`` of every query both were
    asked, a timeout counted at the timeout."""
    ours = result["systems"].get("oxigraph", {}).get("queries", {})
    peer = result["systems"].get(PEER, {}).get("queries", {})
    out = {}
    for name, entry in ours.items():
        if timeout is None:
            mine, theirs = entry.get("p50"), peer.get(name, {}).get("p50")
        else:
            mine, theirs = p50_at_timeout(entry, timeout), p50_at_timeout(peer.get(name), timeout)
        if mine is not None and theirs is not None:
            out[name] = mine / max(theirs, 1e-9)
    return out


def geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def load_limit(triples: int, raw: dict | None) -> str:
    """What the load target asks of this machine, from raw pyoxigraph's CPU time."""
    if not raw:
        return ""
    if "error" in raw:
        return f"; raw pyoxigraph failed: {raw['error']}"
    cores = 200_000 / (triples / raw["cpu_s"])
    return (f"; raw pyoxigraph {raw['load_rate']:,.0f}: 200,000/s would keep {cores:.1f} "
            f"cores busy, this machine has {os.cpu_count()}")


def targets(results: list[dict], args) -> list[str]:
    """The issue's targets, checked against this run's numbers."""
    ok = {True: "met", False: "**missed**"}
    lines = ["## Targets", ""]
    ran = [(r, r["systems"].get("oxigraph", {})) for r in results]
    ran = [(r, s) for r, s in ran if "load_rate" in s]
    lines.append("- Load ≥ 200,000 triples/s (vetgraph on Oxigraph, `build.load_store`): " + (
        "; ".join(f"{r['size']}: {s['load_rate']:,.0f} ({ok[s['load_rate'] >= 200_000]}"
                  + load_limit(r["triples"], s.get("raw_load")) + ")"
                  for r, s in ran) or "not measured") + ".")
    reference = next((r for r, _ in ran if r["size"] == "1000"), ran[-1][0] if ran else None)
    if reference is None or "raw" not in reference:
        lines.append("- HTTP within 1.5× raw pyoxigraph: not measured.")
    else:
        http, raw = reference["systems"]["oxigraph"]["queries"], reference["raw"]
        timed = [n for n in raw if "p50" in raw[n]]  # raw itself too slow: nothing to compare
        ratios = {n: http_raw_ratio(raw[n], http.get(n)) for n in timed}
        misses = [f"{n} ({ratios[n]:.1f}×)" if ratios[n] is not None
                  else f"{n} ({ms(raw[n].get('http', http.get(n)), 'p50', args.query_timeout)})"
                  for n in timed if ratios[n] is None or ratios[n] > 1.5]
        untimed = [f"{n} (raw {ms(raw[n], 'p50', args.query_timeout)})"
                   for n in raw if n not in timed]
        note = "" if reference["size"] == "1000" else " (no 1,000-school set in this run)"
        if any("http" in raw[n] for n in timed):
            note += " (each query timed raw and over HTTP alternately)"
        lines.append(f"- Each named query through HTTP within 1.5× raw pyoxigraph (p50) at "
                     f"{reference['size']}{note}: {len(timed) - len(misses)} of {len(timed)} met"
                     + (f"; missed: {', '.join(misses)}" if misses else "")
                     + (f"; not comparable: {', '.join(untimed)}" if untimed else "") + ".")
    ratios = []
    for r in results:
        ours, peer = r["systems"].get("oxigraph", {}), r["systems"].get("rdflib-endpoint", {})
        if "rps" in ours and "rps" in peer:
            mine = ours.get("rps_on_peer_mix", ours["rps"])
            parts = [f"{c}: {mine[c] / peer['rps'][c]:.1f}× ({ok[mine[c] >= 10 * peer['rps'][c]]})"
                     if mine[c] and peer["rps"][c] else f"{c}: n/a" for c in CLIENTS]
            mix = (f" (both on rdflib-endpoint's {len(peer['mix'])} queries under "
                   f"{args.query_timeout:g} s)" if "rps_on_peer_mix" in ours else "")
            ratios.append(f"{r['size']}{mix}: " + ", ".join(parts))
    lines.append("- Throughput ≥ 10× rdflib-endpoint (vetgraph on Oxigraph req/s ÷ "
                 "rdflib-endpoint req/s, per client count): "
                 + ("; ".join(ratios) or "not measured (rdflib-endpoint did not run)") + ".")
    shacl = next((r for r in results if r["size"] == "1000" and "shacl_s" in r), None)
    lines.append("- SHACL of the 1,000-school set within 60 s: " + (
        f"{shacl['shacl_s']:.1f} s ({ok[shacl['shacl_s'] <= 60]})" if shacl else "not measured")
        + ".")
    per = []
    for name in SYSTEMS:
        measured = [(r["size"], r["triples"], r["systems"][name]) for r in results
                    if "peak_memory" in r["systems"].get(name, {})]
        if measured:
            label, triples, s = measured[-1]
            disk = (f", {s['disk_bytes'] / triples:.0f} B/triple on disk"
                    if "disk_bytes" in s else "")
            per.append(f"{name} {s['peak_memory'] / triples:,.0f} B/triple resident at "
                       f"{label}{disk}")
    lines.append("- Memory per triple (largest size each system ran): "
                 + ("; ".join(per) or "not measured") + ".")
    return lines + [""] + targets_22(results, args)


def targets_22(results: list[dict], args) -> list[str]:
    """Issue 22's targets, met or missed with this run's numbers (cache off unless warm).
    Each names the sizes it asks for that this run does not have."""
    ok = {True: "met", False: "**missed**"}
    t = args.query_timeout
    lines = ["### Issue 22", ""]
    both = [r for r in results if "queries" in r["systems"].get("oxigraph", {})
            and "queries" in r["systems"].get(PEER, {})]

    def absent(wanted: tuple[str, ...], present: list[dict]) -> str:
        missing = [w for w in wanted if w not in {r["size"] for r in present}]
        return f"; {', '.join(missing)}: not in this run" if missing else ""

    parts = []
    for r in both:
        ratios = peer_ratios(r)
        if not ratios:
            parts.append(f"{r['size']}: no query answered by both")
            continue
        mean = geometric_mean(list(ratios.values()))
        over = sorted(((v, n) for n, v in ratios.items() if v > 1.5), reverse=True)
        counted = peer_ratios(r, t)
        parts.append(
            f"{r['size']}: geometric mean {mean:.2f} over the {len(ratios)} queries both "
            f"answered ({ok[mean <= 0.8]}), {len(over)} over 1.5× ({ok[not over]}"
            + (": " + ", ".join(f"{n} {v:.1f}×" for v, n in over) if over else "") + ")"
            + (f"; {geometric_mean(list(counted.values())):.2f} over all {len(counted)}, "
               f"a timeout counted at {t:g} s" if len(counted) > len(ratios) else ""))
    lines.append("- Per named query, cache off, vetgraph/Virtuoso HTTP p50 at 100 and 1,000 "
                 "schools: geometric mean ≤ 0.8, none over 1.5×: "
                 + ("; ".join(parts) or "not measured") + absent(("100", "1000"), both) + ".")
    parts = []
    for r in both:
        ours, peer = r["systems"]["oxigraph"]["rps"], r["systems"][PEER]["rps"]
        cells = [f"{c}: {ours[c]:.1f} vs {peer[c]:.1f} ({ok[ours[c] >= peer[c]]})"
                 if ours.get(c) is not None and peer.get(c) is not None else f"{c}: n/a"
                 for c in (1, 2, 4)]
        parts.append(f"{r['size']}: " + ", ".join(cells))
    lines.append("- Requests/s with 1, 2 and 4 clients, every system over the same query set "
                 f"(a timeout counted at {t:g} s), cache off, ≥ Virtuoso's: "
                 + ("; ".join(parts) or "not measured") + absent(("100", "1000"), both) + ".")
    timed = [r for r in results if "raw" in r and "queries" in r["systems"].get("oxigraph", {})]
    reference = next((r for r in timed if r["size"] == "1000"), timed[-1] if timed else None)
    if reference is None:
        lines.append("- Every named query, cache off, HTTP p50 ≤ max(1.5 × raw pyoxigraph, "
                     "raw + 3 ms) at 1,000 schools: not measured.")
    else:
        http, raw = reference["systems"]["oxigraph"]["queries"], reference["raw"]
        misses, met = [], 0
        for name, entry in raw.items():
            served = p50_at_timeout(entry.get("http", http.get(name)), t)
            if "p50" not in entry or served is None:
                misses.append(f"{name} (raw {ms(entry, 'p50', t)})")
                continue
            limit = max(1.5 * entry["p50"], entry["p50"] + 0.003)
            if served <= limit:
                met += 1
            else:
                misses.append(f"{name} ({served * 1e3:.1f} ms, limit {limit * 1e3:.1f})")
        note = ("" if reference["size"] == "1000"
                else f" (no 1,000-school set: at {reference['size']})")
        lines.append("- Every named query, cache off, HTTP p50 (paired where timed so) ≤ "
                     f"max(1.5 × raw pyoxigraph, raw + 3 ms) at 1,000 schools{note}: {met} of "
                     f"{len(raw)} met ({ok[not misses]})"
                     + (f"; missed: {', '.join(misses)}" if misses else "") + ".")
    parts, caches = [], set()
    for r in results:
        warm = r["systems"].get("oxigraph", {}).get("warm", {})
        server = {n: e["server_p50"] for n, e in warm.get("queries", {}).items()
                  if "server_p50" in e}
        caches |= set(warm.get("cache", []))
        if server:
            over = sorted(((v, n) for n, v in server.items() if v > 0.001), reverse=True)
            median = percentile(list(server.values()), .5)
            parts.append(f"{r['size']}: {len(server) - len(over)} of {len(server)} met "
                         f"({ok[not over]}; median {median * 1e3:.1f} ms"
                         + (f", slowest {over[0][1]} {over[0][0] * 1e3:.1f} ms" if over
                            else "") + ")")
    lines.append("- Warm answers (cache on, the same request repeated): server time p50 ≤ 1 ms "
                 "(Server-Timing total), per named query: " + ("; ".join(parts) or "not measured")
                 + (f" (Cache-Status seen: {', '.join(sorted(caches))})" if caches else
                    " (no answer carried Cache-Status: this vetgraph has no answer cache yet, "
                    "warm equals cold)" if parts else "") + ".")
    quality = [(r["size"], r["systems"]["oxigraph"]["queries"].get("data-quality-findings"))
               for r in results if "queries" in r["systems"].get("oxigraph", {})]
    quality = [(label, e) for label, e in quality if e is not None]
    at_1000 = next((e for label, e in quality if label == "1000"), None)
    others = [f"{label}: {with_unit(e, t)}" for label, e in quality if label != "1000"]
    lines.append("- data-quality-findings ≤ 50 ms at 1,000 schools, cache off: "
                 + (f"{with_unit(at_1000, t)} ({ok[at_1000.get('p50', t) <= 0.05]})"
                    if at_1000 is not None else "not measured at 1,000")
                 + (f" ({', '.join(others)})" if others else "") + ".")
    parts = []
    for r in results:
        s = r["systems"].get("oxigraph", {})
        raw = s.get("raw_load")
        if "load_rate" in s and raw and "load_rate" in raw:
            share = s["load_rate"] / raw["load_rate"]
            parts.append(f"{r['size']}: {s['load_rate']:,.0f} of {raw['load_rate']:,.0f} "
                         f"triples/s, {share:.0%} ({ok[share >= 0.9]})")
    lines.append("- Load ≥ 90 % of raw pyoxigraph's bulk loader on the same data: "
                 + ("; ".join(parts) or "not measured") + ".")
    shacl = next((r for r in results if r["size"] == "1000" and "shacl_s" in r), None)
    lines.append("- Validation of 1,000 schools ≤ 30 s: "
                 + (f"{shacl['shacl_s']:.1f} s ({ok[shacl['shacl_s'] <= 30]})" if shacl
                    else "not measured") + "; peak memory of validating 9,000 schools × 5 "
                 "years ≤ 8 GB: not measured by this benchmark.")
    return lines


def machine_line(versions: dict[str, str]) -> str:
    """When, where, with what and how the run was started (kept in the JSON's args)."""
    return (f"{datetime.now(UTC).isoformat(timespec='seconds')} · {platform.node()} · "
            f"{platform.processor() or platform.machine()} · {os.cpu_count()} CPUs · "
            f"{(available_memory() or 0) / 2**30:.1f} GiB available · "
            + " · ".join(f"{k} {v}" for k, v in versions.items())
            + f" · `{' '.join(sys.argv[1:]) or '(defaults)'}`")


def from_json(path: Path) -> tuple[list[dict], argparse.Namespace, dict[str, str]]:
    """A run's results, arguments and versions as :func:`write` takes them, from its JSON
    (where client counts became strings)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for result in data["results"]:
        for system in result["systems"].values():
            for key in ("rps", "rps_errors", "rps_timeouts", "rps_on_peer_mix"):
                if key in system:
                    system[key] = {int(c): v for c, v in system[key].items()}
    return data["results"], argparse.Namespace(**data["args"]), data["versions"]


def write(results: list[dict], out: Path, args, versions: dict[str, str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    t = args.query_timeout
    lines = [
        "# Scale benchmark",
        "",
        getattr(args, "machine", None) or machine_line(versions),
        "",
        "Sizes: the seed report, and `vetgraph synth` sets (seed + N synthetic schools, "
        f"{args.years} year(s)). Systems: vetgraph on Oxigraph (`vetgraph serve --workers "
        f"{args.workers}`) and raw pyoxigraph on the same store (evaluation + SPARQL JSON "
        "serialization, the limit; in a child process per query that sends the query to "
        "vetgraph after each raw run: \"paired\" HTTP); vetgraph on its memory backend (`--backend "
        "memory`, rdflib); rdflib-endpoint on uvicorn (one rdflib Dataset, union default "
        "graph); Virtuoso loaded as `vetgraph build --backend remote` loads it. Load: "
        "Oxigraph `build.load_store` (the files bulk-loaded, parsed in Rust), and raw "
        "pyoxigraph on its fastest path (the same data as one N-Quads file in one bulk load, "
        "optimized; the limit); memory and "
        "rdflib-endpoint parse + rdflib Dataset; Virtuoso chunked `INSERT DATA` over HTTP "
        "after parsing. Every client keeps "
        f"one keep-alive HTTP connection; a query slower than {t:g} s is reported as "
        f"\"> {t:g} s\". Requests/s: every system over the same mix, every named query, "
        "each client going through whole rounds of it; a query that timed out (or failed) "
        f"alone stays in the mix counted at the timeout (the client waits {t:g} s and counts "
        "one request, without sending it: the server is spared that work, so such a figure "
        "is an upper bound). vetgraph's figures are cold (its answer cache off, "
        "`VETGRAPH_ANSWER_CACHE=0`) unless marked warm (restarted with the cache on, the same "
        "request repeated; server time from `Server-Timing`). Peak RSS: the serving processes "
        "and their children (VmHWM).",
    ]
    loads = [f"{r['size']}: {r['load_average'][0]:.1f} → {r['load_average'][-1]:.1f}"
             for r in results if r.get("load_average")]
    if loads:
        lines += ["", f"The machine ({os.cpu_count()} CPUs) was shared with other work while "
                  "this ran: every figure moves with its load; compare only within one run. "
                  "1-minute load average at the start and end of each size: "
                  + ", ".join(loads) + "."]
    caches = {c for r in results for s in r["systems"].values()
              for c in s.get("warm", {}).get("cache", [])}
    if any("warm" in s for r in results for s in r["systems"].values()) and not caches:
        lines += ["", "No answer carried `Cache-Status`: this vetgraph has no answer cache "
                  "yet (issue 22, item 3), so warm equals cold until it lands; the warm "
                  "columns measure the same thing again."]
    for r in results:
        shacl = f"{r['shacl_s']:.1f}" if "shacl_s" in r else "not run"
        lines += ["", f"## {r['size']}: {r['triples']:,} triples (parsed in "
                  f"{r['parse_s']:.1f} s)", "",
                  "| system | load triples/s | SHACL s | "
                  + " | ".join(f"req/s {c}" for c in CLIENTS)
                  + " | peak RSS MiB | B/triple |",
                  "| --- " * (5 + len(CLIENTS)) + "|"]
        for name, s in r["systems"].items():
            if "skipped" in s or "failed" in s:
                reason = s.get("skipped") or "failed: " + s["failed"]
                lines.append(f"| {name} | {reason.replace('|', '/')} |"
                             + " |" * (3 + len(CLIENTS)))
                continue
            rps = [f"{s['rps'][c]:.1f}" if s["rps"][c] is not None else "–" for c in CLIENTS]
            lines.append(
                f"| {name} | {s['load_rate']:,.0f} | "
                f"{shacl if name in VETGRAPH_SYSTEMS else 'n/a'} | " + " | ".join(rps)
                + f" | {s['peak_memory'] / 2**20:,.0f} | {s['peak_memory'] / r['triples']:,.0f} |")
        notes = [f"{name}: req/s over {len(s['mix'])} of {len(s['queries'])} queries (the "
                 "others timed out or failed)" for name, s in r["systems"].items()
                 if "mix" in s and len(s["mix"]) < len(s["queries"])]
        notes += [f"{name}: req/s over all {len(s['mix'])} queries, {len(s['at_timeout'])} "
                  f"of them counted at {t:g} s ({', '.join(s['at_timeout'])})"
                  for name, s in r["systems"].items() if s.get("at_timeout")]
        notes += [f"{name}: requests that timed out under load (counted at the time they "
                  "took): " + ", ".join(f"{c} clients: {n}" for c, n in s["rps_timeouts"].items()
                                        if n)
                  for name, s in r["systems"].items() if any(s.get("rps_timeouts", {}).values())]
        notes += [f"{name}: restarted {s['restarts']} time(s) after a timed-out query"
                  for name, s in r["systems"].items() if s.get("restarts")]
        notes += [f"{name}: inferences, aggregates and the validation graph derived after the "
                  f"load in {s['derive_s']:.1f} s (not in the load figure)"
                  for name, s in r["systems"].items() if "derive_s" in s]
        notes += [f"{name}: loaded in {s['load_s']:.1f} s on {s['load_cpu_s']:.1f} s of CPU; "
                  "raw pyoxigraph (one bulk load of the same data as N-Quads, then optimized): "
                  + (f"failed ({raw['error']})" if "error" in raw else
                     f"{raw['load_rate']:,.0f} triples/s, {raw['load_s']:.1f} s on "
                     f"{raw['cpu_s']:.1f} s of CPU ({r['triples'] / raw['cpu_s']:,.0f} triples "
                     "per CPU-second)")
                  for name, s in r["systems"].items() if (raw := s.get("raw_load"))]
        if notes:
            lines += [""] + [f"- {n}" for n in notes]
    for r in results:
        served = [n for n, s in r["systems"].items() if "queries" in s]
        if not served:
            continue
        raw = r.get("raw", {})
        head = ["query"] + (["raw p50", "raw p95"] if raw else [])
        for n in served:
            head += [f"{n} p50", f"{n} p95"]
        paired = any("http" in entry for entry in raw.values())
        if paired:
            head.append("oxigraph paired p50")
        if raw and "oxigraph" in served:
            head.append("oxigraph HTTP/raw")
        warm = [n for n in served if "queries" in r["systems"][n].get("warm", {})]
        for n in warm:
            head += [f"{n} warm p50", f"{n} warm server p50"]
        versus = "oxigraph" in served and PEER in served
        if versus:
            head.append(f"oxigraph/{PEER}")
            ratios = peer_ratios(r)
        lines += ["", f"## Latency per named query, {r['size']} (ms; HTTP unless raw; "
                  "vetgraph cold unless warm; HTTP/raw = ratio of p50, of raw and paired HTTP: "
                  f"timed alternately; oxigraph/{PEER} = ratio of HTTP p50)", "",
                  "| " + " | ".join(head) + " |",
                  "| --- " * len(head) + "|"]
        for name in r["systems"][served[0]]["queries"]:
            cells = [name]
            if raw:
                cells += [ms(raw.get(name), "p50", t), ms(raw.get(name), "p95", t)]
            for n in served:
                entry = r["systems"][n]["queries"].get(name)
                cells += [ms(entry, "p50", t), ms(entry, "p95", t)]
            if paired:
                cells.append(ms(raw.get(name, {}).get("http"), "p50", t))
            if raw and "oxigraph" in served:
                ratio = http_raw_ratio(raw.get(name), r["systems"]["oxigraph"]["queries"][name])
                cells.append(f"{ratio:.1f}" if ratio is not None else "–")
            for n in warm:
                entry = r["systems"][n]["warm"]["queries"].get(name)
                cells.append(ms(entry, "p50", t))
                cells.append(ms(entry, "server_p50", t) if entry is None or "p50" not in entry
                             or "server_p50" in entry else "–")
            if versus:
                cells.append(f"{ratios[name]:.2f}" if name in ratios else "–")
            lines.append("| " + " | ".join(cells) + " |")
        if versus and ratios:
            lines += ["", f"Geometric mean of oxigraph/{PEER} (HTTP p50, cache off) over the "
                      f"{len(ratios)} queries both answered: "
                      f"{geometric_mean(list(ratios.values())):.2f}; {PEER} faster on "
                      f"{sum(v > 1 for v in ratios.values())}, more than 1.5× on "
                      f"{sum(v > 1.5 for v in ratios.values())}."]
    lines += [""] + targets(results, args)
    if args.skip:
        lines += ["", f"Left out: {', '.join(args.skip)}."]
    (out / "scale.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "scale.json").write_text(json.dumps(
        {"versions": versions, "args": vars(args), "results": results}, indent=1),
        encoding="utf-8")
    chart(results, out / "scale.png")


def chart(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    colors = dict(zip(SYSTEMS, ("tab:blue", "tab:orange", "tab:green", "tab:red"), strict=True))
    styles = ("-", "--", "-.", ":")
    fig, (left, right, versus) = plt.subplots(1, 3, figsize=(19, 5.5))
    for i, r in enumerate(results):
        for name, s in r["systems"].items():
            if "rps" in s:
                left.plot(list(CLIENTS), [s["rps"][c] or 0 for c in CLIENTS], marker="o",
                          color=colors[name], linestyle=styles[i % len(styles)],
                          label=f"{name} {r['size']}")
    largest = next((r for r in reversed(results)
                    if any("queries" in s for s in r["systems"].values())), None)
    if largest is not None:
        names = list(next(s for s in largest["systems"].values() if "queries" in s)["queries"])
        if "raw" in largest:
            timed = [(i, largest["raw"][n]["p50"] * 1e3) for i, n in enumerate(names)
                     if "p50" in largest["raw"].get(n, {})]
            right.plot([i for i, _ in timed], [v for _, v in timed],
                       color="black", linestyle=":", marker=".", label="raw pyoxigraph")
        for name, s in largest["systems"].items():
            if "queries" in s:
                points = [(i, s["queries"][n]["p50"] * 1e3) for i, n in enumerate(names)
                          if "p50" in s["queries"].get(n, {})]
                right.plot([p[0] for p in points], [p[1] for p in points], marker=".",
                           color=colors[name], label=name)
            warm = s.get("warm", {}).get("queries", {})
            if warm:
                points = [(i, warm[n]["p50"] * 1e3) for i, n in enumerate(names)
                          if "p50" in warm.get(n, {})]
                right.plot([p[0] for p in points], [p[1] for p in points], marker=".",
                           color=colors[name], linestyle="--", alpha=0.6, label=f"{name} warm")
        right.set_xticks(range(len(names)), names, rotation=90, fontsize=6)
        right.set(ylabel="p50 ms (HTTP; vetgraph cold unless warm)", yscale="log",
                  title=f"latency per named query, {largest['size']}")
        right.legend(fontsize=7)
    left.set(xlabel="concurrent clients", ylabel="requests/s", yscale="log",
             title="throughput, same query set, timeouts counted (size: line style)")
    left.legend(fontsize=7)
    compared = [(r, peer_ratios(r)) for r in results]
    compared = [(r, ratios) for r, ratios in compared if ratios]
    if compared:
        names = sorted({n for _, ratios in compared for n in ratios})
        width = 0.8 / len(compared)
        for i, (r, ratios) in enumerate(compared):
            mean = geometric_mean(list(ratios.values()))
            versus.bar([k + i * width for k, n in enumerate(names) if n in ratios],
                       [ratios[n] for n in names if n in ratios], width=width,
                       label=f"{r['size']} (geometric mean {mean:.2f})")
        for level, style in ((1.0, "-"), (0.8, "--"), (1.5, ":")):
            versus.axhline(level, color="grey", linestyle=style, linewidth=0.8)
        versus.set_xticks([k + 0.4 - width / 2 for k in range(len(names))], names, rotation=90,
                          fontsize=6)
        versus.set(ylabel=f"oxigraph p50 / {PEER} p50 (log; lines 0.8, 1, 1.5)",
                   yscale="log", title=f"vetgraph (cache off) / {PEER}, per named query")
        plain = FuncFormatter(lambda v, _: f"{v:g}")
        versus.yaxis.set_major_formatter(plain)
        spread = [v for _, ratios in compared for v in ratios.values()]
        if max(spread) / min(spread) < 10:  # under a decade: label the minor ticks too
            versus.yaxis.set_minor_formatter(plain)
            versus.tick_params(axis="y", which="minor", labelsize=6)
        versus.legend(fontsize=7)
    else:
        versus.set_axis_off()
        versus.text(0.5, 0.5, f"{PEER} and vetgraph on Oxigraph\nnot both measured",
                    ha="center", va="center")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 9000])
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help=f"comma-separated, of {', '.join(SYSTEMS)} (default all)")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=max(CLIENTS),
                        help="vetgraph serve --workers (default 8)")
    parser.add_argument("--query-timeout", type=float, default=60.0,
                        help="seconds before a query counts as too slow (default 60)")
    parser.add_argument("--start-timeout", type=float, default=1800.0,
                        help="seconds a server may take to load and start (default 1800)")
    parser.add_argument("--validate-up-to", type=int, default=1000)
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--skip", nargs="*", default=[], metavar="QUERY",
                        help="named queries to leave out (e.g. data-quality-findings, whose "
                        "time grows much faster than the data: 0.2 s at the seed, 5-9 s at 100 "
                        "synthetic schools, past 10 s at 1,000: bench/results)")
    parser.add_argument("--queries", nargs="*", default=None, metavar="QUERY",
                        help="only these named queries (default all)")
    parser.add_argument("--up-to", nargs="*", default=[], metavar="SYSTEM=SCHOOLS",
                        help="run SYSTEM only up to SCHOOLS synthetic schools, e.g. "
                        "rdflib-endpoint=100 (its queries time out at 1,000 and each timeout "
                        "reloads it for minutes)")
    parser.add_argument("--from-json", default=None, metavar="FILE",
                        help="write the tables, targets and chart again from a run's JSON "
                        "into --out, measuring nothing")
    parser.add_argument("--smoke", action="store_true",
                        help=f"seed + 5 schools, {len(SMOKE_QUERIES)} quick queries, few "
                        "requests")
    args = parser.parse_args(argv)
    if args.from_json:
        results, recorded, versions = from_json(Path(args.from_json))
        write(results, Path(args.out), recorded, versions)
        print((Path(args.out) / "scale.md").read_text())
        return 0
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = sorted(set(args.systems) - set(SYSTEMS))
    if unknown:
        parser.error(f"unknown system(s) {', '.join(unknown)}; known: {', '.join(SYSTEMS)}")
    try:
        args.up_to = {s: int(n) for s, n in (item.split("=", 1) for item in args.up_to)}
    except ValueError:
        parser.error("--up-to takes SYSTEM=SCHOOLS, e.g. rdflib-endpoint=100")
    if strange := sorted(set(args.up_to) - set(SYSTEMS)):
        parser.error(f"--up-to: unknown system(s) {', '.join(strange)}")
    if args.smoke:
        args.sizes, args.years, args.runs, args.seconds, args.validate_up_to = [5], 1, 1, 0.5, 0
        args.workers, args.query_timeout = 2, 20.0
        args.queries = args.queries or list(SMOKE_QUERIES)
    versions = {"Python": platform.python_version(), "vetgraph": __version__,
                "pyoxigraph": ox.__version__, "rdflib": version_of("rdflib"),
                "rdflib-endpoint": version_of("rdflib-endpoint"),
                "uvicorn": version_of("uvicorn"), "Virtuoso": virtuoso_version()}
    args.machine = machine_line(versions)
    base = Settings.load(root=str(REPO))
    results, history, slow = [], {}, {}
    with tempfile.TemporaryDirectory(prefix="vetgraph-scale-") as tmp:
        work = Path(tmp)
        results.append(run_size("seed", base, work, history, slow, args))
        write(results, Path(args.out), args, versions)  # after each size: a long run that is
        for n in args.sizes:                               # stopped keeps what it measured
            data = work / f"data-{n}"
            synthesize(data, n, args.years, args.seed, base)
            results.append(run_size(str(n), base.replace(data_dir=data), work, history, slow,
                                    args))
            shutil.rmtree(data, ignore_errors=True)
            print(f"{n} schools done", file=sys.stderr, flush=True)
            write(results, Path(args.out), args, versions)
    print((Path(args.out) / "scale.md").read_text())
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--raw-child"]:
        store_arg, name_arg, runs_arg, budget_arg, cap_arg = sys.argv[2:7]
        port_arg = int(sys.argv[7]) if len(sys.argv) > 7 else None
        raw_child(store_arg, name_arg, int(runs_arg), float(budget_arg), int(cap_arg), port_arg)
        sys.exit(0)
    sys.exit(main())

"""Benchmark of the SPARQL endpoint (not a test): HTTP against direct pyoxigraph, and throughput.

1. Latency: p50 and p95 of five representative queries sent to a live ``vetgraph serve`` over
   HTTP (SPARQL JSON), against the same queries evaluated and serialized to SPARQL JSON by
   pyoxigraph directly on the same store, in this process.
2. Throughput: requests per second with 1, 2 and 4 concurrent clients cycling through the
   five queries for a fixed time.

Everything runs on loopback, bounded in count and time. Prints a markdown table and writes it
to ``bench/results/endpoint.md``.

    python bench/endpoint_bench.py [--root DIR] [--store DIR] [--runs 100] [--seconds 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from scale_bench import percentile, spawn  # noqa: E402

from vetgraph.config import Settings  # noqa: E402
from vetgraph.engine.guard import check_query  # noqa: E402
from vetgraph.testing import free_port  # noqa: E402

#: Named queries that analysts run (queries/*.rq); the fifth is an aggregate over everything.
NAMED = ["schools", "majors-by-school", "partners-by-school", "report-tables"]
CLASS_COUNTS = """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class }
GROUP BY ?class ORDER BY DESC(?n)"""
FALLBACK = {
    "school-labels": """PREFIX vet: <https://w3id.org/vetgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?name WHERE { ?s a vet:School ; rdfs:label ?name } ORDER BY ?s""",
    "describe-schools": """PREFIX vet: <https://w3id.org/vetgraph/ontology#>
CONSTRUCT { ?s ?p ?o } WHERE { ?s a vet:School ; ?p ?o }""",
    "graph-sizes": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "labels-by-language": """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT (LANG(?l) AS ?lang) (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?l } GROUP BY (LANG(?l))""",
}
JSON = "application/sparql-results+json"
TURTLE = "text/turtle"


def pick_queries(settings: Settings) -> dict[str, str]:
    """Five queries: the named ones that exist, topped up from FALLBACK, plus CLASS_COUNTS."""
    chosen: dict[str, str] = {}
    for name in NAMED:
        path = settings.queries_dir / f"{name}.rq"
        if path.is_file():
            chosen[name] = path.read_text(encoding="utf-8")
    for name, text in FALLBACK.items():
        if len(chosen) >= 4:
            break
        chosen[name] = text
    chosen["class-counts"] = CLASS_COUNTS
    return chosen


def is_graph(text: str) -> bool:
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    upper = body.upper()
    return "CONSTRUCT" in upper or "DESCRIBE" in upper


def direct(store: ox.Store, text: str) -> bytes:
    """Evaluate and serialize like the endpoint does, minus HTTP and the worker process."""
    answer = store.query(text, use_default_graph_as_union=True)
    if isinstance(answer, ox.QueryTriples):
        return answer.serialize(format=ox.RdfFormat.TURTLE)
    return answer.serialize(format=ox.QueryResultsFormat.JSON)


def time_calls(call, runs: int) -> list[float]:
    call()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def start_server(
    settings: Settings, store: Path, workers: int, log: Path
) -> tuple[str, subprocess.Popen[bytes]]:
    """``vetgraph serve`` on a free loopback port, started as the scale benchmark starts it."""
    port = free_port()
    command = [sys.executable, "-m", "vetgraph.cli", "serve", "--root", str(settings.root),
               "--store", str(store), "--port", str(port), "--workers", str(workers)]
    return f"http://127.0.0.1:{port}", spawn(command, port, log, timeout=120)


def throughput(
    url: str, queries: dict[str, str], clients: int, seconds: float
) -> tuple[float, int]:
    """Requests per second with ``clients`` threads, each with its own keep-alive session."""
    stop = time.monotonic() + seconds
    counts = [0] * clients
    errors = [0] * clients
    texts = list(queries.values())

    def client(index: int) -> None:
        session = requests.Session()
        i = index
        while time.monotonic() < stop:
            text = texts[i % len(texts)]
            accept = TURTLE if is_graph(text) else JSON
            response = session.post(
                url + "/sparql", data={"query": text}, headers={"Accept": accept}, timeout=60
            )
            if response.status_code == 200:
                counts[index] += 1
            else:
                errors[index] += 1
            i += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started), sum(errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=str(REPO), help="source tree (default: this repo)")
    parser.add_argument("--store", default=None, help="built store (default: build one in /tmp)")
    parser.add_argument("--runs", type=int, default=100, help="timed runs per query and path")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per throughput run")
    parser.add_argument("--workers", type=int, default=4, help="server query workers")
    parser.add_argument("--out", default=str(HERE / "results" / "endpoint.md"))
    args = parser.parse_args()

    settings = Settings.load(env={}, root=args.root)
    scratch = Path(tempfile.mkdtemp(prefix="vetgraph-bench-"))
    if args.store:
        store_dir = Path(args.store)
    else:
        from vetgraph.build import build_store

        store_dir = scratch / "var" / "store"
        build_store(settings, store_dir)
    queries = pick_queries(settings)

    url, process = start_server(settings, store_dir, args.workers, scratch / "serve.log")
    try:
        raw = ox.Store.read_only(os.path.realpath(store_dir))
        session = requests.Session()
        rows = []
        for name, text in queries.items():
            accept = TURTLE if is_graph(text) else JSON

            def over_http(text: str = text, accept: str = accept) -> None:
                response = session.post(
                    url + "/sparql", data={"query": text}, headers={"Accept": accept}, timeout=60
                )
                response.raise_for_status()

            http = time_calls(over_http, args.runs)
            native = time_calls(lambda text=text: direct(raw, text), args.runs)
            guard = time_calls(lambda text=text: check_query(text, set()), 10)
            rows.append(
                (
                    name,
                    percentile(native, 0.5),
                    percentile(native, 0.95),
                    percentile(http, 0.5),
                    percentile(http, 0.95),
                    percentile(guard, 0.5),
                )
            )
        rates = [(n, *throughput(url, queries, n, args.seconds)) for n in (1, 2, 4)]
    finally:
        process.terminate()
        process.wait(15)

    lines = [
        "# Endpoint benchmark",
        "",
        f"{datetime.now(UTC).isoformat(timespec='seconds')} · {platform.machine()} · "
        f"{os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"pyoxigraph {ox.__version__ if hasattr(ox, '__version__') else '?'} · "
        f"server workers {args.workers} · {args.runs} runs per query · load average "
        f"{os.getloadavg()[0]:.1f} at the end (other work on the machine skews the numbers)",
        "",
        "## Latency (ms): direct pyoxigraph vs HTTP POST to /sparql",
        "",
        "HTTP includes Flask, waitress and the round trip to a worker process. The guard's rdflib",
        "parse is remembered per query text, so a repeated query skips it; the last column is that",
        "parse, paid once per distinct query (per store version).",
        "",
        "| query | direct p50 | direct p95 | HTTP p50 | HTTP p95 | overhead p50 | guard parse |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, d50, d95, h50, h95, g50 in rows:
        lines.append(
            f"| {name} | {d50:.2f} | {d95:.2f} | {h50:.2f} | {h95:.2f} | {h50 - d50:+.2f} "
            f"| {g50:.1f} |"
        )
    lines += [
        "",
        f"## Throughput: the five queries in turn, {args.seconds:g} s per run",
        "",
        "| concurrent clients | requests/s | errors |",
        "| ---: | ---: | ---: |",
    ]
    for clients, rate, errors in rates:
        lines.append(f"| {clients} | {rate:.1f} | {errors} |")
    table = "\n".join(lines) + "\n"
    print(table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

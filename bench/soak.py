"""Soak benchmark (not a test): cheap library queries while hostile traffic runs beside them.

For ``--seconds`` (default 120) four clients send cheap named queries (``/api/queries/NAME``)
while four others send hostile traffic: queries that run into the timeout, a query that
crashes or overflows a worker (a flat 12,000-way path alternative), graph downloads with junk
parameters, oversized bodies and deeply nested queries; the store is rebuilt twice in the
middle (the second rebuild used to delete the version the server was started on). First the
cheap clients run alone for ``--idle-seconds`` to get their idle figures.

Reports p50/p99 of the cheap queries idle and under load, answers by status for each kind of
client, worker restarts (worker PIDs seen), the resident memory of the web process and of
its workers over time, and requests that got no answer; then the targets of issue 17:
cheap p99 under load <= 10x idle p99, no cheap query refused, no request without an answer,
memory flat (+-10 %) after warm-up. Everything on loopback, bounded in time; writes
``bench/results/soak.md`` and ``soak.json``.

    python bench/soak.py [--seconds 120] [--idle-seconds 20] [--query-timeout 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(HERE))

from scale_bench import percentile  # noqa: E402

from vetgraph.testing import LiveServer, start_server  # noqa: E402

CHEAP = ["schools", "designation-counts", "career-stages", "report-tables", "patents"]
TIMEOUT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: A flat 12,000-way path alternative (48 KB, under --max-query-length): it used to overflow
#: Oxigraph's stack in the worker (SIGSEGV).
CRASH_QUERY = ("BASE <http://example.org/> SELECT * WHERE { ?s "
               + "|".join(["<p>"] * 12_000) + " ?o }")
DEEP_QUERY = "SELECT * WHERE " + "{ " * 5_000 + "?s ?p ?o" + " }" * 5_000
CLIENT_TIMEOUT = 120.0  # seconds a client waits before it counts "no answer"


@dataclass
class Tally:
    """What one kind of client saw."""

    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    no_answer: int = 0
    errors: list[str] = field(default_factory=list)

    def record(self, send) -> None:
        started = time.perf_counter()
        try:
            response = send()
        except requests.RequestException as error:
            self.no_answer += 1
            if len(self.errors) < 5:
                self.errors.append(f"{type(error).__name__}: {error}"[:200])
            return
        self.latencies.append(time.perf_counter() - started)
        self.statuses[response.status_code] += 1


def cheap_client(server: LiveServer, tally: Tally, stop: threading.Event, offset: int) -> None:
    session = requests.Session()
    i = offset
    while not stop.is_set():
        name = CHEAP[i % len(CHEAP)]
        tally.record(lambda n=name: session.get(f"{server.url}/api/queries/{n}",
                                                timeout=CLIENT_TIMEOUT))
        i += 1


def hostile_requests(server: LiveServer, max_body: int) -> list:
    """One callable per kind of hostile request; each client cycles through them."""
    url = server.url
    junk = iter(range(10**9))
    return [
        lambda: requests.get(url + "/sparql", params={"query": TIMEOUT_QUERY},
                             timeout=CLIENT_TIMEOUT),
        lambda: requests.post(url + "/sparql", data=CRASH_QUERY.encode(),
                              headers={"Content-Type": "application/sparql-query"},
                              timeout=CLIENT_TIMEOUT),
        lambda: requests.get(url + "/network/entity.png", params={"lang": "en",
                             "junk": str(next(junk))}, timeout=CLIENT_TIMEOUT),
        lambda: requests.post(url + "/sparql", data=b"#" * (4 * max_body),
                              headers={"Content-Type": "application/sparql-query"},
                              timeout=CLIENT_TIMEOUT),
        lambda: requests.post(url + "/sparql", data=DEEP_QUERY.encode(),
                              headers={"Content-Type": "application/sparql-query"},
                              timeout=CLIENT_TIMEOUT),
    ]


def hostile_client(server: LiveServer, tallies: dict[str, Tally], stop: threading.Event,
                   offset: int, max_body: int) -> None:
    kinds = ["timeout", "crasher", "junk-graph", "oversize", "deep-nesting"]
    sends = hostile_requests(server, max_body)
    i = offset
    while not stop.is_set():
        k = i % len(kinds)
        tallies[kinds[k]].record(sends[k])
        i += 1


def rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def sample_memory(server: LiveServer, samples: list[dict], workers_seen: set[int],
                  stop: threading.Event, started: float) -> None:
    while not stop.wait(2.0):
        children = server.descendants()
        workers_seen.update(children)
        samples.append({
            "t": round(time.monotonic() - started, 1),
            "web_mib": round(rss_mib(server.process.pid), 1),
            "workers_mib": round(sum(rss_mib(pid) for pid in children), 1),
            "processes": len(children),
        })


def run_clients(server: LiveServer, seconds: float, hostile: bool, store: Path, root: Path,
                max_body: int, events: list[str]) -> tuple[Tally, dict[str, Tally], list, set]:
    stop = threading.Event()
    cheap = Tally()
    kinds = ["timeout", "crasher", "junk-graph", "oversize", "deep-nesting"]
    tallies = {k: Tally() for k in kinds}
    threads = [threading.Thread(target=cheap_client, args=(server, cheap, stop, i))
               for i in range(4)]
    if hostile:
        threads += [threading.Thread(target=hostile_client,
                                     args=(server, tallies, stop, i, max_body))
                    for i in range(4)]
    samples: list[dict] = []
    workers_seen: set[int] = set(server.descendants())
    started = time.monotonic()
    sampler = threading.Thread(target=sample_memory,
                               args=(server, samples, workers_seen, stop, started))
    for thread in [*threads, sampler]:
        thread.start()
    rebuilds = [seconds * 0.4, seconds * 0.6] if hostile else []
    while (elapsed := time.monotonic() - started) < seconds:
        if rebuilds and elapsed >= rebuilds[0]:
            rebuilds.pop(0)
            done = subprocess.run(
                [sys.executable, "-m", "vetgraph.cli", "build", "--root", str(root),
                 "--store", str(store)], capture_output=True, text=True)
            events.append(f"t={elapsed:.0f} s: rebuild exit {done.returncode} "
                          f"({done.stdout.strip().splitlines()[-1:] or done.stderr[-200:]})")
        time.sleep(0.2)
    stop.set()
    for thread in [*threads, sampler]:
        thread.join(CLIENT_TIMEOUT + 10)
    return cheap, tallies, samples, workers_seen


def memory_flat(samples: list[dict], warmup: float) -> tuple[bool, str]:
    """Resident memory of the web process after warm-up stays within +-10 % of its median."""
    later = [s["web_mib"] for s in samples if s["t"] >= warmup]
    if len(later) < 3:
        return False, "too few samples"
    middle = sorted(later)[len(later) // 2]
    low, high = min(later), max(later)
    flat = low >= 0.9 * middle and high <= 1.1 * middle
    return flat, f"web process {low:.0f}-{high:.0f} MiB after {warmup:.0f} s (median {middle:.0f})"


def ms(value: float) -> str:
    return f"{value * 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--idle-seconds", type=float, default=20)
    parser.add_argument("--query-timeout", type=float, default=5)
    parser.add_argument("--root", type=Path, default=REPO)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    max_body = 1024 * 1024

    with tempfile.TemporaryDirectory(prefix="vetgraph-soak-") as scratch:
        scratch_dir = Path(scratch)
        store = scratch_dir / "store"
        subprocess.run([sys.executable, "-m", "vetgraph.cli", "build", "--root", str(args.root),
                        "--store", str(store)], check=True, capture_output=True)
        server = start_server(store, scratch_dir, "--workers", "4",
                              "--query-timeout", str(args.query_timeout), tree=args.root)
        events: list[str] = []
        try:
            idle, _, _, _ = run_clients(server, args.idle_seconds, False, store, args.root,
                                        max_body, events)
            load, hostile, samples, workers = run_clients(server, args.seconds, True, store,
                                                          args.root, max_body, events)
            alive_after = server.alive()
            final = requests.get(server.url + "/api/queries/schools", timeout=60).status_code
        finally:
            server.stop()
            log_tail = server.log()[-3000:]

    idle_p99, load_p99 = percentile(idle.latencies, 0.99), percentile(load.latencies, 0.99)
    flat, memory_text = memory_flat(samples, warmup=args.seconds * 0.25)
    refused = sum(n for status, n in load.statuses.items() if status != 200)
    no_answer = load.no_answer + sum(t.no_answer for t in hostile.values())
    targets = {
        "cheap p99 under load <= 10x idle p99":
            (load_p99 <= 10 * idle_p99, f"{ms(load_p99)} ms vs {ms(idle_p99)} ms idle "
                                        f"({load_p99 / idle_p99:.1f}x)"),
        "no cheap query refused": (refused == 0, f"{refused} of {sum(load.statuses.values())}"),
        "no request without an answer": (no_answer == 0, f"{no_answer}"),
        "memory flat (+-10 %) after warm-up": (flat, memory_text),
    }
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}",
        "seconds": args.seconds, "idle_seconds": args.idle_seconds,
        "query_timeout": args.query_timeout,
        "cheap_idle": {"p50_ms": float(ms(percentile(idle.latencies, 0.5))),
                       "p99_ms": float(ms(idle_p99)), "answers": dict(idle.statuses)},
        "cheap_load": {"p50_ms": float(ms(percentile(load.latencies, 0.5))),
                       "p99_ms": float(ms(load_p99)), "answers": dict(load.statuses),
                       "no_answer": load.no_answer, "errors": load.errors},
        "hostile": {k: {"answers": dict(t.statuses), "no_answer": t.no_answer,
                        "errors": t.errors} for k, t in hostile.items()},
        "worker_pids_seen": len(workers), "events": events, "memory": samples,
        "server_alive_after": alive_after, "schools_after": final,
        "targets": {name: {"met": met, "measured": text} for name, (met, text) in targets.items()},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    lines = [
        "# Soak: cheap queries beside hostile traffic (bench/soak.py)", "",
        f"{result['when']}, {result['machine']}; {args.seconds:.0f} s under load after "
        f"{args.idle_seconds:.0f} s idle; `--workers 4 --query-timeout {args.query_timeout:g}`.",
        "", "| cheap named queries | p50 ms | p99 ms | answers |", "| --- | --- | --- | --- |",
        f"| idle (4 clients) | {result['cheap_idle']['p50_ms']} | {result['cheap_idle']['p99_ms']}"
        f" | {dict(idle.statuses)} |",
        f"| under load (4 + 4 hostile) | {result['cheap_load']['p50_ms']} | "
        f"{result['cheap_load']['p99_ms']} | {dict(load.statuses)}, no answer {load.no_answer} |",
        "", "| hostile client | answers by status | no answer |", "| --- | --- | --- |",
        *[f"| {k} | {dict(t.statuses)} | {t.no_answer} |" for k, t in hostile.items()],
        "", f"Worker processes seen: {len(workers)}. Server alive after: {alive_after}; "
        f"`/api/queries/schools` after: {final}.", "",
        *[f"- {event}" for event in events], "",
        "Resident memory (MiB) every ~10 s: "
        + ", ".join(f"{s['t']:.0f} s: web {s['web_mib']:.0f} / workers {s['workers_mib']:.0f}"
                    for s in samples[::5]), "",
        "| target | met | measured |", "| --- | --- | --- |",
        *[f"| {name} | {'met' if met else 'missed'} | {text} |"
          for name, (met, text) in targets.items()],
    ]
    if not alive_after or final != 200:
        lines += ["", "Server log (tail):", "", "```", log_tail, "```"]
    (args.out / "soak.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

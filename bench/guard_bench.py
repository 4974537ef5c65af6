"""Benchmark of the query guard (not a test): no query under --max-query-length costs more than
about a second of guard time, and the cost limits keep Oxigraph's parser alive.

1. Guard time: hostile families of queries, each as long as ``--max-query-length`` allows
   (default 100 KB): flat path alternatives, UNION chains, ``1+1+…``, the same at the limits
   of the settings, and lexer worst cases (dotted names, unclosed strings, escapes, CR
   comments that give a second reading). Guard time is what a request costs before an engine
   evaluates it: :func:`check_text` in the web process, then :func:`read_query` in the worker,
   and for text the engine calls a syntax error, :func:`explain_syntax_error` (rdflib, within
   its budget). Best of ``--runs`` runs, in this process.
2. Engine: each family at the limit and past it, evaluated by pyoxigraph in a child process on an
   empty store: exit code and time (a SIGSEGV is exit -11). The endpoint stops a query at the
   query timeout (30 s); the guard's limits are what keep the engine from crashing.
3. Before: what the guard cost before issue 17, when every query was parsed by rdflib first
   (up to ``--rdflib-budget`` seconds).

Prints a markdown table and writes it to ``bench/results/guard.md``.

    python bench/guard_bench.py [--runs 3] [--max-length 102400]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from vetgraph.config import Settings  # noqa: E402
from vetgraph.engine.guard import (  # noqa: E402
    CostLimits,
    Refusal,
    check_text,
    explain_syntax_error,
    read_query,
)

GRAPHS = {"https://w3id.org/vetgraph/graph/" + g for g in ("data", "ontology", "codes", "shapes")}


def fill(head: str, unit: str, tail: str, size: int, count: int | None = None) -> str:
    """``head + unit * n + tail``, n = count or as many as fit in ``size`` bytes."""
    if count is None:
        count = (size - len((head + tail).encode())) // len(unit.encode())
    return head + unit * count + tail


def families(size: int, limits: CostLimits) -> dict[str, str]:
    """Each hostile query, named; those 'at limit' pass the cost checks, the others do not."""
    alt = "<urn:p>|"
    return {
        "flat alternatives, 12,000 ways (the issue's 72 KB)": "ASK { ?s "
        + "|".join(["<urn:p>"] * 12_000) + " ?o }",
        "flat alternatives, full length": fill("ASK { ?s ", alt, "<urn:p> ?o }", size),
        f"alternatives at limit ({limits.max_alternatives})": fill(
            "ASK { ?s ", alt, "<urn:p> ?o }", size, limits.max_alternatives
        ),
        "UNION chain, 3,000 branches": "ASK { " + " UNION ".join(["{ ?s ?p ?o }"] * 3000) + " }",
        f"UNION chain at limit ({limits.max_unions})": "ASK { "
        + " UNION ".join(["{ ?s ?p ?o }"] * (limits.max_unions + 1)) + " }",
        "1+1+…, full length": fill("ASK { FILTER(", "1+", "1 > 0) }", size),
        f"1+1+… at limit ({limits.max_operators})": fill(
            "ASK { FILTER(", "1+", "1 > 0) }", size, limits.max_operators - 1
        ),
        f"triple patterns at limit ({limits.max_patterns})": fill(
            "ASK { ", "?s <urn:p> ?o . ", "}", size, limits.max_patterns - 1
        ),
        "BINDs, full length": "SELECT * { "
        + "".join(f"BIND(1 AS ?v{i}) " for i in range(size // 18)) + "}",
        f"BINDs at limit ({limits.max_patterns // 2})": "SELECT * { "
        + "".join(f"BIND(1 AS ?v{i}) " for i in range(limits.max_patterns // 2 - 1)) + "}",
        "DESCRIBE of 12,000 IRIs": "DESCRIBE " + "<urn:x> " * 12_000,
        "FILTER chain, full length": fill("ASK { ", "FILTER(1) ", "}", size),
        "patterns and operators at their limits together": "ASK { "
        + "?s <urn:p> ?o . " * (limits.max_patterns - 3)
        + "FILTER(" + "1+" * (limits.max_operators - 1) + "1) }",
        "VALUES of 50,000 numbers (rdflib: 22 s)": fill("SELECT * { VALUES ?x { ", "1 ", "} }",
                                                        size),
        "33,000 variables": fill("SELECT ", "?x ", "{}", size),
        "a.a.a.a… (dotted names)": fill("ASK { ", "a.", "}", size),
        "'''\\\" repeated (unclosed long strings)": fill("ASK { ", "'''\\\"", "}", size),
        "\\u escapes (two readings)": fill("ASK { ", "\\u0041", "}", size),
        "CR comments (two readings)": fill("ASK { ", "#\r?s ?p ?o .\n", "}", size),
        "<<<< (no IRI closes)": fill("ASK { ", "<", "}", size),
        "SERVICE at the very end": fill("ASK { ", "?s ?p ?o . ", "SERVICE <urn:x> {} }", size),
    }


def guard_time(text: str, max_length: int, limits: CostLimits) -> tuple[float, str]:
    """Seconds the guard spends on ``text`` and its verdict."""
    started = time.perf_counter()
    try:
        check_text(text, max_length=max_length, max_depth=64, costs=limits)
        read_query(text, GRAPHS)
        verdict = "passes"
    except Refusal as refusal:
        verdict = f"400 {refusal.reason}" if refusal.status == 400 else str(refusal.status)
        if refusal.reason == "syntax-error":  # the worker then asks rdflib for the position
            explain_syntax_error(text, refusal.message)
    return time.perf_counter() - started, verdict


ENGINE = (
    "import pyoxigraph as ox, sys\n"
    "text = open(sys.argv[1]).read()\n"
    "try:\n"
    "    answer = ox.Store().query(text)\n"
    "    list(answer) if not isinstance(answer, ox.QueryBoolean) else bool(answer)\n"
    "except SyntaxError:\n"
    "    sys.exit(3)\n"
)


def engine(text: str, timeout: float = 60) -> str:
    """pyoxigraph on an empty store in a child: exit code and seconds."""
    with tempfile.NamedTemporaryFile("w", suffix=".rq", delete=False) as handle:
        handle.write(text)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", ENGINE, handle.name], capture_output=True, timeout=timeout
        )
        code = str(done.returncode)
    except subprocess.TimeoutExpired:
        code = f"over {timeout:.0f} s"
    finally:
        os.unlink(handle.name)
    return f"{code} in {time.perf_counter() - started:.1f} s"


def rdflib_parse(text: str, budget: float) -> str:
    """Seconds rdflib's parser takes on ``text`` (the old guard), stopped after ``budget``."""
    import signal

    from vetgraph.engine.guard import check_query

    class OutOfTime(BaseException):
        pass

    def stop(signum: int, frame: object) -> None:
        raise OutOfTime

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 30_000))  # as the workers had it
    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, budget)
    started = time.perf_counter()
    try:
        check_query(text, GRAPHS)
    except Refusal:
        pass
    except OutOfTime:
        return f"over {budget:g} s"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return f"{time.perf_counter() - started:.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-length", type=int, default=Settings.max_query_length)
    parser.add_argument("--no-engine", action="store_true", help="skip the engine column")
    parser.add_argument("--rdflib-budget", type=float, default=20.0,
                        help="seconds the old guard's rdflib parse may take per query")
    args = parser.parse_args(argv)
    limits = CostLimits()
    rows = []
    worst = 0.0
    run_engine: Callable[[str], str] = (lambda text: "") if args.no_engine else engine
    for name, text in families(args.max_length, limits).items():
        times = []
        verdict = ""
        for _ in range(args.runs):
            seconds, verdict = guard_time(text, args.max_length, limits)
            times.append(seconds)
        best = min(times)
        worst = max(worst, max(times))
        size = len(text.encode())
        rows.append(
            f"| {name} | {size:,} | {verdict} | {best * 1000:.0f} | {max(times) * 1000:.0f} "
            f"| {run_engine(text)} | {rdflib_parse(text, args.rdflib_budget)} |"
        )
        print(rows[-1], flush=True)
    load = os.getloadavg()[0]
    header = [
        "# Guard benchmark",
        "",
        f"{datetime.now(UTC).isoformat(timespec='seconds')} · {platform.machine()} · "
        f"{os.cpu_count()} CPUs · Python {platform.python_version()} · load average "
        f"{load:.1f} at the end (other work on the machine skews the numbers) · "
        f"--max-query-length {args.max_length:,} · limits: operators {limits.max_operators}, "
        f"alternatives {limits.max_alternatives}, UNIONs {limits.max_unions}, "
        f"patterns {limits.max_patterns}",
        "",
        "Guard time: check_text (web process) + read_query (worker) + for text Oxigraph would "
        "call a syntax error, rdflib's position within its budget; best and worst of "
        f"{args.runs} runs. Engine: pyoxigraph on an empty store in a child process, exit code "
        "(0 ok, 3 syntax error, -11 SIGSEGV) and wall time, process start included; the "
        "endpoint stops a query at its timeout (30 s). Old guard: rdflib's parse, which every "
        f"query paid before issue 17 (stopped after {args.rdflib_budget:g} s).",
        "",
        "| query | bytes | guard verdict | guard ms (best) | guard ms (worst) | engine "
        "| old guard (rdflib parse) |",
        "| --- | ---: | --- | ---: | ---: | --- | --- |",
    ]
    footer = ["", f"Worst guard time of any query: {worst:.2f} s."]
    out = "\n".join(header + rows + footer) + "\n"
    print(footer[-1])
    (HERE / "results" / "guard.md").write_text(out, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A smoke run of the scale benchmark: every system, end to end, writes its tables and chart."""

from __future__ import annotations

import argparse
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.support import REPO, clean_env, needs_real_tree

from vetgraph.config import GRAPH_INFERRED, Settings
from vetgraph.store.oxigraph import MANIFEST_NAME

pytestmark = needs_real_tree

SYSTEMS = ["oxigraph", "memory", "rdflib-endpoint", "virtuoso"]
SUMMARY = ("| system | load triples/s | SHACL s | req/s 1 | req/s 2 | req/s 4 | req/s 8 "
           "| peak RSS MiB | B/triple |")
TARGETS = [
    "- Load ≥ 200,000 triples/s (vetgraph on Oxigraph, `build.load_store`): seed: ",
    "- Each named query through HTTP within 1.5× raw pyoxigraph (p50) at 5 "
    "(no 1,000-school set in this run) (each query timed raw and over HTTP alternately): ",
    "- Throughput ≥ 10× rdflib-endpoint (vetgraph on Oxigraph req/s ÷ rdflib-endpoint req/s, "
    "per client count): ",
    "- SHACL of the 1,000-school set within 60 s: not measured.",
    "- Memory per triple (largest size each system ran): oxigraph ",
    "",
    "### Issue 22",
    "",
    "- Per named query, cache off, vetgraph/Virtuoso HTTP p50 at 100 and 1,000 schools: "
    "geometric mean ≤ 0.8, none over 1.5×: ",
    "- Requests/s with 1, 2 and 4 clients, every system over the same query set (a timeout "
    "counted at 20 s), cache off, ≥ Virtuoso's: ",
    "- Every named query, cache off, HTTP p50 (paired where timed so) ≤ max(1.5 × raw "
    "pyoxigraph, raw + 3 ms) at 1,000 schools (no 1,000-school set: at 5): ",
    "- Warm answers (cache on, the same request repeated): server time p50 ≤ 1 ms "
    "(Server-Timing total), per named query: seed: ",
    "- data-quality-findings ≤ 50 ms at 1,000 schools, cache off: not measured at 1,000.",
    "- Load ≥ 90 % of raw pyoxigraph's bulk loader on the same data: seed: ",
    "- Validation of 1,000 schools ≤ 30 s: not measured; peak memory of validating 9,000 "
    "schools × 5 years ≤ 8 GB: not measured by this benchmark.",
]
SMOKE_QUERIES = ["designation-counts", "designations", "festival-activities", "schools"]


def test_scale_bench_smoke(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "scale_bench.py"), "--smoke", "--out",
         str(tmp_path)],
        env=clean_env(), capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = (tmp_path / "scale.md").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "scale.json").read_text(encoding="utf-8"))
    installed = {
        "oxigraph": True,
        "memory": True,
        "rdflib-endpoint": importlib.util.find_spec("rdflib_endpoint") is not None,
        "virtuoso": shutil.which("virtuoso-t") is not None,
    }
    served = [s for s in SYSTEMS if installed[s]]

    # one summary table per size, one row per system (or the reason it did not run)
    assert [r["size"] for r in data["results"]] == ["seed", "5"]
    for result in data["results"]:
        assert list(result["systems"]) == SYSTEMS
        assert f"## {result['size']}: {result['triples']:,} triples" in table
        for system in SYSTEMS:
            entry = result["systems"][system]
            if installed[system]:
                assert entry["load_rate"] > 0 and entry["peak_memory"] > 0, (system, entry)
                assert set(entry["rps"]) == {"1", "2", "4", "8"}
                assert f"| {system} | {entry['load_rate']:,.0f} |" in table
            else:
                assert "not installed" in entry["skipped"]
                assert f"| {system} | {entry['skipped']}" in table
        # the load's limit: pyoxigraph alone, one bulk load of the same data, with CPU times
        oxigraph = result["systems"]["oxigraph"]
        raw_load = oxigraph["raw_load"]
        assert raw_load["load_rate"] > 0 and raw_load["cpu_s"] > 0 and oxigraph["load_cpu_s"] > 0
        assert (
            f"- oxigraph: loaded in {oxigraph['load_s']:.1f} s on {oxigraph['load_cpu_s']:.1f} s "
            "of CPU; raw pyoxigraph (one bulk load of the same data as N-Quads, then optimized): "
            f"{raw_load['load_rate']:,.0f} triples/s"
        ) in table
        assert result["raw"]["schools"]["p50"] > 0
        # the ratio's HTTP side: the same query sent to vetgraph after each raw run
        assert result["raw"]["schools"]["http"]["p50"] > 0
        for system in served:
            entry = result["systems"][system]
            # every system's requests/s over the same mix: every named query
            assert entry["mix"] == SMOKE_QUERIES == list(entry["queries"]), system
            assert entry["at_timeout"] == sorted(
                n for n, q in entry["queries"].items() if "p50" not in q)
            if system in ("oxigraph", "memory"):  # cold, then warm with the server's time
                warm = entry["warm"]["queries"]
                assert list(warm) == SMOKE_QUERIES, system
                assert warm["schools"]["p50"] > 0 and warm["schools"]["server_p50"] > 0
                assert entry["queries"]["schools"]["server_p50"] > 0
    assert table.count(SUMMARY) == 2

    # per-query latency: raw p50/p95, HTTP p50/p95 per system served, Oxigraph's paired HTTP
    # p50 (sent after each raw run) and HTTP/raw, then vetgraph warm, then the ratio to Virtuoso
    head = ["query", "raw p50", "raw p95"]
    for system in served:
        head += [f"{system} p50", f"{system} p95"]
    head += ["oxigraph paired p50", "oxigraph HTTP/raw"]
    for system in ("oxigraph", "memory"):
        head += [f"{system} warm p50", f"{system} warm server p50"]
    if installed["virtuoso"]:
        head.append("oxigraph/virtuoso")
    assert table.count("\n| " + " | ".join(head) + " |\n") == 2
    if installed["virtuoso"]:
        for result in data["results"]:
            systems = result["systems"]
            ratio = systems["oxigraph"]["queries"]["schools"]["p50"] / systems["virtuoso"][
                "queries"]["schools"]["p50"]
            section = table.split(f"Latency per named query, {result['size']} ", 1)[1]
            row = section.split("\n| schools | ", 1)[1].split("\n", 1)[0]
            assert row.endswith(f" | {ratio:.2f} |"), row
        assert table.count("Geometric mean of oxigraph/virtuoso (HTTP p50, cache off) over the "
                           "4 queries both answered: ") == 2
    caches = data["results"][0]["systems"]["oxigraph"]["warm"]["cache"]
    assert ("warm equals cold until it lands" in table) == (not caches)
    assert "## Latency per named query, seed" in table and "## Latency per named query, 5" in table
    assert "\n| schools | " in table  # a named query's latency row

    # targets computed from the data
    targets = table.split("## Targets\n\n", 1)[1].splitlines()
    assert len(targets) >= len(TARGETS)
    for line, start in zip(targets, TARGETS, strict=False):
        assert line.startswith(start), (line, start)
    seed_load = data["results"][0]["systems"]["oxigraph"]
    per_cpu = data["results"][0]["triples"] / seed_load["raw_load"]["cpu_s"]
    verdict = "met" if seed_load["load_rate"] >= 200_000 else "**missed**"
    assert (
        f"seed: {seed_load['load_rate']:,.0f} ({verdict}; raw pyoxigraph "
        f"{seed_load['raw_load']['load_rate']:,.0f}: 200,000/s would keep "
        f"{200_000 / per_cpu:.1f} cores busy, this machine has {os.cpu_count()})"
    ) in targets[0]
    if installed["rdflib-endpoint"]:
        assert "seed: 1: " in targets[2] and "5: 1: " in targets[2]

    png = (tmp_path / "scale.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000

    # the same tables, targets and chart again from the JSON alone
    again = tmp_path / "again"
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "scale_bench.py"), "--from-json",
         str(tmp_path / "scale.json"), "--out", str(again)],
        env=clean_env(), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (again / "scale.md").read_text(encoding="utf-8") == table
    assert json.loads((again / "scale.json").read_text(encoding="utf-8")) == data
    assert (again / "scale.png").read_bytes().startswith(b"\x89PNG")


def test_raw_load_that_fails_leaves_vetgraphs_load(tmp_path: Path) -> None:
    """The raw load needs a second copy of the data (N-Quads, a store): when it cannot be
    made, the row keeps vetgraph's own load figures and says why the limit is missing."""
    sys.path.insert(0, str(REPO / "bench"))
    import scale_bench

    (tmp_path / "store-raw").write_text("a file where the raw store would go")
    result = scale_bench.load_oxigraph(Settings.load(root=str(REPO)), tmp_path / "store", None)
    error = result["raw_load"]["error"]
    assert error.startswith("OSError: ") and "is not a directory" in error
    assert result["load_rate"] > 0 and result["load_cpu_s"] > 0
    # the store served is the one a build makes: its inferences and aggregates derived, apart
    manifest = json.loads((tmp_path / "store" / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert result["derive_s"] > 0 and manifest["graphs"][GRAPH_INFERRED] > 2_000
    assert not (tmp_path / "store-raw.nq").exists()  # the N-Quads copy is removed
    assert scale_bench.load_limit(1, result["raw_load"]) == f"; raw pyoxigraph failed: {error}"


@pytest.fixture()
def stub_server() -> Iterator[tuple[int, list[str]]]:
    """A loopback HTTP/1.1 server: "/api/queries/slow" answers after 0.7 s, the others
    at once; yields its port and the paths it was asked."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (the http.server name)
            asked.append(self.path.split("?")[0])
            if self.path.startswith("/api/queries/slow"):
                time.sleep(0.7)
            body = b"{}"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:  # the client gave up at its timeout
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], asked
    server.shutdown()
    server.server_close()


def test_throughput_keeps_a_timeout_in_the_mix(stub_server: tuple[int, list[str]]) -> None:
    """A query that timed out alone is counted at the timeout, not sent; one that times out
    under load counts at the time it took: neither leaves the mix, so systems compare."""
    sys.path.insert(0, str(REPO / "bench"))
    import scale_bench

    port, asked = stub_server
    system = scale_bench.System("oxigraph", port, os.getpid(), lambda: None)
    mix = [scale_bench.Named(name, "", {}, {}) for name in ("quick", "late", "slow")]
    args = argparse.Namespace(seconds=0.1, query_timeout=0.5)
    started = time.monotonic()
    one = scale_bench.throughput(system, mix, 1, args, frozenset({"late"}))
    took = time.monotonic() - started
    # one whole round: quick, late (waited out: 0.5 s), slow (timed out: 0.5 s)
    assert asked == ["/api/queries/quick", "/api/queries/slow"]
    assert {k: v for k, v in one.items() if k != "rps"} == {
        "errors": 0, "timeouts": 1, "at_timeout": 1}
    assert 1.0 <= took < 2.0
    assert one["rps"] == pytest.approx(3 / took, rel=0.05)

    asked.clear()
    three = scale_bench.throughput(system, mix, 3, args, frozenset({"late"}))
    assert sorted(asked) == ["/api/queries/quick"] * 3 + ["/api/queries/slow"] * 3
    assert {k: v for k, v in three.items() if k != "rps"} == {
        "errors": 0, "timeouts": 3, "at_timeout": 3}


def test_issue_22_targets_from_the_json() -> None:
    """Each target of issue 22 met or missed with its numbers, from results as the JSON
    holds them; the sizes the targets ask for and the run lacks are named."""
    sys.path.insert(0, str(REPO / "bench"))
    import scale_bench

    ours = {"queries": {"a": {"p50": 0.004, "p95": 0.005, "n": 5},
                        "b": {"p50": 0.030, "p95": 0.031, "n": 5},
                        "c": {"timeout": True}},
            "rps": {1: 5.0, 2: 8.0, 4: 9.0, 8: 9.0}, "load_rate": 45_000.0,
            "raw_load": {"load_rate": 50_000.0, "load_s": 1.0, "cpu_s": 1.0},
            "warm": {"queries": {"a": {"p50": 0.002, "server_p50": 0.0008},
                                 "b": {"p50": 0.02, "server_p50": 0.015},
                                 "c": {"timeout": True, "at": "100"}}, "cache": []}}
    peer = {"queries": {"a": {"p50": 0.002}, "b": {"p50": 0.060}, "c": {"timeout": True}},
            "rps": {1: 6.0, 2: 7.0, 4: 9.0, 8: 9.5}}
    result = {"size": "100", "triples": 1000, "systems": {"oxigraph": ours, "virtuoso": peer},
              "raw": {"a": {"p50": 0.001, "http": {"p50": 0.0035}}, "b": {"p50": 0.025},
                      "c": {"timeout": True}}}
    assert scale_bench.peer_ratios(result) == {"a": pytest.approx(2.0), "b": pytest.approx(0.5)}
    lines = scale_bench.targets_22([result], argparse.Namespace(query_timeout=10.0))
    assert lines == [
        "### Issue 22",
        "",
        "- Per named query, cache off, vetgraph/Virtuoso HTTP p50 at 100 and 1,000 schools: "
        "geometric mean ≤ 0.8, none over 1.5×: 100: geometric mean 1.00 over the 2 queries "
        "both answered (**missed**), 1 over 1.5× (**missed**: a 2.0×); 1.00 over all 3, a "
        "timeout counted at 10 s; 1000: not in this run.",
        "- Requests/s with 1, 2 and 4 clients, every system over the same query set (a timeout "
        "counted at 10 s), cache off, ≥ Virtuoso's: 100: 1: 5.0 vs 6.0 (**missed**), 2: 8.0 vs "
        "7.0 (met), 4: 9.0 vs 9.0 (met); 1000: not in this run.",
        "- Every named query, cache off, HTTP p50 (paired where timed so) ≤ max(1.5 × raw "
        "pyoxigraph, raw + 3 ms) at 1,000 schools (no 1,000-school set: at 100): 2 of 3 met "
        "(**missed**); missed: c (raw > 10 s).",
        "- Warm answers (cache on, the same request repeated): server time p50 ≤ 1 ms "
        "(Server-Timing total), per named query: 100: 1 of 2 met (**missed**; median 0.8 ms, "
        "slowest b 15.0 ms) (no answer carried Cache-Status: this vetgraph has no answer cache "
        "yet, warm equals cold).",
        "- data-quality-findings ≤ 50 ms at 1,000 schools, cache off: not measured at 1,000.",
        "- Load ≥ 90 % of raw pyoxigraph's bulk loader on the same data: 100: 45,000 of 50,000 "
        "triples/s, 90% (met).",
        "- Validation of 1,000 schools ≤ 30 s: not measured; peak memory of validating 9,000 "
        "schools × 5 years ≤ 8 GB: not measured by this benchmark.",
    ]

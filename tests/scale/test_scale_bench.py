"""A smoke run of the scale benchmark: every system, end to end, writes its tables and chart."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers.support import REPO, clean_env, needs_real_tree

from vetgraph.config import Settings

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
]


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
    assert table.count(SUMMARY) == 2

    # per-query latency: raw p50/p95, HTTP p50/p95 per system served, Oxigraph's paired HTTP
    # p50 (sent after each raw run) and HTTP/raw
    head = ["query", "raw p50", "raw p95"]
    for system in served:
        head += [f"{system} p50", f"{system} p95"]
    head += ["oxigraph paired p50", "oxigraph HTTP/raw"]
    assert table.count("| " + " | ".join(head) + " |") == 2
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


def test_raw_load_that_fails_leaves_vetgraphs_load(tmp_path: Path) -> None:
    """The raw load needs a second copy of the data (N-Quads, a store): when it cannot be
    made, the row keeps vetgraph's own load figures and says why the limit is missing."""
    sys.path.insert(0, str(REPO / "bench"))
    import scale_bench

    (tmp_path / "store-raw").write_text("a file where the raw store would go")
    result = scale_bench.load_oxigraph(Settings.load(root=str(REPO)), tmp_path / "store")
    error = result["raw_load"]["error"]
    assert error.startswith("OSError: ") and "is not a directory" in error
    assert result["load_rate"] > 0 and result["load_cpu_s"] > 0
    assert not (tmp_path / "store-raw.nq").exists()  # the N-Quads copy is removed
    assert scale_bench.load_limit(1, result["raw_load"]) == f"; raw pyoxigraph failed: {error}"

"""How long ``vetgraph --version`` and ``--help`` take as whole processes, and what they import.

Usage: ``python bench/cli_start.py [--runs N]``. Runs each command N times after one warm-up,
prints min/median/max wall seconds and the modules of note each one loaded. A benchmark, not a
test: the figure goes to ``bench/results/cli-start.md``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = (["--version"], ["--help"], ["query", "--help"])
HEAVY = ("networkx", "rdflib", "pyoxigraph", "matplotlib", "pyshacl", "flask", "yaml")
PROBE = (
    "import sys\nfrom vetgraph import cli\ntry:\n    cli.main({argv!r})\nexcept SystemExit:\n"
    "    pass\nprint(','.join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)\n"
)


def wall_times(argv: list[str], runs: int) -> list[float]:
    command = [sys.executable, "-m", "vetgraph.cli", *argv]
    subprocess.run(command, capture_output=True, check=True)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return times


def heavy_modules(argv: list[str]) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)],
                          capture_output=True, text=True, check=True)
    return done.stderr.strip() or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print("| command | min s | median s | max s | heavy modules loaded |")
    print("| --- | --- | --- | --- | --- |")
    for argv in COMMANDS:
        times = wall_times(argv, args.runs)
        print(f"| `vetgraph {' '.join(argv)}` | {min(times):.3f} | "
              f"{statistics.median(times):.3f} | {max(times):.3f} | {heavy_modules(argv)} |")


if __name__ == "__main__":
    main()

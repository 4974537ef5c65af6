"""A smoke run of the scale benchmark: it runs end to end and writes its table and chart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import REPO, clean_env, needs_real_tree

pytestmark = needs_real_tree


def test_scale_bench_smoke(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "scale_bench.py"), "--smoke", "--out",
         str(tmp_path)],
        env=clean_env(), capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = (tmp_path / "scale.md").read_text(encoding="utf-8")
    assert "| seed |" in table and "| 5 |" in table
    assert "| schools |" in table  # a named query's latency row
    png = (tmp_path / "scale.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000

"""``vetgraph synth``: a synthetic data set (the seed data and N synthetic schools) for scale
tests; never written into the data folder."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..config import Settings
from .common import EXIT_INPUT, EXIT_OK, command, echo

# --- synth ------------------------------------------------------------------------------


@command("synth", [
    click.Option(["--schools"], type=int, required=True, metavar="N",
                 help="synthetic schools to generate"),
    click.Option(["--years"], type=int, default=1, metavar="N",
                 help="years of statistics (default 1)"),
    click.Option(["--seed"], type=int, default=0, metavar="N", help="random seed (default 0)"),
    click.Option(["--out"], required=True, metavar="DIR", help="folder to write (never data/ttl)"),
])
def synth(args: Any, settings: Settings) -> int:
    import time
    from pathlib import Path

    from ..synth import synthesize

    out = Path(args.out).absolute()
    if out.resolve() == settings.data_dir.resolve():
        print("vetgraph synth: refusing to write into the data folder", file=sys.stderr)
        return EXIT_INPUT
    started = time.perf_counter()
    result = synthesize(out, args.schools, args.years, args.seed, settings)
    echo(
        f"wrote {len(result.files)} files to {out} in {time.perf_counter() - started:.1f} s: "
        f"{result.schools} synthetic schools, years {result.years[0]}-{result.years[-1]}\n"
        f"build with: vetgraph build --data-dir {out} --store STORE\n"
    )
    return EXIT_OK

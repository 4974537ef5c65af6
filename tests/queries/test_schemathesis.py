"""The live API against its own OpenAPI document, with schemathesis (every check, few examples)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from helpers.support import clean_env

ST = shutil.which("st") or shutil.which("schemathesis")


@pytest.mark.slow
@pytest.mark.skipif(ST is None, reason="schemathesis is not installed (pip install .[test])")
def test_schemathesis_finds_no_failure(api, tmp_path):
    command = [
        ST,
        "run",
        api.url + "/api/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        "5",  # bounded: a 2-core CI box runs this in about a minute
        "--generation-deterministic",
        "--request-timeout",
        "60",
        "--workers",
        "2",
        "--no-color",
        # The findings query takes ~10 s here: the endpoint guard re-parses its 20 KB with
        # rdflib on every request. Correctness is checked; the bound is the query timeout.
        "--max-response-time",
        "30",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, env=clean_env(), timeout=900
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "selected" in done.stdout

"""A wheel carries ontology/, data/ and queries/ and finds them without a checkout."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers.support import REPO, clean_env


def _source_files() -> dict[str, set[str]]:
    return {
        folder: {
            f"vetgraph/_resources/{p.relative_to(REPO).as_posix()}"
            for p in (REPO / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts
        }
        for folder in ("ontology", "data", "queries")
    }


def _build_wheel(dist: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
         "-q", "-w", str(dist)],
        check=True, capture_output=True, timeout=300,
    )
    [wheel] = dist.glob("vetgraph-*.whl")
    return wheel


@pytest.mark.slow
def test_wheel_installs_with_its_dependencies_and_answers(tmp_path: Path):
    """The wheel and only its declared dependencies, in a clean virtualenv: the user's install."""
    wheel = _build_wheel(tmp_path / "dist")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=900)
    vetgraph = str(venv / "bin" / "vetgraph")
    env = clean_env()
    version = subprocess.run([vetgraph, "--version"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("vetgraph ")
    schools = subprocess.run([vetgraph, "query", "schools", "--format", "csv"], cwd=tmp_path,
                             env=env, capture_output=True, text=True, timeout=600)
    assert schools.returncode == 0, schools.stderr
    assert f"no store at {tmp_path / 'var' / 'store'}, building it" in schools.stderr
    names = {row["name"] for row in csv.DictReader(io.StringIO(schools.stdout))}
    assert names == {
        "本溪市卫生学校", "本溪市机电工程学校", "本溪市化学工业学校", "本溪市商贸服务学校",
        "本溪满族自治县中等职业技术教育中心", "桓仁满族自治县职业教育中心",
    }


@pytest.mark.slow
def test_wheel_ships_and_finds_the_sources(tmp_path: Path):
    dist, target = tmp_path / "dist", tmp_path / "site"
    before = _source_files()  # files may appear while the wheel builds (shared work tree)
    wheel = _build_wheel(dist)
    names = zipfile.ZipFile(wheel).namelist()
    after = _source_files()
    for folder in ("ontology", "data", "queries"):
        shipped = {n for n in names if n.startswith(f"vetgraph/_resources/{folder}/")}
        assert before[folder] <= shipped <= after[folder], folder
        assert shipped, folder
    assert "vetgraph/cli/main.py" in names and not any(n.startswith("tests/") for n in names)
    assert "vetgraph/web/static/network/explorer.js" in names

    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    probe = (
        "import json, vetgraph.config as c; s = c.Settings.load(); "
        "print(json.dumps([str(c.find_root()), str(s.data_dir), str(s.store_dir)]))"
    )
    env = clean_env(PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True).stdout
    root, data_dir, store_dir = json.loads(out)
    resources = target / "vetgraph" / "_resources"
    assert (root, data_dir) == (str(resources), str(resources / "data" / "ttl"))
    assert store_dir == str(tmp_path / "var" / "store")  # not inside site-packages

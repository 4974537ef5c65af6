"""Every third-party package that ``src/`` imports is a declared runtime dependency.

A test extra that pulls such a package in hides the gap from the rest of the suite, so a plain
``pip install`` then fails at import time (issue 16: PyYAML). This reads the imports with
``ast`` (module level and inside functions alike) and maps them to distributions.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_dependencies() -> set[str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {
        _normalise(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0])
        for spec in meta["dependencies"]
    }


def imported_modules() -> dict[str, Path]:
    """Top-level module names imported anywhere under src/, with one file importing each."""
    own = {p.name for p in SRC.iterdir() if p.is_dir()}
    found: dict[str, Path] = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in own or top == "__future__":
                    continue
                found.setdefault(top, path.relative_to(ROOT))
    return found


@pytest.mark.slow
def test_every_import_of_src_is_declared() -> None:
    declared = declared_dependencies()
    distributions = packages_distributions()
    problems = []
    for module, where in sorted(imported_modules().items()):
        dists = {_normalise(d) for d in distributions.get(module, [])}
        if not dists:
            problems.append(f"{where} imports {module!r}, which no installed distribution provides")
        elif not dists & declared:
            problems.append(
                f"{where} imports {module!r} but pyproject.toml's dependencies do not list "
                + " or ".join(sorted(dists))
            )
    assert problems == []


@pytest.mark.slow
def test_the_scan_sees_imports_inside_functions() -> None:
    # fontTools is imported inside a function of graphs/render.py only.
    assert "fontTools" in imported_modules()
    assert "yaml" in imported_modules()

"""The import rules of docs/architecture.md hold for every module under src/vetgraph (issue 21).

The table is read from the page itself, so the page and the code cannot disagree; imports are
read with ``ast``, lazy ones inside functions included."""

from __future__ import annotations

import ast
import re
import shutil
import sys
from pathlib import Path

import pytest
from helpers.support import REPO

SRC = REPO / "src" / "vetgraph"
PAGE = REPO / "docs" / "architecture.md"
#: Third-party packages that belong to one surface, and the units that may import them.
SURFACE_LIBRARIES = {"flask": {"web"}, "werkzeug": {"web"}, "waitress": {"web", "cli"}}


def _rules() -> dict[str, set[str] | None]:
    """Unit -> the units it may import (None: every one), from the page's table."""
    text = PAGE.read_text("utf-8")
    table = text.split("<!-- import-rules: begin -->")[1].split("<!-- import-rules: end -->")[0]
    rules: dict[str, set[str] | None] = {}
    for line in table.strip().splitlines()[2:]:
        unit, allowed = (cell.strip() for cell in line.strip().strip("|").split("|"))
        name = unit.strip("`")
        names = set(re.findall(r"`([\w.]+)`", allowed))
        rules[name] = None if allowed == "every package" else names
    return rules


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_package else parts), is_package


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the file, relative ones resolved."""
    module, is_package = _module_name(path)
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # ``from . import x`` may name a module: count both the package and the names
            found.append((node.lineno, target))
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def _unit(module: str, units: set[str]) -> str | None:
    """The row of the table a vetgraph module belongs to (the longest matching name)."""
    parts = module.split(".")[1:]
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in units:
            return ".".join(parts[:end])
    return None


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "static" not in p.parts)


def test_every_package_has_a_row() -> None:
    units = set(_rules())
    top = {p.stem if p.is_file() else p.name for p in SRC.iterdir()
           if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()}
    assert top - units == set(), "add the new package to docs/architecture.md"
    assert {u.split(".")[0] for u in units} - top == set(), "the page names a missing package"


def _violations() -> list[str]:
    rules = _rules()
    units = set(rules)
    bad: list[str] = []
    for path in _modules():
        module, _ = _module_name(path)
        here = "vetgraph" if module == "vetgraph" else _unit(module, units)
        assert here is not None, module
        allowed = rules.get(here, set())  # vetgraph/__init__.py: the version, nothing else
        where = f"src/{path.relative_to(SRC.parent)}"
        for line, target in _imports(path):
            top = target.split(".")[0]
            if top in SURFACE_LIBRARIES and here.split(".")[0] not in SURFACE_LIBRARIES[top]:
                bad.append(f"{where}:{line} imports {top} (only {sorted(SURFACE_LIBRARIES[top])})")
            if top != "vetgraph" or target in ("vetgraph", "vetgraph.__version__"):
                continue
            there = _unit(target, units)
            if there is None:  # ``from . import x`` where x is a name, not a module
                continue
            if there.split(".")[0] == here.split(".")[0] and there != "engine.lexer":
                continue
            if there == "engine.lexer" and here.startswith("engine"):
                continue
            if there.startswith("cli") and not here.startswith("cli"):
                bad.append(f"{where}:{line} imports {there}: nothing imports cli/")
            elif allowed is not None and there not in allowed:
                bad.append(f"{where}:{line} imports {there}: {here} may not import {there}")
    return sorted(set(bad))  # ``from x import a, b`` names x once per name


def test_imports_follow_the_rules() -> None:
    assert _violations() == []


def test_the_lexer_is_a_leaf() -> None:
    """Layers below the engine may use the lexer only because it needs nothing of vetgraph."""
    lexer = SRC / "engine" / "lexer.py"
    assert [t for _, t in _imports(lexer) if t.startswith("vetgraph")] == []


@pytest.mark.parametrize(("unit", "source", "expected"), [
    ("engine", "from flask import request\n", "imports flask"),
    ("shacl", "from ..web import linked\n", "shacl may not import web"),
    ("web", "from ..cli import main\n", "nothing imports cli/"),
    ("store", "from ..engine import executor\n", "store may not import engine"),
])
def test_a_forbidden_import_is_caught(tmp_path, monkeypatch, unit, source, expected) -> None:
    """The checker itself: a planted forbidden import in a copy of the tree is reported."""
    copy = tmp_path / "vetgraph"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("static", "__pycache__", "templates"))
    (copy / unit / "planted.py").write_text(source, "utf-8")
    monkeypatch.setattr(sys.modules[__name__], "SRC", copy)
    found = _violations()
    assert len(found) == 1 and expected in found[0], found

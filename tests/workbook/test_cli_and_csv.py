"""The commands are registered but load nothing at start; CSV folders are checked like
workbooks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.support import REAL_TREE_PRESENT, REPO, run_cli

pytestmark = pytest.mark.skipif(not REAL_TREE_PRESENT, reason="project sources not written yet")
FIXTURE = Path(__file__).parent / "fixtures" / "benxi-2025-synthetic"


def test_commands_are_listed_and_loaded_lazily():
    done = run_cli("--help")
    for name in ("template", "import", "import-table"):
        assert name in done.stdout
    probe = ("import sys, vetgraph.cli; "
             "print(sorted(m for m in sys.modules if m.startswith(('openpyxl', 'flask', "
             "'vetgraph.workbook'))))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"
    probe = ("import sys, vetgraph.workbook.steward, vetgraph.workbook.table; "
             "print('flask' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "sheets"
    shutil.copytree(FIXTURE, folder)
    return folder


def test_csv_from_an_older_template_is_refused(tmp_path):
    folder = _copy(tmp_path)
    (folder / "README.csv").write_text("template_version,0\n", encoding="utf-8-sig")
    done = run_cli("import", folder, "--out", tmp_path / "out", "--root", REPO)
    assert done.returncode == 2
    assert "template version 0" in done.stderr and not (tmp_path / "out").exists()


def test_csv_not_in_utf8_is_refused(tmp_path):
    folder = _copy(tmp_path)
    text = (folder / "statistics.csv").read_text(encoding="utf-8-sig")
    (folder / "statistics.csv").write_bytes(text.encode("gb18030"))
    done = run_cli("import", folder, "--out", tmp_path / "out", "--root", REPO)
    assert done.returncode == 2
    assert "statistics.csv: 不是 UTF-8 编码 / not UTF-8" in done.stderr


def test_csv_formula_and_unknown_unit_name_their_cells(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "statistics.csv"
    text = path.read_text(encoding="utf-8-sig")
    text = text.replace(",800,人,", ",=799+1,人,").replace(",2400,人,", ",2400,名,")
    path.write_text(text, encoding="utf-8-sig")
    done = run_cli("import", folder, "--out", tmp_path / "out", "--root", REPO)
    assert done.returncode == 1
    assert "statistics!I3: 单元格含公式 =799+1" in done.stderr
    assert "statistics!J5: 代码表 unit 中没有“名”" in done.stderr
    assert not (tmp_path / "out").exists()

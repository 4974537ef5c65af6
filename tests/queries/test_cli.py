"""``vetgraph query`` in a real process: names, files, stdin, formats, errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.queries import SCHOOLS, load_store, project_settings
from helpers.support import REPO, clean_env, run_cli

from vetgraph.cli.query import display_width, format_table


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("cli") / "store"
    load_store(project_settings(), target).close()
    return target


def query(store_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "vetgraph.cli",
        "query",
        "--root",
        str(REPO),
        "--store",
        str(store_dir),
        *args,
    ]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, env=clean_env(), timeout=120, cwd=REPO
    )


def test_display_width_aligns_chinese():
    assert display_width("本溪市") == 6 and display_width("abc") == 3
    assert display_width("“3+2”") == 5  # curly quotes are ambiguous-width: one column
    table = format_table(["名称", "n"], [["本溪市卫生学校", "1"], ["ab", "22"]])
    lines = table.splitlines()
    # The second column starts at display column 16 on every line (14 + two spaces).
    assert [
        display_width(line[: line.rindex(last)])
        for line, last in zip(lines, ["n", "--", "1", "22"], strict=True)
    ] == [16, 16, 16, 16]
    assert lines[1] == "-" * 14 + "  " + "--"


@pytest.mark.slow
def test_list(store_dir):
    done = query(store_dir, "--list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    names = [line.split()[0] for line in lines if not line.startswith(" ")]
    assert len(names) >= 25 and "school-profile" in names and "schools" in names
    # Fits a 100-column terminal: the summaries are wrapped by display width.
    assert max(display_width(line) for line in lines) <= 100
    start = lines.index(next(line for line in lines if line.startswith("change-table ")))
    assert lines[start].split() == ["change-table", "SELECT", "parameters:", "table,", "from,",
                                    "to"]
    assert lines[start + 1].startswith("    两年对比变化表")
    english = " ".join(line.strip() for line in lines[start + 2:start + 4])
    assert english.startswith("A change table between two years (e.g. 2023 → 2024)")


def test_table_is_aligned_by_display_width(store_dir):
    done = query(store_dir, "schools")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "(6 rows)"
    header = display_width(lines[0][: lines[0].index("name")])
    # Each row's school name starts at the display column of the header's "name".
    for line in lines[2:-1]:
        name = next(n for n in SCHOOLS.values() if n in line)
        assert display_width(line[: line.index(name)]) == header


@pytest.mark.slow
def test_formats_and_parameters(store_dir):
    done = query(
        store_dir, "school-indicators", "-p", "school=benxi-health-school", "--format", "csv"
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["schoolName"], r["students"], r["studentsPerTeacher"]) for r in rows] == [
        ("本溪市卫生学校", "2339", "19.49")
    ]
    tsv = query(store_dir, "patents", "--format", "tsv")
    assert tsv.stdout.splitlines()[0].startswith("?patentNumber\t?title")
    doc = json.loads(query(store_dir, "designation-counts", "--format", "json").stdout)
    assert {b["levelName"]["value"] for b in doc["results"]["bindings"]} >= {"国家级", "省级"}
    graph = query(store_dir, "cooperation-network-graph")
    assert graph.returncode == 0 and "wasAssociatedWith" in graph.stdout


@pytest.mark.slow
def test_file_and_stdin(store_dir, tmp_path):
    text = (
        "PREFIX vet: <https://w3id.org/vetgraph/ontology#>\n"
        "SELECT (COUNT(?s) AS ?n) WHERE { ?s a vet:School }\n"
    )
    path = tmp_path / "count.rq"
    path.write_text(text, encoding="utf-8")
    assert query(store_dir, str(path), "--format", "csv").stdout.splitlines() == ["n", "6"]
    assert query(store_dir, "-", "--format", "csv", stdin=text).stdout.splitlines() == ["n", "6"]


@pytest.mark.slow
def test_errors_name_the_parameter_or_line(store_dir, tmp_path):
    bad = query(store_dir, "change-table", "-p", "table=table-9-9")
    assert bad.returncode == 2
    assert "parameter 'table': 'table-9-9' is not one of table-1-3-3" in bad.stderr
    missing = query(store_dir, "school-profile")
    assert missing.returncode == 2 and "parameter 'school': is required" in missing.stderr
    unknown = query(store_dir, "school-profile", "-p", "school=no-such-school")
    assert "parameter 'school'" in unknown.stderr and "is not in the store" in unknown.stderr
    typo = query(store_dir, "schools", "-p", "kind=x")
    assert "parameter 'kind': is not a parameter of query 'schools'" in typo.stderr
    shape = query(store_dir, "schools", "-p", "type")
    assert "write parameters as name=value" in shape.stderr
    path = tmp_path / "broken.rq"
    path.write_text("SELECT ?s WHERE {\n  ?s ?p ?o ]\n}\n", encoding="utf-8")
    broken = query(store_dir, str(path))
    assert broken.returncode == 2 and f"{path}:2: SPARQL syntax error" in broken.stderr
    nothing = query(store_dir, "no-such-query")
    assert nothing.returncode == 2 and "no query named 'no-such-query'" in nothing.stderr


@pytest.mark.slow
def test_memory_backend_needs_no_build():
    done = run_cli(
        "query",
        "schools",
        "--root",
        REPO,
        "--backend",
        "memory",
        "--format",
        "csv",
        "-p",
        "type=vocational-high-school",
        env=clean_env(),
    )
    assert done.returncode == 0, done.stderr
    names = [row["name"] for row in csv.DictReader(io.StringIO(done.stdout))]
    assert sorted(names) == sorted(
        ["桓仁满族自治县职业教育中心", "本溪满族自治县中等职业技术教育中心", "本溪市商贸服务学校"]
    )

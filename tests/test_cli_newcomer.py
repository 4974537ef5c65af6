"""What a newcomer meets at the command line (issue 16): quick start, worded errors, help.

Each runs ``vetgraph`` in a real process, as a user would.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.support import REPO, clean_env, run_cli

from vetgraph.testing import free_port

HEAVY = ("networkx", "rdflib", "pyoxigraph", "matplotlib", "pyshacl", "flask", "yaml")


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["serve", "--help"],
                                  ["build", "--help"], ["validate", "--help"]])
def test_version_and_help_import_nothing_heavy(argv: list[str]) -> None:
    probe = (
        "import sys\n"
        "from vetgraph import cli\n"
        "try:\n"
        f"    cli.main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=clean_env(), cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


def test_version() -> None:
    from vetgraph import __version__

    done = run_cli("--version")
    assert (done.returncode, done.stdout) == (0, f"vetgraph {__version__}\n")


@pytest.mark.parametrize("port", ["99999", "0", "-1", "http"])
def test_serve_refuses_a_port_outside_1_to_65535(port: str) -> None:
    done = run_cli("serve", "--port", port)
    assert done.returncode == 2
    assert "Invalid value for '--port':" in done.stderr  # Click names the option
    assert ("use 1-65535" in done.stderr) or ("is not a port number" in done.stderr)


@pytest.mark.slow
def test_serve_names_an_address_in_use(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        done = run_cli("serve", "--backend", "memory", "--port", str(port), "--workers", "1",
                       timeout=180)
    assert done.returncode == 2, done.stderr
    assert f"vetgraph serve: cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "choose another port with --port" in done.stderr
    assert "Errno" not in done.stderr


@pytest.mark.slow
def test_query_names_a_missing_file(tmp_path: Path) -> None:
    done = run_cli("query", "nothere.rq", "--backend", "memory")
    assert done.returncode == 2
    assert done.stderr == "vetgraph query: nothere.rq: no such file\n"
    folder = run_cli("query", str(tmp_path), "--backend", "memory")
    assert folder.stderr == f"vetgraph query: {tmp_path}: is not a file\n"
    name = run_cli("query", "no-such-query", "--backend", "memory")
    assert "no query named 'no-such-query'" in name.stderr


@pytest.mark.slow
def test_every_store_reading_command_builds_a_missing_store(tmp_path: Path) -> None:
    """One behaviour for every command that reads the store: build it, say so, answer."""
    from helpers.support import FIXTURE_TREE

    store = tmp_path / "store"
    done = run_cli("query", "--root", FIXTURE_TREE, "--store", store, "--format", "csv", "-",
                   env=clean_env())
    # stdin is empty: the query fails, but only after the store was built
    assert f"vetgraph query: no store at {store}, building it" in done.stderr
    assert store.is_symlink()
    for command in (["export", "--format", "nt"], ["stats"]):
        other = tmp_path / f"store-{command[0]}"
        again = run_cli(*command, "--root", FIXTURE_TREE, "--store", other)
        assert again.returncode == 0, again.stderr
        assert f"vetgraph {command[0]}: no store at {other}, building it" in again.stderr


@pytest.mark.slow
def test_help_uses_plain_metavariables_and_remote_flags_only_where_they_apply() -> None:
    for command in ("validate", "build", "stats", "query", "serve", "graph", "export"):
        text = run_cli(command, "--help").stdout
        assert "SETTING_" not in text, command
        assert "--root DIR" in text and "--store DIR" in text
        assert "--query-timeout SECONDS" in text and "--max-rows N" in text
        assert ("--endpoint URL" in text) == (command in ("build", "serve")), command
    serve = run_cli("serve", "--help").stdout
    assert "--port PORT" in serve and "--workers N" in serve


@pytest.mark.slow
def test_graph_lists_its_formats_for_an_unknown_suffix(tmp_path: Path) -> None:
    done = run_cli("graph", "entity", "--out", tmp_path / "x.pdf", "--backend", "memory")
    assert done.returncode == 2
    assert "unknown format 'pdf'; the formats are html, png, svg, graphml, gexf, json" in (
        done.stderr
    ), done.stderr
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.slow
def test_query_list_needs_no_store(tmp_path: Path) -> None:
    store = tmp_path / "never"
    done = run_cli("query", "--list", "--store", store)
    assert done.returncode == 0 and not store.exists()
    assert json.dumps(done.stderr) == '""'

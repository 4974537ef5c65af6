"""Issue 21, items 3 and 4: one settings registry, one CLI on Click.

Every setting is described once (``vetgraph.config.REGISTRY``); the ``Settings`` dataclass, the
options of every command, ``docs/cli.md`` and the server's environment defaults come from it.
In-process through Click's ``CliRunner`` unless a fresh interpreter is the point.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.support import FIXTURE_TREE, REPO, clean_env, settings_for

from vetgraph.cli.docs import render
from vetgraph.cli.main import COMMANDS, HIDDEN, cli
from vetgraph.config import REGISTRY, SETTINGS_BY_NAME, Settings, read_setting

DOCS = REPO / "docs" / "cli.md"


def invoke(*args: str | Path, env: dict[str, str] | None = None):
    """Run the group in-process, with no VETGRAPH_* variable of the caller's environment."""
    unset: dict[str, str | None] = {s.env: None for s in REGISTRY if s.env}
    return CliRunner().invoke(cli, [str(a) for a in args], env={**unset, **(env or {})},
                              catch_exceptions=False)


# --- the registry ---------------------------------------------------------------------------


def test_every_settings_field_is_a_registry_entry_with_the_same_default() -> None:
    for field in dataclasses.fields(Settings):
        entry = SETTINGS_BY_NAME[field.name]
        assert entry.scope in ("settings", "remote"), field.name
        if field.default is not dataclasses.MISSING:
            assert field.default == entry.default, field.name
    fields = {f.name for f in dataclasses.fields(Settings)}
    assert {s.name for s in REGISTRY if s.scope != "serve"} == fields


def test_names_flags_and_variables_are_unique() -> None:
    for attribute in ("name", "flag", "env"):
        values = [getattr(s, attribute) for s in REGISTRY if getattr(s, attribute)]
        assert len(values) == len(set(values)), attribute
    assert all(s.env is None or s.env.startswith("VETGRAPH_") for s in REGISTRY)


def test_the_server_settings_once_read_from_os_environ_are_in_the_registry() -> None:
    env = {s.name: s.env for s in REGISTRY}
    assert env["worker_memory"] == "VETGRAPH_WORKER_MEMORY_MB"
    assert env["max_query_depth"] == "VETGRAPH_MAX_QUERY_DEPTH"
    assert env["queue_wait"] == "VETGRAPH_QUEUE_WAIT"
    assert env["update_token"] == "VETGRAPH_UPDATE_TOKEN"
    assert env["worker_netns"] == "VETGRAPH_WORKER_NETNS"
    assert env["allow_shared_network"] == "VETGRAPH_ALLOW_SHARED_NETWORK"
    web = (REPO / "src" / "vetgraph" / "web" / "__init__.py").read_text(encoding="utf-8")
    assert "os.environ" not in web


def test_read_setting_takes_the_value_then_the_environment_then_the_default() -> None:
    env = {"VETGRAPH_WORKER_MEMORY_MB": "512", "VETGRAPH_WORKER_NETNS": "0"}
    assert read_setting("worker_memory", 100, env) == 100
    assert read_setting("worker_memory", None, env) == 512
    assert read_setting("worker_memory", None, {}) == 2048
    assert read_setting("worker_netns", None, env) is False
    assert read_setting("worker_netns", None, {}) is True
    assert read_setting("queue_wait", None, {"VETGRAPH_QUEUE_WAIT": "0.5"}) == 0.5
    with pytest.raises(ValueError, match="VETGRAPH_MAX_QUERY_DEPTH: cannot read 'deep' as int"):
        read_setting("max_query_depth", None, {"VETGRAPH_MAX_QUERY_DEPTH": "deep"})
    with pytest.raises(ValueError, match="VETGRAPH_ALLOW_SHARED_NETWORK: give 0 or 1"):
        read_setting("allow_shared_network", None, {"VETGRAPH_ALLOW_SHARED_NETWORK": "yes"})


def test_settings_load_names_the_variable_from_the_registry() -> None:
    settings = Settings.load(env={"VETGRAPH_STORE": "/tmp/x-store", "VETGRAPH_MAX_ROWS": "7"},
                             root=FIXTURE_TREE)
    assert (settings.store_dir, settings.max_rows) == (Path("/tmp/x-store"), 7)
    with pytest.raises(ValueError, match="VETGRAPH_MAX_ROWS: must be positive"):
        Settings.load(env={"VETGRAPH_MAX_ROWS": "0"}, root=FIXTURE_TREE)


# --- every setting documented ---------------------------------------------------------------


def test_docs_cli_md_is_what_vetgraph_cli_docs_writes() -> None:
    assert DOCS.read_text(encoding="utf-8") == render(), "run `vetgraph cli-docs`"
    done = invoke("cli-docs", "--check", "--root", REPO)
    assert (done.exit_code, done.output) == (0, "")


def test_cli_docs_check_fails_on_a_stale_page(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "cli.md").write_text(render().replace("--max-rows", "--rows"))
    done = CliRunner().invoke(cli, ["cli-docs", "--check", "--root", str(tmp_path)])
    assert done.exit_code == 1
    assert f"{tmp_path / 'docs' / 'cli.md'} is stale; run `vetgraph cli-docs`" in done.stderr
    written = CliRunner().invoke(cli, ["cli-docs", "--root", str(tmp_path)])
    assert written.exit_code == 0
    assert (tmp_path / "docs" / "cli.md").read_text(encoding="utf-8") == render()


def test_every_setting_is_documented() -> None:
    pages = DOCS.read_text(encoding="utf-8") + (REPO / "docs" / "sparql.md").read_text(
        encoding="utf-8")
    for s in REGISTRY:
        assert f"| `{s.name}` |" in pages, s.name
        for word in (s.flag, s.env):
            if word:
                assert f"`{word}`" in pages, (s.name, word)


def test_every_limit_setting_is_in_the_service_description_and_on_the_home_page() -> None:
    """Each registry entry that is a limit reaches the service description with its value:
    give each a value no default has, then read them back from ``/sparql`` (Turtle); the home
    page names the option and variable of each."""
    from rdflib import Graph, URIRef

    from vetgraph.web import create_app

    settings = settings_for(FIXTURE_TREE).replace(
        query_timeout=17.5, max_query_length=50_001, max_body=50_002, max_rows=50_003,
        max_query_operators=50_004, max_query_alternatives=50_005, max_query_unions=50_006,
        max_query_patterns=50_007)
    app = create_app(settings, backend="memory", workers=2, max_query_depth=50_008,
                     worker_memory_mb=3001, reserved_workers=1, reserved_timeout=2.5,
                     max_client_queries=50_010, allow_shared_network=True)
    client = app.test_client()
    try:
        limits = app.extensions["vetgraph"].limits()
        response = client.get("/sparql", headers={"Accept": "text/turtle"})
        home = client.get("/", headers={"Accept": "application/json"}).get_json()
        page = client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    finally:
        app.extensions["vetgraph"].executor.close()
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    values = {str(o) for s, p, o in graph if isinstance(s, URIRef)}
    expected = {
        "query_timeout_seconds": "17.5", "max_query_length_bytes": "50001",
        "max_request_body_bytes": "50002", "max_result_rows": "50003",
        "max_query_operators": "50004", "max_query_alternatives": "50005",
        "max_query_unions": "50006", "max_query_patterns": "50007",
        "max_query_depth": "50008", "worker_memory_mb": "3001",
        "max_concurrent_queries": "2", "reserved_workers": "1",
        "reserved_timeout_seconds": "2.5", "max_client_queries": "50010",
        "worker_network": None, "updates_allowed": None,
    }
    assert {s.limit for s in REGISTRY if s.limit} == set(expected)
    for key, text in expected.items():
        assert key in limits, key
        if text is not None:
            assert str(limits[key]) == text, key
            assert text in values, key
    # the home page says how each limit is set, from the registry, and links the CLI's page
    assert set(home["limit_settings"]) == set(expected)
    assert home["limit_settings"]["max_result_rows"] == {
        "option": "--max-rows", "env": "VETGRAPH_MAX_ROWS",
        "help": "result rows (or triples) before truncation"}
    assert home["limit_settings"]["worker_memory_mb"]["env"] == "VETGRAPH_WORKER_MEMORY_MB"
    for s in REGISTRY:
        if s.limit:
            assert f'<code title="{s.help}">{s.flag}</code>' in page.replace("&#39;", "'"), s.name
    assert home["links"]["cli_documentation"] == "http://localhost/docs/cli"  # docs/cli.md


# --- the CLI on Click -----------------------------------------------------------------------


def test_help_lists_every_command_but_the_hidden_one() -> None:
    done = invoke("--help")
    assert done.exit_code == 0
    listed = [line.split()[0] for line in done.output.split("Commands:\n")[1].splitlines()
              if line.startswith("  ") and not line.startswith("   ")]
    assert listed == [name for name in COMMANDS if name not in HIDDEN]


def test_help_imports_no_command_module() -> None:
    """A fresh interpreter: ``--help`` lists the commands from their short help alone."""
    probe = (
        "import sys\nfrom vetgraph import cli\n"
        "code = cli.main(['--help'])\n"
        "print(code, sorted(m for m in sys.modules if m.startswith('vetgraph.cli.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=clean_env(), cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "0 ['vetgraph.cli.main']"


def test_a_command_imports_only_its_own_module() -> None:
    probe = (
        "import sys\nfrom vetgraph import cli\n"
        "code = cli.main(['validate', '--help'])\n"
        "print(code, sorted(m for m in sys.modules if m.startswith('vetgraph.cli.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=clean_env(), cwd=REPO, timeout=60)
    assert done.stdout.splitlines()[-1] == (
        "0 ['vetgraph.cli.common', 'vetgraph.cli.data', 'vetgraph.cli.main']")


def test_every_command_has_the_registry_options_and_its_short_help() -> None:
    shared = [s.flag for s in REGISTRY if s.scope == "settings" and s.flag]
    remote = [s.flag for s in REGISTRY if s.scope == "remote" and s.flag]
    serve = [s.flag for s in REGISTRY if s.scope == "serve" and s.flag]
    for name, (_, _, short) in COMMANDS.items():
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        flags = [flag for p in command.params for flag in getattr(p, "opts", [])]
        assert set(shared) <= set(flags), name
        assert (set(remote) <= set(flags)) == (name in ("build", "serve")), name
        assert bool(set(serve) & set(flags)) == (name == "serve"), name
        assert command.short_help == short and command.help.startswith(short), name


def test_a_flag_wins_over_the_environment_and_bad_values_exit_2(tmp_path: Path) -> None:
    store = tmp_path / "never"
    listed = invoke("query", "--list", "--store", store, env={"VETGRAPH_STORE": "/nonexistent"})
    assert listed.exit_code == 0 and "designation-counts" in listed.stdout
    assert not store.exists()
    bad = invoke("query", "--list", "--max-rows", "many")
    assert bad.exit_code == 2
    assert "Invalid value for '--max-rows': 'many' is not a valid integer" in bad.stderr
    zero = invoke("query", "--list", env={"VETGRAPH_MAX_ROWS": "0"})
    assert zero.exit_code == 2
    assert zero.stderr == "vetgraph: VETGRAPH_MAX_ROWS: must be positive, got '0'\n"


def test_validate_in_process_exit_codes() -> None:
    done = invoke("validate", "--root", FIXTURE_TREE, "--format", "json")
    assert done.exit_code == 0, done.output
    unknown = invoke("validate", "--format", "yaml")
    assert unknown.exit_code == 2
    assert "Invalid value for '--format': 'yaml' is not one of 'text', 'json', 'ttl'" in (
        unknown.stderr)

"""What every command module shares: exit codes, printing, and the Click options and command
wrapper that give each command the settings of :data:`vetgraph.config.REGISTRY`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

from ..config import REGISTRY, Setting, Settings

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT = 0, 1, 2

#: A command's body: its own options as attributes of ``args``, the resolved settings.
Run = Callable[[Any, Settings], int]


def echo(text: str) -> None:
    """Write and flush at once, so a pipe sees each part as soon as it is done."""
    sys.stdout.write(text)
    sys.stdout.flush()


def setting_help(setting: Setting) -> str:
    """A setting's help with its default and environment variable, as --help and docs say it."""
    text = setting.help
    if setting.default is not None and setting.type is not bool:
        text += f" (default {setting.default:g})" if isinstance(setting.default, float) else (
            f" (default {setting.default})")
    if setting.env:
        text += f"; env {setting.env}" + ("=1" if setting.type is bool else "")
    return text


def setting_option(setting: Setting) -> click.Option:
    """The Click option of a registry entry. Its value is None when the flag is not given, so
    the environment (read by :meth:`Settings.load` or :func:`config.read_setting`) and then the
    registry's default decide."""
    assert setting.flag, setting.name
    if setting.type is bool:
        return click.Option([setting.flag, setting.name], is_flag=True, flag_value=True,
                            default=None, help=setting_help(setting))
    kind: Any = str if setting.type is Path else setting.type
    return click.Option([setting.flag, setting.name], type=kind, default=None,
                        metavar=setting.metavar, help=setting_help(setting))


def setting_options(*scopes: str) -> list[click.Option]:
    """The options of every registry entry with a flag in ``scopes``, in registry order."""
    return [setting_option(s) for s in REGISTRY if s.scope in scopes and s.flag]


def ensure_store(settings: Settings, name: str) -> int | None:
    """Build the store if there is none; an exit code when that was refused, else None.

    Every command that reads the built store does this (as ``serve`` always did), saying so on
    standard error, so a first ``vetgraph query`` works on a fresh checkout.
    """
    if settings.store_dir.exists():
        return None
    from ..build import BuildRefused, build_store
    from ..shacl.report import format_text

    print(f"vetgraph {name}: no store at {settings.store_dir}, building it", file=sys.stderr)
    try:
        outcome = build_store(settings)
    except BuildRefused as refused:
        print(format_text(refused.report), file=sys.stderr, end="")
        doing = "serving" if name == "serve" else f"running {name}"
        print(f"vetgraph {name}: build refused, not {doing}", file=sys.stderr)
        return EXIT_VIOLATIONS
    print(
        f"vetgraph {name}: built version {outcome.manifest['version']}, "
        f"{outcome.manifest['triples']} triples",
        file=sys.stderr,
    )
    return None


def _settings_names(scopes: Iterable[str]) -> list[str]:
    return [s.name for s in REGISTRY if s.scope in scopes and s.flag]


def run_with_settings(name: str, run: Run, values: dict[str, Any], *, reads_store: bool,
                      remote: bool) -> int:
    """Resolve the settings, build a missing store if the command reads it, run, and turn the
    errors a user can cause into a worded message and exit 2."""
    from ..build import BuildError
    from ..dataset import SourceError
    from ..shacl.validate import ShapesError
    from ..store.base import StoreError

    fields = _settings_names(("settings", "remote") if remote else ("settings",))
    overrides = {field: values.pop(field) for field in fields}
    args = SimpleNamespace(**values)
    try:
        settings = Settings.load(**overrides)
        listing = getattr(args, "list", False)  # `query --list`, `graph --list` need no store
        if reads_store and not listing and getattr(args, "backend", "oxigraph") == "oxigraph":
            refused = ensure_store(settings, name)
            if refused is not None:
                return refused
        return run(args, settings)
    except (SourceError, ShapesError, StoreError, BuildError, OSError, ValueError) as exc:
        print(f"{exc}" if isinstance(exc, SourceError) else f"vetgraph: {exc}", file=sys.stderr)
        return EXIT_INPUT


def command(name: str, params: list[click.Parameter] | None = None, *, more: str = "",
            reads_store: bool = False, remote: bool = False,
            ) -> Callable[[Run], click.Command]:
    """Make ``run(args, settings) -> exit code`` the Click command ``name``, with its own
    ``params`` followed by the settings options (and the remote store's, if ``remote``).

    Its help is its line in :data:`.main.COMMANDS` (what ``vetgraph --help`` shows without
    importing the command), then ``more``.
    """
    from .main import COMMANDS

    short = COMMANDS[name][2]

    def make(run: Run) -> click.Command:
        def callback(**values: Any) -> None:
            # An exit, not a return value: Click keeps it whether or not it runs standalone.
            code = run_with_settings(name, run, values, reads_store=reads_store, remote=remote)
            raise click.exceptions.Exit(code)

        scopes = ("settings", "remote") if remote else ("settings",)
        return click.Command(name, callback=callback, short_help=short,
                             help=short + (f"\n\n{more}" if more else ""),
                             params=[*(params or []), *setting_options(*scopes)])

    return make

"""``vetgraph serve``: the web app on waitress (a production WSGI server, never Flask's own).

On first start with no store it builds one (``cli.ensure_store``), through the same
validation gate as ``vetgraph build``. ``--workers`` is the number of query worker processes,
which is also the bound on queries evaluated at once; waitress gets a few more threads than
that so the home page and static files stay quick while every worker is busy.
"""

from __future__ import annotations

import logging
import signal
import sys
from typing import Any

import click

from ..config import REGISTRY, Settings, read_setting
from .common import EXIT_INPUT, EXIT_OK, command, setting_option


class PortNumber(click.ParamType):
    """A TCP port, 1-65535 (the OS would silently take 99999 mod 65536)."""

    name = "port"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> int:
        try:
            port = int(value)
        except ValueError:
            self.fail(f"{value!r} is not a port number", param, ctx)
        if not 1 <= port <= 65535:
            self.fail(f"{port} is not a port: use 1-65535", param, ctx)
        return port


def _serve_options() -> list[click.Parameter]:
    """``--backend`` and the options of the registry's ``serve`` settings (--port checked)."""
    options: list[click.Parameter] = [click.Option(
        ["--backend"], type=click.Choice(["oxigraph", "memory", "remote"]), default="oxigraph",
        help="oxigraph (the built store), memory (rdflib's engine, for comparison) or remote "
        "(a SPARQL 1.1 store at --endpoint, loaded by `vetgraph build --backend remote`)",
    )]
    for setting in REGISTRY:
        if setting.scope == "serve" and setting.flag:
            option = setting_option(setting)
            if setting.name == "port":
                option.type = PortNumber()
            options.append(option)
    return options


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(0)  # unwinds waitress, then atexit stops the query workers


@command("serve", _serve_options(), reads_store=True, remote=True)
def serve(args: Any, settings: Settings) -> int:
    """Build if needed, create the app, serve until stopped; each server setting is the
    option, else its environment variable, else the registry's default."""
    import waitress

    from ..web import create_app

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    def value(name: str) -> Any:
        return read_setting(name, getattr(args, name))

    try:
        host, port, threads = value("host"), value("port"), value("threads")
        app = create_app(
            settings,
            backend=args.backend,
            workers=value("workers"),
            allow_update=value("allow_update"),
            update_token=value("update_token"),
            max_query_depth=value("max_query_depth"),
            queue_wait=value("queue_wait"),
            worker_memory_mb=value("worker_memory"),
            reserved_workers=value("reserved_workers"),
            reserved_timeout=value("reserved_timeout"),
            local_query_ms=value("local_query_ms"),
            max_client_queries=value("max_client_queries"),
            snapshot_threshold=value("snapshot_threshold"),
            keep_snapshots=value("keep_snapshots"),
            update_timeout=value("update_timeout"),
            allow_shared_network=value("allow_shared_network"),
        )
    except (ValueError, FileNotFoundError) as error:
        print(f"vetgraph serve: {error}", file=sys.stderr)
        return EXIT_INPUT
    workers = app.extensions["vetgraph"].executor.size
    try:
        server = waitress.create_server(
            app,
            host=host,
            port=port,
            threads=threads or workers + 4,
            max_request_body_size=2 * settings.max_body,  # Flask answers 413 in words first
            ident="vetgraph",
            clear_untrusted_proxy_headers=True,
        )
    except OSError as error:
        print(f"vetgraph serve: cannot listen on {host}:{port}: "
              f"{error.strerror or error}; choose another port with --port", file=sys.stderr)
        return EXIT_INPUT
    signal.signal(signal.SIGTERM, _stop)
    server.print_listen("Serving on http://{}:{}")
    server.run()
    return EXIT_OK

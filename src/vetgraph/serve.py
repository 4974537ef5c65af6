"""``vetgraph serve``: the web app on waitress (a production WSGI server, never Flask's own).

On first start with no store it builds one, through the same validation gate as
``vetgraph build``. ``--workers`` is the number of query worker processes, which is also the
bound on queries evaluated at once; waitress gets a few more threads than that so the home
page and static files stay quick while every worker is busy.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from typing import Any

from .config import Settings

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``vetgraph serve`` (the settings flags such as --store come from cli)."""
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="query worker processes = concurrent queries (default --max-concurrent-queries)",
    )
    parser.add_argument(
        "--backend",
        choices=["oxigraph", "memory", "remote"],
        default="oxigraph",
        help="oxigraph (the built store), memory (rdflib's engine, for comparison) or remote "
        "(a SPARQL 1.1 store at --endpoint, loaded by `vetgraph build --backend remote`)",
    )
    parser.add_argument(
        "--allow-update",
        action="store_true",
        help="accept SPARQL Update from clients that send the bearer token",
    )
    parser.add_argument(
        "--update-token", default=None, help="bearer token for updates; env VETGRAPH_UPDATE_TOKEN"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="waitress threads (default workers + 4)"
    )
    parser.add_argument(
        "--queue-wait",
        type=float,
        default=2.0,
        help="seconds a query waits for a free worker before 503 + Retry-After (default 2)",
    )
    parser.add_argument(
        "--worker-memory",
        type=int,
        default=None,
        metavar="MIB",
        help="memory cap of each query worker in MiB (default 2048, 0: none); "
        "env VETGRAPH_WORKER_MEMORY_MB",
    )
    parser.add_argument(
        "--max-query-depth",
        type=int,
        default=None,
        help="bracket nesting a query may use (default 64); env VETGRAPH_MAX_QUERY_DEPTH",
    )
    parser.add_argument(
        "--allow-shared-network",
        action="store_true",
        default=None,
        help="serve even where query workers cannot get a network namespace of their own "
        "(the query guard alone then stops SERVICE and LOAD); env VETGRAPH_ALLOW_SHARED_NETWORK=1",
    )


def ensure_store(settings: Settings) -> int | None:
    """Build the store if there is none; an exit code when that was refused, else None."""
    if settings.store_dir.exists():
        return None
    from .build import BuildRefused, build_store
    from .validate import format_text

    print(f"vetgraph serve: no store at {settings.store_dir}, building it", file=sys.stderr)
    try:
        outcome = build_store(settings)
    except BuildRefused as refused:
        print(format_text(refused.report), file=sys.stderr, end="")
        print("vetgraph serve: build refused, not serving", file=sys.stderr)
        return EXIT_VIOLATIONS
    print(
        f"vetgraph serve: built version {outcome.manifest['version']}, "
        f"{outcome.manifest['triples']} triples",
        file=sys.stderr,
    )
    return None


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(0)  # unwinds waitress, then atexit stops the query workers


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Build if needed, create the app, serve until stopped."""
    import waitress

    from .web import create_app

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.backend == "oxigraph":
        refused = ensure_store(settings)
        if refused is not None:
            return refused
    try:
        app = create_app(
            settings,
            backend=args.backend,
            workers=args.workers,
            allow_update=args.allow_update,
            update_token=args.update_token,
            max_query_depth=args.max_query_depth,
            queue_wait=args.queue_wait,
            worker_memory_mb=args.worker_memory,
            allow_shared_network=args.allow_shared_network,
        )
    except (ValueError, FileNotFoundError) as error:
        print(f"vetgraph serve: {error}", file=sys.stderr)
        return EXIT_INPUT
    workers = app.extensions["vetgraph"].executor.size
    signal.signal(signal.SIGTERM, _stop)
    waitress.serve(
        app,
        host=args.host,
        port=args.port,
        threads=args.threads or workers + 4,
        max_request_body_size=2 * settings.max_body,  # Flask answers 413 in words first
        ident="vetgraph",
        clear_untrusted_proxy_headers=True,
    )
    return EXIT_OK

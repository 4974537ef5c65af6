"""``vetgraph serve``: the web app on waitress (a production WSGI server, never Flask's own).

On first start with no store it builds one (``cli.ensure_store``), through the same
validation gate as ``vetgraph build``. ``--workers`` is the number of query worker processes,
which is also the bound on queries evaluated at once; waitress gets a few more threads than
that so the home page and static files stay quick while every worker is busy.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from typing import Any

from ..config import Settings

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT = 0, 1, 2


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 1-65535 (the OS would silently take 99999 mod 65536)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 1-65535")
    return port


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``vetgraph serve`` (the settings flags such as --store come from cli)."""
    parser.add_argument("--host", default="127.0.0.1", metavar="ADDRESS",
                        help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=8000, metavar="PORT",
                        help="TCP port, 1-65535 (default 8000)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
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
        "--update-token", default=None, metavar="TOKEN",
        help="bearer token for updates; env VETGRAPH_UPDATE_TOKEN",
    )
    parser.add_argument(
        "--threads", type=int, default=None, metavar="N",
        help="waitress threads (default workers + 4)",
    )
    parser.add_argument(
        "--queue-wait",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="seconds a query waits for a free worker before 503 + Retry-After (default 2)",
    )
    parser.add_argument(
        "--reserved-workers",
        type=int,
        default=None,
        metavar="N",
        help="workers kept for queries not seen to run long, so cheap requests are served "
        "while slow ones hold the others (default 1 when --workers is 2 or more)",
    )
    parser.add_argument(
        "--reserved-timeout",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="the longest a query may run on a reserved worker (default 1)",
    )
    parser.add_argument(
        "--max-client-queries",
        type=int,
        default=0,
        metavar="N",
        help="queries one client address may run at once; past it 429 + Retry-After "
        "(default 0: no limit; clients behind one proxy share an address)",
    )
    parser.add_argument(
        "--snapshot-threshold",
        type=int,
        default=1000,
        metavar="TRIPLES",
        help="with --allow-update: snapshot the store before an update that removes this many "
        "triples or empties a graph (default 1000); `vetgraph restore` puts one back",
    )
    parser.add_argument(
        "--update-timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="with --allow-update: the longest an update may take, the validation of its "
        "result included (default 120; the seed takes a few seconds)",
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
        metavar="N",
        help="bracket nesting a query may use (default 64); env VETGRAPH_MAX_QUERY_DEPTH",
    )
    parser.add_argument(
        "--allow-shared-network",
        action="store_true",
        default=None,
        help="serve even where query workers cannot get a network namespace of their own "
        "(the query guard alone then stops SERVICE and LOAD); env VETGRAPH_ALLOW_SHARED_NETWORK=1",
    )


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(0)  # unwinds waitress, then atexit stops the query workers


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Build if needed, create the app, serve until stopped."""
    import waitress

    from ..web import create_app

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
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
            reserved_workers=args.reserved_workers,
            reserved_timeout=args.reserved_timeout,
            max_client_queries=args.max_client_queries,
            snapshot_threshold=args.snapshot_threshold,
            update_timeout=args.update_timeout,
            allow_shared_network=args.allow_shared_network,
        )
    except (ValueError, FileNotFoundError) as error:
        print(f"vetgraph serve: {error}", file=sys.stderr)
        return EXIT_INPUT
    workers = app.extensions["vetgraph"].executor.size
    try:
        server = waitress.create_server(
            app,
            host=args.host,
            port=args.port,
            threads=args.threads or workers + 4,
            max_request_body_size=2 * settings.max_body,  # Flask answers 413 in words first
            ident="vetgraph",
            clear_untrusted_proxy_headers=True,
        )
    except OSError as error:
        print(f"vetgraph serve: cannot listen on {args.host}:{args.port}: "
              f"{error.strerror or error}; choose another port with --port", file=sys.stderr)
        return EXIT_INPUT
    signal.signal(signal.SIGTERM, _stop)
    server.print_listen("Serving on http://{}:{}")
    server.run()
    return EXIT_OK

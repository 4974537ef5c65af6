"""The web application: ``create_app(...)`` wires settings, the query executor and blueprints.

One blueprint per surface (home page, SPARQL endpoint, ...); the HTTP manners every surface
shares (CORS, gzip, request log, JSON/text errors) are app-wide hooks in :mod:`.manners`, built on
:mod:`.http` (negotiation, conditional requests, compression, :class:`~.http.HttpError`).
"""

from __future__ import annotations

import atexit
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from ..config import Settings, read_setting, setting_default
from ..dataset import canonical_prefixes
from ..engine.executor import QueryExecutor, WorkerSpec

#: Brackets a query may nest and a query worker's memory cap in MiB (the settings registry).
DEFAULT_MAX_QUERY_DEPTH: int = setting_default("max_query_depth")
DEFAULT_WORKER_MEMORY_MB: int = setting_default("worker_memory")


@dataclass
class WebState:
    """Everything a request needs beyond Flask's own config, kept on ``app.extensions``."""

    settings: Settings
    executor: QueryExecutor
    backend: str
    dataset_version: str
    manifest: dict[str, Any] = field(default_factory=dict)
    max_query_depth: int = DEFAULT_MAX_QUERY_DEPTH
    cache_max_age: int = 300
    allow_update: bool = False
    update_token: str | None = None
    prefixes: dict[str, str] = field(default_factory=dict)
    store_dir: Path | None = None  # the build served (oxigraph)
    max_client_queries: int = 0  # queries one client address may run at once; 0: no limit
    #: Seconds an update may take, its validation included (vetgraph.updates).
    update_timeout: float = 120.0
    #: How query workers reach the network: a key of :data:`NETWORK_MODES`.
    worker_network: str = "isolated"

    def adopt(self, store_dir: Path | None) -> None:
        """Take over the facts of the build the query pool now serves (after a switch)."""
        if store_dir is None:
            return
        manifest = _store_manifest(store_dir)
        self.manifest = manifest
        self.dataset_version = manifest.get("version") or "unversioned"
        self.prefixes = manifest.get("prefixes") or self.prefixes
        self.store_dir = store_dir

    @property
    def version(self) -> str:
        """What ETags are keyed by: the dataset version, which every accepted update replaces
        with a new one kept in the manifest (so it survives a restart; see vetgraph.updates)."""
        return self.dataset_version

    def limits(self) -> dict[str, Any]:
        """The limits the endpoint keeps, as reported by the service description and home."""
        s = self.settings
        return {
            "query_timeout_seconds": s.query_timeout,
            "max_query_length_bytes": s.max_query_length,
            "max_query_depth": self.max_query_depth,
            "max_query_operators": s.max_query_operators,
            "max_query_alternatives": s.max_query_alternatives,
            "max_query_unions": s.max_query_unions,
            "max_query_patterns": s.max_query_patterns,
            "max_request_body_bytes": s.max_body,
            "max_result_rows": s.max_rows,
            "max_concurrent_queries": self.executor.size,
            "reserved_workers": self.executor.reserved,
            "reserved_timeout_seconds": self.executor.reserved_timeout,
            "max_client_queries": self.max_client_queries,
            "worker_memory_mb": (self.executor.spec.memory_limit or 0) >> 20,
            "updates_allowed": self.allow_update,
            "worker_network": self.worker_network,
        }


def state() -> WebState:
    """The :class:`WebState` of the current app."""
    return current_app.extensions["vetgraph"]


def _store_manifest(store_dir: Path) -> dict[str, Any]:
    from ..store.oxigraph import read_manifest

    return read_manifest(os.path.realpath(store_dir)) or {}


_PREFIX_LINE = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*<([^>\s]*)>", re.M | re.I)


def source_prefixes(settings: Settings) -> dict[str, str]:
    """Prefixes declared by the Turtle sources, one per namespace (see canonical_prefixes)."""
    found: list[tuple[str, str]] = []
    paths = [settings.ontology_file]
    for folder in (settings.codes_dir, settings.data_dir):
        paths += sorted(folder.glob("*.ttl")) if folder.is_dir() else []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        found += _PREFIX_LINE.findall(text)
    return canonical_prefixes(found)


def _remote_version(settings: Settings) -> str:
    """A version for ETags over a remote store: its endpoint and the size of each graph."""
    import hashlib

    from ..store import open_store

    store = open_store(settings, "remote")
    sizes = {name: store.triple_count(name) for name in store.graph_names()}
    if not sizes:
        raise ValueError(
            f"the remote store at {settings.remote_endpoint} holds none of the dataset's "
            "graphs: run `vetgraph build --backend remote` first"
        )
    key = f"{settings.remote_endpoint}\0{sorted(sizes.items())}"
    return "remote-" + hashlib.sha256(key.encode()).hexdigest()[:12]


#: What each worker network mode means, for the home page and the service description.
NETWORK_MODES = {
    "isolated": "each query worker runs in a network namespace of its own (no network)",
    "shared": "query workers share the host network (accepted with --allow-shared-network): "
    "the query guard alone stops SERVICE and LOAD",
    "host": "query workers keep the host network to reach the remote store: the query guard "
    "alone stops SERVICE and LOAD",
}


class NetworkIsolationError(ValueError):
    """Query workers could not leave the host network and nobody accepted that."""


def create_app(
    settings: Settings | None = None,
    *,
    backend: str = "oxigraph",
    workers: int | None = None,
    allow_update: bool = False,
    update_token: str | None = None,
    max_query_depth: int | None = None,
    cache_max_age: int = 300,
    queue_wait: float = 2.0,
    worker_memory_mb: int | None = None,
    reserved_workers: int | None = None,
    reserved_timeout: float = 1.0,
    local_query_ms: float | None = None,
    max_client_queries: int = 0,
    snapshot_threshold: int = setting_default("snapshot_threshold"),
    keep_snapshots: int = setting_default("keep_snapshots"),
    update_timeout: float = 120.0,
    allow_shared_network: bool | None = None,
) -> Flask:
    """Build the app and start its query workers (which open the built store read-only).

    ``workers`` defaults to ``settings.max_concurrent_queries``; it is the number of worker
    processes and so the bound on queries evaluated at once; ``reserved_workers`` of them
    (default 1 when there are two or more) serve only queries not seen to run longer than
    ``reserved_timeout`` seconds (see :mod:`vetgraph.engine.executor`). The app's own
    queries that a worker answered within ``local_query_ms`` are answered in this process
    afterwards (:meth:`~vetgraph.engine.executor.QueryExecutor.query`). Updates need
    ``allow_update`` and a bearer ``update_token`` (or ``VETGRAPH_UPDATE_TOKEN``), and the
    oxigraph backend.

    Workers of the oxigraph and memory backends must leave the host network (a namespace each):
    where they cannot (no unshare, as under Docker's default seccomp profile) the app refuses to
    start (:class:`NetworkIsolationError`) unless ``allow_shared_network`` (or
    ``VETGRAPH_ALLOW_SHARED_NETWORK=1``, or ``VETGRAPH_WORKER_NETNS=0``) accepts it.
    """
    settings = settings or Settings.load()
    update_token = read_setting("update_token", update_token or None)
    if allow_update and not update_token:
        raise ValueError("--allow-update needs a token (--update-token or VETGRAPH_UPDATE_TOKEN)")
    if allow_update and backend != "oxigraph":
        raise ValueError("--allow-update works with the oxigraph backend only")
    worker_memory_mb = read_setting("worker_memory", worker_memory_mb)
    max_query_depth = read_setting("max_query_depth", max_query_depth)

    if backend == "oxigraph":
        # Pin the build that is current now: a later `vetgraph build` switches the symlink, and
        # replacement workers must keep serving the version this process announces.
        store_dir = Path(os.path.realpath(settings.store_dir))
        if not store_dir.is_dir():
            raise FileNotFoundError(f"no store at {settings.store_dir}: run `vetgraph build`")
        manifest = _store_manifest(store_dir)
        version = manifest.get("version") or "unversioned"
    elif backend == "remote":
        store_dir, manifest = None, {}
        version = _remote_version(settings)
    else:
        from ..dataset import dataset_version

        store_dir, manifest = None, {}
        version = dataset_version(settings)

    # VETGRAPH_WORKER_NETNS=0 keeps workers in the host network (see executor.isolate_network)
    # The remote backend's workers talk to the store over the network: they keep it.
    netns_off = not read_setting("worker_netns")
    allow_shared_network = read_setting("allow_shared_network", allow_shared_network)
    spec = WorkerSpec(
        backend,
        store_dir,
        settings,
        read_only=True,
        memory_limit=worker_memory_mb << 20 or None,
        isolate_network=backend != "remote" and not netns_off,
        snapshot_threshold=snapshot_threshold,
        keep_snapshots=keep_snapshots,
    )
    executor = QueryExecutor(
        spec,
        workers=workers or settings.max_concurrent_queries,
        timeout=settings.query_timeout,
        queue_wait=queue_wait,
        store_link=Path(settings.store_dir).absolute() if backend == "oxigraph" else None,
        reserved=1 if reserved_workers is None else reserved_workers,
        reserved_timeout=reserved_timeout,
        local_max=read_setting("local_query_ms", local_query_ms) / 1000,
    ).start()
    if backend == "remote":
        worker_network = "host"
    elif executor.network_isolated:
        worker_network = "isolated"
    elif allow_shared_network or netns_off:
        worker_network = "shared"
    else:
        executor.close()
        raise NetworkIsolationError(
            "query workers cannot leave the host network here (unshare is not permitted, as "
            "under Docker's default seccomp profile); a SERVICE or LOAD the query guard missed "
            "would reach the network. Allow unshare (or run as root), or accept serving with "
            "the guard alone: --allow-shared-network (VETGRAPH_ALLOW_SHARED_NETWORK=1)"
        )
    atexit.register(executor.close)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["vetgraph"] = WebState(
        settings=settings,
        executor=executor,
        backend=backend,
        dataset_version=version,
        manifest=manifest,
        max_query_depth=max_query_depth,
        cache_max_age=cache_max_age,
        allow_update=allow_update,
        update_token=update_token,
        prefixes=manifest.get("prefixes") or source_prefixes(settings),
        store_dir=store_dir,
        max_client_queries=max_client_queries,
        update_timeout=update_timeout,
        worker_network=worker_network,
    )

    from . import answers, api, dumps, fairness, health, home, manners, network, resources, sparql

    manners.install(app)
    answers.install(app, settings.answer_cache, settings.answer_cache_bytes)
    fairness.install(app, max_client_queries)
    health.install(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(network.bp)
    app.register_blueprint(resources.bp)
    app.register_blueprint(dumps.bp)
    return app

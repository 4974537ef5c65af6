"""Open the store every surface reads through: ``open_store(settings, backend=...)``.

Backends register an opener in :data:`BACKENDS`: oxigraph (the built store), memory (rdflib),
remote (any SPARQL 1.1 store over the protocol, see :mod:`.remote`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..config import Settings
from .base import (
    QueryError,
    QueryResult,
    ReadOnlyError,
    ResultKind,
    Store,
    StoreError,
    UnsupportedFormatError,
)

__all__ = [
    "BACKENDS",
    "QueryError",
    "QueryResult",
    "ReadOnlyError",
    "ResultKind",
    "Store",
    "StoreError",
    "UnsupportedFormatError",
    "open_store",
]


def _open_oxigraph(settings: Settings, read_only: bool = True) -> Store:
    """The built store under ``settings.store_dir`` (see ``vetgraph build``)."""
    from .oxigraph import OxigraphStore

    return OxigraphStore.open(settings.store_dir, read_only=read_only)


def _open_memory(settings: Settings, read_only: bool = False) -> Store:
    """The source tree parsed into rdflib, no build needed (slower queries)."""
    from ..dataset import read_sources, to_dataset
    from ..infer import infer_sources, load_rules
    from ..shacl.graph import add_validation
    from ..shacl.validate import validate_sources
    from .memory import MemoryStore

    sources = read_sources(settings)
    infer_sources(sources, load_rules(settings))
    add_validation(sources, validate_sources(sources))  # graph/validation, as a build stores it
    return MemoryStore(to_dataset(sources), read_only=read_only, prefixes=sources.prefixes)


def _open_remote(settings: Settings, read_only: bool = True) -> Store:
    """A SPARQL 1.1 Protocol endpoint (``--endpoint``, ``--update-endpoint``, credentials)."""
    from .remote import RemoteStore

    if not settings.remote_endpoint:
        raise StoreError("the remote backend needs --endpoint URL (or VETGRAPH_REMOTE_ENDPOINT)")
    return RemoteStore(
        settings.remote_endpoint,
        update_endpoint=settings.remote_update_endpoint,
        user=settings.remote_user,
        password=settings.remote_password,
        read_only=read_only,
        timeout=max(settings.query_timeout * 2, 60.0),
    )


#: backend name -> opener(settings, **options) returning a Store.
BACKENDS: dict[str, Callable[..., Store]] = {
    "oxigraph": _open_oxigraph,
    "memory": _open_memory,
    "remote": _open_remote,
}


def open_store(settings: Settings, backend: str = "oxigraph", **options: Any) -> Store:
    """Open a backend by name; options (e.g. ``read_only``) go to its opener."""
    try:
        opener = BACKENDS[backend]
    except KeyError:
        known = ", ".join(sorted(BACKENDS))
        raise StoreError(f"unknown store backend {backend!r} (known: {known})") from None
    return opener(settings, **options)

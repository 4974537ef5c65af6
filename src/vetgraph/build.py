"""Build the Oxigraph store from the sources, atomically.

Layout, for a target ``var/store``::

    var/store -> stores/store-<version>-<random>     (a relative symlink)
    var/stores/store-<version>-<random>/             RocksDB files + vetgraph-manifest.json
    var/stores/store.lock                            held while building

A build validates first (any sh:Violation refuses it), bulk-loads every source file into a
fresh directory (file by file, parsed in Rust), flushes, optimizes and closes it, writes the
manifest, then replaces the symlink with ``os.replace`` of a temporary symlink (atomic on
POSIX). Readers see the old store or
the new one, never a partial one. A build that fails or is killed leaves the old link and
directory untouched; the next build removes its leftovers. The previous version is kept
(a server may still have it open), and so is every version a live server holds a lease on
(:mod:`vetgraph.store.leases`); older ones are removed after the switch.

Test hook: ``VETGRAPH_BUILD_PAUSE=<seconds>`` sleeps once the files are loaded, before the
store is finished, so a test can kill a build in the middle.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import __version__
from .config import GRAPH_INFERRED, GRAPH_VALIDATION, Settings
from .dataset import Sources, bulk_load_files, read_sources
from .infer import Rule, infer_sources, load_rules, materialise
from .shacl.graph import add_validation, report_quads
from .shacl.validate import ValidationReport, validate_sources, validate_tree
from .store.base import StoreError
from .store.leases import leased_versions
from .store.oxigraph import MANIFEST_NAME, read_manifest, write_manifest


class BuildError(Exception):
    """The build could not run (bad target, I/O error)."""


class BuildRefused(Exception):
    """Validation found violations: nothing was built."""

    def __init__(self, report: ValidationReport):
        super().__init__(f"{report.counts.get('Violation', 0)} SHACL violation(s)")
        self.report = report


@dataclass
class BuildOutcome:
    """What a successful build made."""

    store_dir: Path  # the symlink readers open
    version_dir: Path  # the directory it now points to
    manifest: dict[str, Any]
    report: ValidationReport  # warnings and infos may be present


def versions_dir(store_dir: Path) -> Path:
    """Where the version directories of a target live: ``<parent>/stores``."""
    return store_dir.parent / "stores"


@contextmanager
def _lock(folder: Path, name: str) -> Iterator[None]:
    """One build per target at a time (a second waits); released even on crash by the OS."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _current_target(store_dir: Path) -> Path | None:
    if store_dir.is_symlink():
        return Path(os.path.realpath(store_dir))
    if store_dir.exists():
        if store_dir.is_dir() and not any(store_dir.iterdir()):
            store_dir.rmdir()  # an empty placeholder folder: take its place
            return None
        raise BuildError(
            f"{store_dir} exists and is not a store link made by `vetgraph build`; move it away"
        )
    return None


def _remove_leftovers(
    folder: Path, name: str, keep: set[Path], *, only_unfinished: bool = False
) -> None:
    """Delete version directories of this target that are not kept.

    ``only_unfinished`` limits this to builds that never wrote their manifest (killed ones),
    so a version a server may still have open survives until the next successful switch.
    """
    for child in folder.glob(f"{name}-*"):
        if not child.is_dir() or child.is_symlink() or child.resolve() in keep:
            continue
        if only_unfinished and (child / MANIFEST_NAME).exists():
            continue
        shutil.rmtree(child, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_store(
    target: Path, files: dict[str, list[Path]], rules: Sequence[Rule] | None = (),
    validation: Sequence[ox.Quad] = (),
) -> tuple[dict[str, int], Sources]:
    """Bulk-load the source files into a new store at ``target``, each into its named graph,
    then materialise the inferences (RDFS closure and ``rules``) into ``graph/inferred``;
    ``rules=None`` skips inference altogether. ``validation`` (the report's quads, see
    :func:`~vetgraph.shacl.graph.report_quads`) fills ``graph/validation`` when given.

    Returns triples per graph and what was loaded (see :func:`bulk_load_files`): a build
    compares its version with the version it validated, as the files must not change between.
    """
    pause = float(os.environ.get("VETGRAPH_BUILD_PAUSE", "0") or 0)
    store = ox.Store(str(target))
    try:
        loaded = bulk_load_files(store, files)
        graphs = list(files)
        if rules is not None:
            materialise(store, rules)
            graphs.append(GRAPH_INFERRED)
        if validation:
            store.extend(validation)
            graphs.append(GRAPH_VALIDATION)
        store.flush()
        if pause:  # tests: a build that can be killed after loading, before it is finished
            time.sleep(pause)
        store.optimize()
        counts = {
            graph: int(next(iter(store.query(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
            )))["n"].value)
            for graph in graphs
        }
        return counts, loaded
    finally:
        del store  # closes RocksDB before anyone opens the directory read-only


def build_store(settings: Settings, store_dir: Path | None = None) -> BuildOutcome:
    """Validate, load into a new directory, and switch ``store_dir`` to it atomically.

    Raises ``SourceError`` (unreadable input), :class:`BuildRefused` (violations) or
    :class:`BuildError`; in every case the previous store is left as it was.
    """
    store_dir = Path(store_dir or settings.store_dir).absolute()
    sources, report = validate_tree(settings)  # the data is parsed into memory, then dropped
    version = sources.version
    if not report.conforms:
        raise BuildRefused(report)

    folder, name = versions_dir(store_dir), store_dir.name
    with _lock(folder, name):
        previous = _current_target(store_dir)
        kept = {previous} if previous else set()
        _remove_leftovers(folder, name, keep=kept, only_unfinished=True)
        target = folder / f"{name}-{version}-{secrets.token_hex(4)}"
        link = store_dir.parent / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            counts, loaded = load_store(target, sources.files, load_rules(settings),
                                        report_quads(report, version))
            if loaded.version != version:
                raise BuildError(
                    "the source files changed while the build was running (validated "
                    f"{version}, loaded {loaded.version}): nothing was switched; run the "
                    "build again"
                )
            manifest = {
                "version": version,
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "vetgraph": __version__,
                "graphs": counts,
                "triples": sum(counts.values()),
                "prefixes": sources.prefixes,
                "sources": {
                    graph: [_relative(p, settings.root) for p in paths]
                    for graph, paths in sources.files.items()
                },
            }
            write_manifest(target, manifest)
            _fsync_dir(target)
            os.symlink(os.path.relpath(target, store_dir.parent), link)
            os.replace(link, store_dir)  # the switch: readers now open the new version
        except BaseException:
            link.unlink(missing_ok=True)
            shutil.rmtree(target, ignore_errors=True)
            raise
        _fsync_dir(store_dir.parent)
        leased = {path.resolve() for path in leased_versions(store_dir)}
        _remove_leftovers(folder, name, keep={target.resolve()} | kept | leased)
    return BuildOutcome(store_dir=store_dir, version_dir=target, manifest=manifest, report=report)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def store_manifest(store_dir: Path) -> dict[str, Any] | None:
    """The manifest of the store a target currently points to, or None."""
    return read_manifest(os.path.realpath(store_dir)) if Path(store_dir).exists() else None


def build_remote(settings: Settings) -> tuple[dict[str, int], ValidationReport, str]:
    """Validate, then replace each named graph of the remote store (``--backend remote``).

    Returns triples sent per graph, the validation report and the dataset version. The graphs
    are switched in one update request at the end (see :func:`load_remote`).
    """
    from .store import open_store

    sources = read_sources(settings)
    report = validate_sources(sources)
    if not report.conforms:
        raise BuildRefused(report)
    infer_sources(sources, load_rules(settings))
    add_validation(sources, report)
    return load_remote(open_store(settings, "remote", read_only=False), sources), report, \
        sources.version


def load_remote(store: Any, sources: Sources) -> dict[str, int]:
    """Replace each named graph of a remote store with the sources' triples; triples sent.

    Every graph is first loaded under a staging name (``<graph>/staging-<random>``, outside the
    dataset the remote backend queries), then one update request moves them all into place. A
    load that fails part way drops its staging graphs and leaves the served graphs as they
    were; readers never see a graph half loaded.
    """
    token = secrets.token_hex(4)
    staging = {graph: f"{graph}/staging-{token}" for graph in sources.quads}
    try:
        counts = {
            graph: store.replace_graph(staging[graph], quads)
            for graph, quads in sources.quads.items()
        }
        try:
            store.update(" ;\n".join(f"MOVE SILENT <{staging[g]}> TO <{g}>" for g in staging))
        except StoreError as exc:
            if "timed out" not in str(exc).lower() and "timeout" not in str(exc).lower():
                raise
            raise StoreError(
                f"{exc}\n\nThe switch of {sum(counts.values()):,} triples into place is one "
                "update, and the remote store stopped it at its time limit: nothing was "
                "switched. Raise the store's limit above the switch's time (Virtuoso: "
                "MaxQueryExecutionTime in [SPARQL]; see the README's Scaling section) and "
                "build again."
            ) from exc
    except BaseException as exc:
        left = _drop_graphs(store, list(staging.values()))
        if left and isinstance(exc, StoreError):
            raise StoreError(
                f"{exc}\n\nStaging graphs left on the store (not served; drop them once it is "
                "idle): " + " ".join(f"<{name}>" for name in left)
            ) from exc
        raise
    return counts


def _drop_graphs(store: Any, names: list[str]) -> list[str]:
    """Drop the graphs in turn; return those not dropped (from the first that failed on: the
    store is gone, or stopped the drop at its time limit)."""
    for done, name in enumerate(names):
        try:
            store.update(f"DROP SILENT GRAPH <{name}>")
        except Exception:  # noqa: BLE001 (reported by the caller, with the first error)
            return names[done:]
    return []


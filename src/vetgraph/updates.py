"""SPARQL Update on a built store (``vetgraph serve --allow-update``): checked, versioned, undoable.

An update runs in the writer process (:mod:`vetgraph.engine.executor`) through
:func:`apply_update`:

1. **Checked before commit.** The update is applied first to an in-memory copy of the store;
   the copy's data, codes and ontology are validated against the shapes the store held before
   the update (so an update cannot loosen the shapes that judge it). Any ``sh:Violation``
   refuses the update (422 with the validation report) and the store is not touched.
2. **Snapshot before destruction.** When the update would empty a graph (``DROP``/``CLEAR``)
   or remove at least ``snapshot_threshold`` triples, the store is first backed up (a RocksDB
   checkpoint: hard links, seconds) into ``<parent>/stores/snapshots/``; the newest
   ``keep_snapshots`` are kept, older ones deleted.
3. **Committed** in one transaction, then the manifest follows: a new dataset version, unique
   and kept across restarts (``<built version>+u<n>-<random>``: ETags change and stay changed),
   the triple counts, when it was updated.

``vetgraph restore`` lists the snapshots and puts one back: it is copied into a new version
directory and the store link is switched to it in one step, as ``vetgraph build`` does (a
running server moves to it between requests).
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .config import GRAPH_CODES, GRAPH_DATA, GRAPH_ONTOLOGY, GRAPH_SHAPES, setting_default
from .store.oxigraph import MANIFEST_NAME, OxigraphStore, read_manifest, write_manifest

#: Triples an update may remove before a snapshot is kept (a whole graph emptied always is).
SNAPSHOT_THRESHOLD: int = setting_default("snapshot_threshold")
#: Snapshots kept: each holds hard links to the files of the store as it was, which the live
#: store compacts away as updates go on, so every snapshot comes to cost its full size on disk.
KEEP_SNAPSHOTS: int = setting_default("keep_snapshots")
GRAPHS = (GRAPH_DATA, GRAPH_CODES, GRAPH_ONTOLOGY, GRAPH_SHAPES)


class UpdateViolates(Exception):
    """The update's result breaks the shapes; ``report`` is the JSON validation report."""

    def __init__(self, message: str, report: dict[str, Any]) -> None:
        super().__init__(message, report)
        self.message = message
        self.report = report

    def __str__(self) -> str:
        return self.message


class RestoreError(Exception):
    """A snapshot that cannot be restored (unknown name, no store link)."""


@dataclass
class UpdateOutcome:
    """What an accepted update did (sent back to the web process)."""

    version: str
    triples: int
    removed: int  # net triples removed (negative: added)
    snapshot: str | None  # the snapshot kept before it, if any


def snapshots_dir(store_link: Path) -> Path:
    """Where the snapshots of a target live: ``<parent>/stores/snapshots``."""
    return Path(store_link).absolute().parent / "stores" / "snapshots"


def _counts(store: ox.Store) -> dict[str, int]:
    counts = dict.fromkeys(GRAPHS, 0)
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    for row in store.query(query):
        counts[row["g"].value] = int(row["n"].value)
    return counts


def _validate(copy: ox.Store, shapes: list[ox.Quad], prefixes: dict[str, str]) -> None:
    """Raise :class:`UpdateViolates` when the copy's data breaks the shapes."""
    from .shacl.report import to_json
    from .shacl.validate import validate_graphs

    quads = {
        graph: list(copy.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
        for graph in (GRAPH_DATA, GRAPH_CODES, GRAPH_ONTOLOGY)
    }
    quads[GRAPH_SHAPES] = shapes
    report = validate_graphs(quads, prefixes)
    if not report.conforms:
        found = to_json(report)
        violations = found["counts"].get("Violation", 0)
        raise UpdateViolates(
            f"the update was not applied: its result has {violations} SHACL violation(s) of "
            "the store's shapes", found
        )


def apply_update(
    store: OxigraphStore,
    text: str,
    store_link: Path,
    *,
    snapshot_threshold: int = SNAPSHOT_THRESHOLD,
    keep_snapshots: int = KEEP_SNAPSHOTS,
) -> UpdateOutcome:
    """Validate, snapshot if destructive, commit, and bring the manifest up to date."""
    raw = store.raw
    before = _counts(raw)
    copy = ox.Store()
    copy.bulk_extend(raw.quads_for_pattern(None, None, None, None))
    OxigraphStore(copy).update(text)  # the same path, errors and all, as the real one
    after = _counts(copy)
    shapes = list(raw.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_SHAPES)))
    _validate(copy, shapes, store.prefixes)
    del copy

    removed = sum(before.values()) - sum(after.values())
    emptied = [g for g in GRAPHS if before.get(g, 0) > 0 and after.get(g, 0) == 0]
    snapshot = None
    if emptied or removed >= snapshot_threshold:
        reason = (
            f"emptied {', '.join(g.rsplit('/', 1)[-1] for g in emptied)}"
            if emptied else f"removed {removed} triples"
        )
        snapshot = take_snapshot(store, store_link, reason, text)
        prune_snapshots(store_link, keep_snapshots)
    store.update(text)
    raw.flush()
    manifest = read_manifest(store.path) or {} if store.path else {}
    count = int(manifest.get("updates", 0)) + 1
    built = manifest.get("built_version") or manifest.get("version") or "unversioned"
    manifest.update({
        "built_version": built,
        "version": f"{built}+u{count}-{secrets.token_hex(3)}",
        "updates": count,
        "updated_at": _now(),
        "graphs": {g: n for g, n in after.items() if n},
        "triples": sum(after.values()),
    })
    if store.path is not None:
        write_manifest(store.path, manifest)
    return UpdateOutcome(manifest["version"], manifest["triples"], removed, snapshot)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def take_snapshot(store: OxigraphStore, store_link: Path, reason: str, text: str) -> str:
    """Back the store up (a consistent RocksDB checkpoint) under a new snapshot name."""
    folder = snapshots_dir(store_link)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = (read_manifest(store.path) if store.path else None) or {}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{Path(store_link).name}-{stamp}-{secrets.token_hex(3)}"
    target = folder / name
    store.raw.backup(str(target))
    manifest = {
        **manifest,
        "snapshot": {"name": name, "taken_at": _now(), "reason": reason, "update": text[:2000]},
    }
    write_manifest(target, manifest)
    return name


def list_snapshots(store_link: Path) -> list[dict[str, Any]]:
    """The snapshots of a target, oldest first: name, when, why, version, triples."""
    found = []
    folder = snapshots_dir(store_link)
    for child in sorted(folder.glob(f"{Path(store_link).name}-*")) if folder.is_dir() else []:
        manifest = read_manifest(child)
        if manifest is None or "snapshot" not in manifest:
            continue  # a backup cut short
        found.append({
            "name": child.name,
            "taken_at": manifest["snapshot"]["taken_at"],
            "reason": manifest["snapshot"]["reason"],
            "version": manifest.get("version"),
            "triples": manifest.get("triples"),
        })
    return found


def prune_snapshots(store_link: Path, keep: int) -> list[str]:
    """Delete the snapshots of a target older than its ``keep`` newest (0: none); their names."""
    if keep <= 0:
        return []
    old = [s["name"] for s in list_snapshots(store_link)][:-keep]
    for name in old:
        shutil.rmtree(snapshots_dir(store_link) / name, ignore_errors=True)
    return old


def restore_snapshot(store_link: Path, name: str) -> Path:
    """Copy a snapshot into a new version directory and switch the link to it atomically."""
    from .build import _fsync_dir, _lock, _remove_leftovers, versions_dir
    from .store.leases import leased_versions

    store_link = Path(store_link).absolute()
    source = snapshots_dir(store_link) / name
    if "/" in name or not (source / MANIFEST_NAME).is_file():
        known = ", ".join(s["name"] for s in list_snapshots(store_link)) or "none"
        raise RestoreError(f"no snapshot {name!r} (snapshots: {known})")
    if store_link.exists() and not store_link.is_symlink():
        raise RestoreError(
            f"{store_link} is a directory, not a store link made by `vetgraph build`: stop the "
            f"server and copy {source} over it instead"
        )
    folder, link_name = versions_dir(store_link), store_link.name
    with _lock(folder, link_name):
        previous = Path(os.path.realpath(store_link)) if store_link.is_symlink() else None
        manifest = read_manifest(source) or {}
        version = str(manifest.get("built_version") or manifest.get("version") or "restored")
        target = folder / f"{link_name}-{version.split('+')[0]}-{secrets.token_hex(4)}"
        link = store_link.parent / f".{link_name}.{secrets.token_hex(4)}.tmp"
        try:
            shutil.copytree(source, target)
            manifest.pop("snapshot", None)
            manifest["restored_from"] = name
            manifest["restored_at"] = _now()
            manifest["version"] = f"{manifest.get('version', version)}-r{secrets.token_hex(3)}"
            write_manifest(target, manifest)
            _fsync_dir(target)
            os.symlink(os.path.relpath(target, store_link.parent), link)
            os.replace(link, store_link)
        except BaseException:
            link.unlink(missing_ok=True)
            shutil.rmtree(target, ignore_errors=True)
            raise
        _fsync_dir(store_link.parent)
        keep = {target.resolve()} | ({previous.resolve()} if previous else set())
        keep |= {p.resolve() for p in leased_versions(store_link)}
        _remove_leftovers(folder, link_name, keep=keep)
    return target

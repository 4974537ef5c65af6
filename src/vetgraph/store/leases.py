"""Leases on built store versions: a build never deletes a version a live server holds.

Each server process that serves a built store keeps one lease in ``<parent>/stores/leases/``:
``<target>-<pid>-<random>.lock``, locked (``flock``) for as long as the process lives, and
``….json`` beside it naming the version directories it holds open. A build lists the leases
of its target before it removes old versions: a lease it can lock itself belongs to a process
that is gone (the kernel released its lock, even after ``kill -9``), so it is stale and is
removed; the versions named by every other lease are kept.

Only the standard library here: the web process imports this without pyoxigraph.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import threading
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)


def leases_dir(store_link: Path) -> Path:
    """Where the leases of a target live (next to its version directories)."""
    return store_link.parent / "stores" / "leases"


class Lease:
    """This process's lease on the versions of one target; ``hold`` says which it has open."""

    def __init__(self, store_link: Path) -> None:
        self.folder = leases_dir(store_link)
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = f"{store_link.name}-{os.getpid()}-{secrets.token_hex(4)}"
        self.lock_path = self.folder / f"{stem}.lock"
        self.json_path = self.folder / f"{stem}.json"
        self._handle = open(self.lock_path, "w")  # noqa: SIM115 (held for the process's life)
        fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._held: frozenset[str] = frozenset()
        self._mutex = threading.Lock()

    def hold(self, versions: Iterable[Path]) -> None:
        """Name the version directories this process has open (replaces the earlier list)."""
        names = frozenset(str(Path(v).resolve()) for v in versions)
        with self._mutex:
            if names == self._held:
                return
            tmp = self.json_path.with_name(self.json_path.name + ".tmp")
            tmp.write_text(
                json.dumps({"pid": os.getpid(), "versions": sorted(names)}), encoding="utf-8"
            )
            os.replace(tmp, self.json_path)  # a build reads the old list or the new one
            self._held = names

    def release(self) -> None:
        """Give the lease up (at exit; a killed process's lease goes stale by itself)."""
        with self._mutex:
            self.json_path.unlink(missing_ok=True)
            self.lock_path.unlink(missing_ok=True)
            self._handle.close()
            self._held = frozenset()


def leased_versions(store_link: Path) -> set[Path]:
    """Version directories held by live servers of this target; stale leases are removed."""
    folder = leases_dir(store_link)
    held: set[Path] = set()
    for lock_path in folder.glob(f"{store_link.name}-*.lock"):
        json_path = lock_path.with_suffix(".json")
        try:
            handle = open(lock_path)  # noqa: SIM115 (closed below; the lock is the test)
        except FileNotFoundError:
            continue  # released meanwhile
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # its process is alive: keep what it names
                try:
                    data = json.loads(json_path.read_text(encoding="utf-8"))
                except (FileNotFoundError, ValueError):
                    continue  # starting up: it checks its version exists after leasing
                held.update(Path(v) for v in data.get("versions", []))
                continue
            log.info("removing stale lease %s (its process is gone)", lock_path.name)
            json_path.unlink(missing_ok=True)
            lock_path.unlink(missing_ok=True)
        finally:
            handle.close()
    return held

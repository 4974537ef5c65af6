"""The dump files under ``/dumps/``: one per syntax, written atomically with checksums, and
rewritten only when the dataset changes.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..config import GRAPHS
from ..store.base import Store
from .formats import FORMATS, Format, serialize, store_quads, union_triples, used_prefixes
from .jsonld import jsonld_context, node_id

# --- dumps --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DumpFile:
    """One file of the dumps folder."""

    name: str
    format: Format
    graph: str | None  # None: everything
    size: int = 0
    sha256: str = ""
    gzip_size: int = 0
    gzip_sha256: str = ""

    @property
    def gzip_name(self) -> str:
        return self.name + ".gz"


def dump_plan() -> list[tuple[str, Format, str | None]]:
    """The files /dumps/ offers: every syntax for the whole dataset, triple syntaxes and
    JSON-LD for each named graph."""
    plan: list[tuple[str, Format, str | None]] = []
    for fmt in FORMATS.values():
        plan.append((f"vetgraph.{fmt.extension}", fmt, None))
    for short, iri in GRAPHS.items():
        for fmt in FORMATS.values():
            if not fmt.datasets or fmt.name == "jsonld":
                plan.append((f"vetgraph-{short}.{fmt.extension}", fmt, iri))
    return plan


CHECKSUMS = "SHA256SUMS"
_dump_lock = threading.Lock()


def write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a dump is for everyone to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_dumps(store: Store, folder: Path) -> list[DumpFile]:
    """Write every planned dump, its gzip and the SHA256SUMS file into ``folder`` (atomic per
    file; the checksum file last, so its presence means the folder is complete)."""
    folder.mkdir(parents=True, exist_ok=True)
    context = jsonld_context(store)
    quads = store_quads(store)
    by_graph: dict[str, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        by_graph[node_id(q.graph_name)].append(q)
    files: list[DumpFile] = []
    everything = used_prefixes(quads)
    graph_prefixes: dict[str, dict[str, str]] = {}
    for name, fmt, graph in dump_plan():
        if graph is None:
            items: Sequence[Any] = quads if fmt.datasets else union_triples(quads)
            prefixes = everything
        elif fmt.datasets:  # JSON-LD of one graph: still says which graph
            items, prefixes = by_graph.get(graph, []), None
        else:
            items = union_triples(by_graph.get(graph, []))
            if graph not in graph_prefixes:
                graph_prefixes[graph] = used_prefixes(items)
            prefixes = graph_prefixes[graph]
        data = serialize(items, fmt, context, prefixes=prefixes)
        packed = gzip.compress(data, 6, mtime=0)
        write_atomic(folder / name, data)
        write_atomic(folder / (name + ".gz"), packed)
        files.append(DumpFile(name, fmt, graph, len(data), hashlib.sha256(data).hexdigest(),
                              len(packed), hashlib.sha256(packed).hexdigest()))
    lines = []
    for f in files:
        lines.append(f"{f.sha256}  {f.name}\n")
        lines.append(f"{f.gzip_sha256}  {f.gzip_name}\n")
    write_atomic(folder / CHECKSUMS, "".join(lines).encode("ascii"))
    return files


def read_dumps(folder: Path) -> list[DumpFile] | None:
    """The dumps of a complete folder (None if it is not complete)."""
    sums = folder / CHECKSUMS
    if not sums.is_file():
        return None
    digests = {}
    for line in sums.read_text(encoding="ascii").splitlines():
        digest, _, name = line.partition("  ")
        digests[name] = digest
    files = []
    for name, fmt, graph in dump_plan():
        plain, packed = folder / name, folder / (name + ".gz")
        if name not in digests or not plain.is_file() or not packed.is_file():
            return None
        files.append(DumpFile(name, fmt, graph, plain.stat().st_size, digests[name],
                              packed.stat().st_size, digests[name + ".gz"]))
    return files


def ensure_dumps(store: Store, folder: Path) -> list[DumpFile]:
    """The dumps in ``folder``, written first if missing (one writer per process at a time)."""
    found = read_dumps(folder)
    if found is not None:
        return found
    with _dump_lock:
        found = read_dumps(folder)
        return found if found is not None else write_dumps(store, folder)

"""Read the Turtle sources (ontology, codes, data, shapes) into named graphs.

Files are parsed once with pyoxigraph: its errors carry exact line/column positions for the
data steward, and its quads load the store without a round trip through rdflib. The same
quads become an rdflib :class:`~rdflib.Dataset` for pyshacl and the in-memory backend.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, URIRef

from .config import GRAPH_CODES, GRAPH_DATA, GRAPH_ONTOLOGY, GRAPH_SHAPES, Settings
from .store.base import to_rdflib

#: Source files larger than this are bulk-loaded (see :func:`bulk_load_files`).
BULK_FROM_BYTES = 1_000_000

_POSITION_PREFIX = re.compile(r"^Parser error (?:at|between) [^:]*: ")


class SourceError(Exception):
    """A source file that cannot be read or parsed; ``str()`` is ``path:line:column: message``."""

    def __init__(self, path: Path | str, line: int | None, column: int | None, message: str):
        super().__init__(path, line, column, message)
        self.path = Path(path)
        self.line = line
        self.column = column
        self.message = message

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}:{self.column or 1}: {self.message}"


def source_files(settings: Settings) -> dict[str, list[Path]]:
    """The Turtle files of each named graph, in a stable order; missing sources are errors."""
    if not settings.ontology_file.is_file():
        raise SourceError(settings.ontology_file, None, None, "no such file")
    files = {GRAPH_ONTOLOGY: [settings.ontology_file]}
    for graph, folder in (
        (GRAPH_CODES, settings.codes_dir),
        (GRAPH_DATA, settings.data_dir),
        (GRAPH_SHAPES, settings.shapes_dir),
    ):
        if not folder.is_dir():
            raise SourceError(folder, None, None, "no such directory")
        files[graph] = sorted(folder.glob("*.ttl"))
    return files


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(path, None, None, exc.strerror or str(exc)) from exc


def parse_file(path: Path, data: bytes | None = None) -> tuple[list[ox.Quad], dict[str, str]]:
    """Parse one Turtle file (or its bytes, already read) into quads plus its prefixes.

    Blank nodes are renamed so that ``_:x`` in two files stays two nodes. Relative IRIs are
    errors (no base IRI): a source must not depend on where it is checked out.
    """
    if data is None:
        data = read_bytes(path)
    with _errors_of(path):
        parser = ox.parse(input=data, format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)
        quads = list(parser)
    return quads, dict(parser.prefixes)


def load_file(store: ox.Store, path: Path, data: bytes, bulk: bool = False) -> dict[str, str]:
    """Parse one Turtle file straight into ``store``'s default graph (in Rust: no Python
    objects per triple), blank nodes renamed as :func:`parse_file` renames them. Returns the
    prefixes declared before the first triple (those are read by a second, stopped parse).
    Raises :class:`SourceError` as :func:`parse_file` does; the store is then left unchanged,
    unless ``bulk``: then through the bulk loader, which writes as it parses (a store on disk:
    a transaction holds the whole file in memory first).
    """
    with _errors_of(path):
        (store.bulk_load if bulk else store.load)(data, format=ox.RdfFormat.TURTLE)
    return declared_prefixes(data)


@contextmanager
def _errors_of(path: Path) -> Iterator[None]:
    """Parser errors as :class:`SourceError` with the file's line and column."""
    try:
        yield
    except SyntaxError as exc:
        message = _POSITION_PREFIX.sub("", str(exc.msg or exc))
        raise SourceError(path, exc.lineno or 1, exc.offset or 1, message) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(path, None, None, getattr(exc, "strerror", None) or str(exc)) from exc


class _Version:
    """Hash of each graph's file names and bytes, in source order (see ``dataset_version``)."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()

    def add(self, graph: str, path: Path, data: bytes) -> None:
        name = path.name if graph != GRAPH_ONTOLOGY else "vetgraph.ttl"
        self._digest.update(f"{graph}\0{name}\0{len(data)}\0".encode())
        self._digest.update(data)

    def hexdigest(self) -> str:
        return self._digest.hexdigest()[:16]


@dataclass
class Sources:
    """Everything parsed from the source tree, keyed by graph IRI."""

    files: dict[str, list[Path]]
    quads: dict[str, list[ox.Quad]] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)
    version: str = ""  # dataset_version() of exactly the bytes that were parsed

    def iter_quads(self) -> Iterator[ox.Quad]:
        """Quads placed in their named graph, ready for ``Store.bulk_extend``."""
        for graph, quads in self.quads.items():
            name = ox.NamedNode(graph)
            for q in quads:
                yield ox.Quad(q.subject, q.predicate, q.object, name)

    def counts(self) -> dict[str, int]:
        """Triples per graph as parsed (before deduplication by a store)."""
        return {graph: len(quads) for graph, quads in self.quads.items()}


def read_sources(
    settings: Settings, data_into: ox.Store | None = None, bulk: bool = False
) -> Sources:
    """Parse every source file; the first unreadable one raises :class:`SourceError`.

    With ``data_into``, the data files are parsed straight into that store's default graph
    (see :func:`load_file`, ``bulk`` as there) and ``quads`` has no data graph: validation at
    size needs no Python quads of the data.
    """
    sources = Sources(files=source_files(settings))
    for graph in sources.files:
        if data_into is None or graph != GRAPH_DATA:
            sources.quads[graph] = []

    def parse(graph: str, path: Path, data: bytes) -> dict[str, str]:
        if graph not in sources.quads:
            return load_file(data_into, path, data, bulk)
        quads, prefixes = parse_file(path, data)
        sources.quads[graph].extend(quads)
        return prefixes

    return _read_files(sources, parse)


def bulk_load_files(
    store: ox.Store, files: dict[str, list[Path]], threads: int | None = None
) -> Sources:
    """Bulk-load each file into its named graph of ``store``; return what was loaded: the
    files, their prefixes and the dataset version of exactly the bytes loaded (no quads).

    Parsed in Rust, a few files in memory at a time: a build's memory does not grow with the
    data (at 1,000 schools 0.5 GB where Python quads took 3.7 GB). Files up to
    ``BULK_FROM_BYTES`` go through an ordinary transaction instead: each bulk load writes new
    files, about 0.1 s per call (the seed's 30 files took 2.9 s, 0.3 s this way). Blank nodes
    are renamed per file, as :func:`parse_file` renames them. Raises :class:`SourceError`
    (the first large file in source order that fails, or a small one met before it).

    ``threads`` bulk loads run at once (default: the cores, at most 4): a Turtle parser keeps
    one core busy and the bulk loader's sorting fits beside it. At 1,000 schools on 2 cores one
    at a time took 34.1 s, two 27.3 s: raw pyoxigraph's single N-Quads load of the same data,
    its fastest path, takes 26.8 s. The small files' transactions stay in this thread.
    """
    workers = max(1, threads or min(4, os.cpu_count() or 1))
    running: deque[Future[None]] = deque()

    def bulk_one(graph: str, path: Path, data: bytes) -> None:
        with _errors_of(path):
            store.bulk_load(data, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))

    with ThreadPoolExecutor(workers, thread_name_prefix="vetgraph-load") as pool:

        def load(graph: str, path: Path, data: bytes) -> dict[str, str]:
            if len(data) <= BULK_FROM_BYTES:
                with _errors_of(path):
                    store.load(data, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))
            else:
                while len(running) >= workers:  # a bounded number of files held in memory
                    running.popleft().result()
                running.append(pool.submit(bulk_one, graph, path, data))
            return declared_prefixes(data)

        try:
            sources = _read_files(Sources(files=files), load)
            while running:
                running.popleft().result()
        finally:
            for future in running:
                future.cancel()
    return sources


def _read_files(
    sources: Sources, take: Callable[[str, Path, bytes], dict[str, str]]
) -> Sources:
    """The one pass over the source files: each read once, its bytes hashed into the
    version and handed to ``take`` (graph, path, bytes), which returns the file's prefixes."""
    version = _Version()
    declared: list[tuple[str, str]] = []
    for graph, paths in sources.files.items():
        for path in paths:
            data = read_bytes(path)
            version.add(graph, path, data)
            declared += take(graph, path, data).items()
    for path in rule_files(sources.files):  # rules change what a build derives: same version rule
        version.add("rules", path, read_bytes(path))
    sources.prefixes = canonical_prefixes(declared)
    sources.version = version.hexdigest()
    return sources


#: The folders of derivation queries next to the ontology file, in the order a build runs them.
DERIVATION_FOLDERS = ("rules", "aggregates")


def rule_files(files: dict[str, list[Path]]) -> list[Path]:
    """``ontology/rules/*.rq``, then ``ontology/aggregates/*.rq``, next to the ontology file
    (see :mod:`vetgraph.infer`)."""
    ontology = files.get(GRAPH_ONTOLOGY) or []
    if not ontology:
        return []
    folders = [ontology[0].parent / name for name in DERIVATION_FOLDERS]
    return [path for folder in folders if folder.is_dir() for path in sorted(folder.glob("*.rq"))]


#: The project's own namespaces, ``id/{kind}/`` and ``code/{scheme}/``: named after the
#: kind or scheme whatever a source file calls them (files reuse short names such as ``c:``).
_OWN_NAMESPACE = re.compile(r"^https://w3id\.org/vetgraph/(?:id|code)/([a-z][a-z0-9-]*)/$")


def canonical_prefixes(declared: Iterable[tuple[str, str]]) -> dict[str, str]:
    """One prefix per namespace and one namespace per prefix, each named after its namespace.

    Source files name namespaces as suits each file (``org:`` is W3C ORG in the ontology and
    the organisations in the data; ``c:`` is every code list's own). For the editor, dumps and
    messages: a standard vocabulary keeps its usual name (:data:`vetgraph.namespaces.PREFIXES`),
    the project's instance and code namespaces are named after their path segment, and any
    other namespace keeps the first name declared for it that is still free.
    """
    from .namespaces import PREFIXES

    usual = {namespace: name for name, namespace in PREFIXES.items()}
    pairs = list(declared)
    names: dict[str, str] = {}
    for fixed in (True, False):
        for name, namespace in pairs:
            own = _OWN_NAMESPACE.match(namespace)
            chosen = usual.get(namespace) or (own.group(1) if own else None)
            if fixed != (chosen is not None) or namespace in names.values():
                continue
            chosen = chosen or name
            if chosen not in names:
                names[chosen] = namespace
    return names


def declared_prefixes(data: bytes) -> dict[str, str]:
    """The prefixes a Turtle document declares before its first triple (a stopped parse)."""
    parser = ox.parse(input=data, format=ox.RdfFormat.TURTLE)
    next(parser, None)
    return dict(parser.prefixes)


def to_dataset(sources: Sources) -> Dataset:
    """An rdflib Dataset with one named graph per source graph; default graph is their union."""
    # rdflib logs a traceback for each ill-typed literal ("x"^^xsd:integer); SHACL's
    # sh:datatype reports those properly, naming the entity, so keep the log quiet.
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    ds = Dataset(default_union=True)
    for prefix, namespace in sources.prefixes.items():
        ds.bind(prefix, namespace, override=True, replace=True)
    for graph, quads in sources.quads.items():
        g = ds.graph(URIRef(graph))
        for q in quads:
            g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return ds


def load_dataset(settings: Settings) -> Dataset:
    """Read the source tree into an rdflib Dataset with the four named graphs."""
    return to_dataset(read_sources(settings))


def dataset_version(settings: Settings) -> str:
    """A stable hash of every source file's name and bytes: for ETags and store names."""
    return _read_files(Sources(files=source_files(settings)), lambda *_: {}).version

"""Check the sources against the SHACL shapes and report what is wrong, entity by entity.

The data graph given to pyshacl is data + codes + ontology, so ``sh:targetClass`` reaches
instances of subclasses through the ontology's ``rdfs:subClassOf``. The shapes graph stays a
graph of its own. Only ``sh:Violation`` fails a check; warnings report data-quality issues
(e.g. the report's prose disagreeing with its tables) without blocking a build.

The report's formats (text, JSON, Turtle) are :mod:`vetgraph.shacl.report`'s.

Results are sorted by severity (Violation, Warning, Info), then focus node, path, message.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from pyshacl.errors import ReportableRuntimeError
from rdflib import RDF, RDFS, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import QB
from rdflib.term import Node

from .. import namespaces as ns
from ..config import GRAPH_CODES, GRAPH_DATA, GRAPH_ONTOLOGY, GRAPH_SHAPES, Settings
from ..dataset import Sources, read_sources, source_files
from ..store.base import to_oxigraph, to_rdflib
from . import screen as shacl_screen
from . import sparql as shacl_sparql

SH = Namespace(ns.SH)
VET = Namespace(ns.VET)
SDMX_PERIOD = URIRef(ns.SDMX_DIMENSION + "refPeriod")
SEVERITIES = ("Violation", "Warning", "Info")
#: Peak memory of a validation per byte of data Turtle, as measured on synthetic sets: about 12
#: at 1,000 schools (166 MiB of Turtle, 2.0 GB peak), 10.9 at 9,000 (1.46 GiB, 16.0 GiB peak).
MEMORY_PER_DATA_BYTE = 11

log = logging.getLogger(__name__)


class ShapesError(Exception):
    """The shapes themselves cannot be used (pyshacl refused them)."""


@dataclass(frozen=True)
class ValidationResult:
    """One sh:ValidationResult, with the focus node's labels looked up in the data."""

    severity: str
    focus_node: str
    label_zh: str | None
    label_en: str | None
    path: str | None
    value: Node | None
    messages: tuple[str, ...]
    source_shape: str | None
    source_constraint_component: str | None

    def sort_key(self) -> tuple:
        rank = SEVERITIES.index(self.severity) if self.severity in SEVERITIES else 3
        return (rank, self.focus_node, self.path or "", self.messages, str(self.value or ""))


@dataclass
class ValidationReport:
    """All results plus pyshacl's report graph (for the ``ttl`` format)."""

    results: list[ValidationResult]
    graph: Graph

    @property
    def conforms(self) -> bool:
        """True when nothing is a violation: warnings and infos are allowed."""
        return not any(r.severity == "Violation" for r in self.results)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(r.severity for r in self.results)
        return {s: found.get(s, 0) for s in SEVERITIES} | {
            s: n for s, n in found.items() if s not in SEVERITIES
        }


def data_graph(ds: Dataset) -> Graph:
    """Data + codes + ontology as one graph, so class targets follow rdfs:subClassOf."""
    merged = Graph()
    for prefix, namespace in ds.namespaces():
        merged.bind(prefix, namespace, override=False)
    for graph in (GRAPH_DATA, GRAPH_CODES, GRAPH_ONTOLOGY):
        for triple in ds.graph(URIRef(graph)):
            merged.add(triple)
    return merged


def shapes_graph(ds: Dataset) -> Graph:
    shapes = Graph()
    for prefix, namespace in ds.namespaces():
        shapes.bind(prefix, namespace, override=False)
    for triple in ds.graph(URIRef(GRAPH_SHAPES)):
        shapes.add(triple)
    return shapes


def _graph(quads: Iterable[ox.Quad], prefixes: dict[str, str]) -> Graph:
    graph = Graph()
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace, override=False)
    for q in quads:
        graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return graph


def validate_dataset(ds: Dataset) -> ValidationReport:
    """Validate an rdflib Dataset with the four named graphs (see :func:`validate_sources`)."""
    quads = {
        graph: [ox.Quad(*(to_oxigraph(t) for t in triple)) for triple in ds.graph(URIRef(graph))]
        for graph in (GRAPH_DATA, GRAPH_CODES, GRAPH_ONTOLOGY, GRAPH_SHAPES)
    }
    return validate_graphs(quads, {p: str(n) for p, n in ds.namespaces()})


def validate_sources(sources: Sources) -> ValidationReport:
    """Validate what :func:`~vetgraph.dataset.read_sources` parsed, without an rdflib copy."""
    return validate_graphs(sources.quads, sources.prefixes)


def validate_graphs(quads: dict[str, list[ox.Quad]], prefixes: dict[str, str]) -> ValidationReport:
    """Data + codes + ontology against the shapes: one report, as pyshacl writes it.

    The data goes into an in-memory Oxigraph store. SPARQL constraints run there (see
    :mod:`vetgraph.shacl.sparql`); core constraints are screened there (see
    :mod:`vetgraph.shacl.screen`) and pyshacl reports on the focus nodes that fail, reading
    only their neighbourhood. Shapes the screen cannot compile get pyshacl on all the data.
    """
    store = ox.Store()
    store.bulk_extend(
        ox.Quad(q.subject, q.predicate, q.object)
        for graph in (GRAPH_DATA, GRAPH_CODES, GRAPH_ONTOLOGY)
        for q in quads.get(graph, [])
    )
    return validate_store(store, quads, prefixes)


def validate_store(
    store: ox.Store, quads: dict[str, list[ox.Quad]], prefixes: dict[str, str]
) -> ValidationReport:
    """:func:`validate_graphs` on a store that already holds data, codes and ontology in its
    default graph; ``quads`` needs only the shapes, codes and ontology graphs.

    The core report and the SPARQL constraints run side by side on a thread pool, one thread
    per core this process may use (Oxigraph evaluates queries without the GIL). The report is
    the same with one thread.
    """
    shapes = _graph(quads.get(GRAPH_SHAPES, []), prefixes)
    schema = _graph(
        (q for graph in (GRAPH_CODES, GRAPH_ONTOLOGY) for q in quads.get(graph, [])), prefixes
    )
    delegated = shacl_sparql.delegable_shapes(shapes)
    core = shacl_sparql.without(shapes, delegated) if delegated else shapes
    pool = ThreadPoolExecutor(max_workers=available_cores())
    try:
        core_report = pool.submit(_core_report, store, core, schema, prefixes)
        started = shacl_sparql.start(store, shapes, delegated, pool)
        report_graph = core_report.result()
        if started:
            shacl_sparql.add_results(report_graph, shapes, started)
            shacl_sparql.set_conforms(report_graph)
    except ReportableRuntimeError as exc:
        raise ShapesError(str(exc.message if hasattr(exc, "message") else exc)) from exc
    except shacl_sparql.SparqlConstraintError as exc:
        raise ShapesError(str(exc)) from exc
    finally:
        pool.shutdown(cancel_futures=True)  # after a failure, what has not started never will
    for prefix, namespace in prefixes.items():
        report_graph.bind(prefix, namespace, override=False)
    nodes = _result_nodes(report_graph)
    focus = {report_graph.value(n, SH.focusNode) for n in nodes} - {None}
    labels = shacl_screen.neighbourhood(store, focus, 2, prefixes) if focus else Graph()
    results = [_result(report_graph, node, labels, shapes) for node in nodes]
    results.sort(key=ValidationResult.sort_key)
    return ValidationReport(results=results, graph=report_graph)


def memory_warning(data_bytes: int, available: int | None) -> str | None:
    """What to tell the user before a validation that may not fit in memory: the data is held
    in memory while it is checked, and running out kills the process without a word."""
    needed = data_bytes * MEMORY_PER_DATA_BYTE
    if available is None or needed <= available:
        return None
    return (
        f"validating {_amount(data_bytes)} of data needs about {_amount(needed)} of memory "
        f"({MEMORY_PER_DATA_BYTE}x the Turtle, as measured at 1,000 and 9,000 schools), and "
        f"{_amount(available)} is available: the process may be killed for lack of memory "
        "before it reports anything (a build then leaves the store as it was)"
    )


def _amount(size: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20)):
        if size >= 1 << shift:
            return f"{size / (1 << shift):.1f} {unit}"
    return f"{size / 1024:.1f} KiB"


def available_memory() -> int | None:
    """Bytes of memory the system can give without swapping (Linux ``MemAvailable``), or None
    where it cannot tell."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _pyshacl(data: Graph, shapes: Graph) -> Graph:
    _, report_graph, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        abort_on_first=False,
    )
    return report_graph


def _core_report(
    store: ox.Store, shapes: Graph, schema: Graph, prefixes: dict[str, str]
) -> Graph:
    """pyshacl's report on the core constraints, for the focus nodes the screen found.

    pyshacl runs on the failing nodes' neighbourhood, which also holds other nodes that
    shapes target, seen there only in part: their results are dropped. (pyshacl's own
    ``focus_nodes`` option cannot be used: version 0.40 filters the value nodes of nested
    shapes by it too and then misjudges ``sh:node``, ``sh:or`` and qualified counts.)
    """
    try:
        failing = shacl_screen.failing_focus_nodes(store, shapes)
        steps = shacl_screen.reach(shapes)
    except shacl_screen.Unsupported:
        failing = None
    if failing is not None:
        if not failing:
            return _empty_report()
        flagged = set().union(*failing.values())
        data = shacl_screen.neighbourhood(store, flagged, steps, prefixes)
        for triple in schema:
            data.add(triple)
        return _only_about(_pyshacl(data, shapes), flagged)
    return _pyshacl(_graph(store.quads_for_pattern(None, None, None), prefixes), shapes)


def _only_about(report: Graph, focus: set[Node]) -> Graph:
    """The report with only the results (and their details) whose focus node is in ``focus``."""
    kept = _empty_report()
    root = kept.value(None, RDF.type, SH.ValidationReport)
    for prefix, namespace in report.namespaces():
        kept.bind(prefix, namespace, override=False)
    for result in report.objects(None, SH.result):
        if report.value(result, SH.focusNode) in focus and (None, SH.detail, result) not in report:
            kept.add((root, SH.result, result))
            for triple in shacl_sparql.closure(report, result):
                kept.add(triple)
    shacl_sparql.set_conforms(kept)
    return kept


def _empty_report() -> Graph:
    report = Graph()
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, Literal(True)))
    return report


def validate(settings: Settings) -> ValidationReport:
    """Parse the source tree and validate it (raises ``SourceError`` on unreadable input)."""
    return validate_tree(settings)[1]


def validate_tree(
    settings: Settings, on_disk: bool | None = None
) -> tuple[Sources, ValidationReport]:
    """Parse the source tree, validate it, and return what was read with the report.

    The data files are parsed straight into the store (see :func:`~vetgraph.dataset.load_file`):
    at 1,000 schools that takes 18 s where parsing to Python quads and then filling the store
    took 36 s. Only the small graphs (shapes, codes, ontology) are read as Python quads too, so
    the returned :class:`Sources` has no data quads: a build loads the files again from disk.

    The store is in memory unless ``on_disk`` (default: when the data would need more than
    half the memory available, see :func:`holds_on_disk`), then in a temporary directory
    beside the store, removed afterwards. At 1,000 schools on disk: peak 970 MiB instead of
    1,950, but 124 s instead of 30 (lookups in RocksDB), hence only when memory is short.
    """
    data_bytes = sum(path.stat().st_size for path in source_files(settings)[GRAPH_DATA])
    available = available_memory()
    if on_disk is None:
        on_disk = holds_on_disk(data_bytes, available)
    if not on_disk:
        if warning := memory_warning(data_bytes, available):
            log.warning(warning)
        return _validate_in(ox.Store(), settings, bulk=False)
    folder = Path(settings.store_dir).absolute().parent
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".vetgraph-validate-", dir=folder) as scratch:
        log.info("validating %s of data in a store on disk (%s)", _amount(data_bytes), scratch)
        store = ox.Store(scratch)
        try:
            return _validate_in(store, settings, bulk=True)
        finally:
            del store  # closes RocksDB before its directory is removed


def holds_on_disk(data_bytes: int, available: int | None) -> bool:
    """Whether to validate in a store on disk: when holding the data in memory would take more
    than half of what is available (``MEMORY_PER_DATA_BYTE`` × the Turtle)."""
    return available is not None and data_bytes * MEMORY_PER_DATA_BYTE > available // 2


def _validate_in(
    store: ox.Store, settings: Settings, bulk: bool
) -> tuple[Sources, ValidationReport]:
    sources = read_sources(settings, data_into=store, bulk=bulk)
    store.extend(q for graph in (GRAPH_CODES, GRAPH_ONTOLOGY) for q in sources.quads[graph])
    return sources, validate_store(store, sources.quads, sources.prefixes)


def _result_nodes(report: Graph) -> list[Node]:
    return list(report.objects(None, SH.result))


def _label(graph: Graph, node: Node, lang: str) -> str | None:
    labels = sorted(
        str(o)
        for o in graph.objects(node, RDFS.label)
        if isinstance(o, Literal) and (o.language or "").lower().split("-")[0] == lang
    )
    if labels:
        return labels[0]
    if (node, RDF.type, QB.Observation) in graph:
        return _observation_label(graph, node, lang)
    return None


def _observation_label(graph: Graph, obs: Node, lang: str) -> str | None:
    """Observations carry no label of their own: name them by what they are about.

    "本溪市机电工程学校 · 生师比 · 2024" reads better in a report than a long IRI.
    """
    parts = [
        _label(graph, value, lang) if value is not None else None
        for value in (
            graph.value(obs, VET.refSubject),
            graph.value(obs, VET.indicator),
            graph.value(obs, VET.category),
        )
    ]
    period = graph.value(obs, SDMX_PERIOD)
    named = [p for p in parts if p] + ([str(period)] if period is not None else [])
    return " · ".join(named) if parts[0] and parts[1] else None


def _named_shape(shapes: Graph, shape: Node | None) -> str | None:
    """The shape's IRI, or for a blank property shape the IRI of the node shape holding it."""
    seen: set[Node] = set()
    while shape is not None and shape not in seen:
        if isinstance(shape, URIRef):
            return str(shape)
        seen.add(shape)
        shape = next(shapes.subjects(SH.property, shape), None) or next(
            shapes.subjects(SH.node, shape), None
        )
    return None


def path_text(graph: Graph, path: Node) -> str:
    """A SHACL property path in SPARQL syntax (a bare IRI string when it is a predicate)."""
    if isinstance(path, URIRef):
        return str(path)
    if (path, RDF.first, None) in graph:
        return "/".join(_path_atom(graph, p) for p in Collection(graph, path))
    for prop, fmt in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = graph.value(path, prop)
        if inner is not None:
            return fmt.format(_path_atom(graph, inner))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path_atom(graph, p) for p in Collection(graph, alternatives)) + ")"
    return str(path)


def _path_atom(graph: Graph, path: Node) -> str:
    text = path_text(graph, path)
    return f"<{text}>" if isinstance(path, URIRef) else f"({text})"


def _severity(node: Node | None) -> str:
    if node is None:
        return "Violation"
    text = str(node)
    return text.rsplit("#", 1)[-1] if text.startswith(str(SH)) else text


def _result(report: Graph, node: Node, data: Graph, shapes: Graph) -> ValidationResult:
    focus = report.value(node, SH.focusNode)
    path = report.value(node, SH.resultPath)
    component = report.value(node, SH.sourceConstraintComponent)
    messages = tuple(sorted(str(m) for m in report.objects(node, SH.resultMessage)))
    return ValidationResult(
        severity=_severity(report.value(node, SH.resultSeverity)),
        focus_node=_node_text(focus),
        label_zh=_label(data, focus, "zh") if focus is not None else None,
        label_en=_label(data, focus, "en") if focus is not None else None,
        path=path_text(report, path) if path is not None else None,
        value=report.value(node, SH.value),
        messages=messages,
        source_shape=_named_shape(shapes, report.value(node, SH.sourceShape)),
        source_constraint_component=str(component) if component is not None else None,
    )


def _node_text(node: Node | None) -> str:
    if node is None:
        return ""
    return f"_:{node}" if isinstance(node, BNode) else str(node)

"""``vetgraph template`` and ``vetgraph import``: the data steward's way in, without Turtle.

An import reads every sheet, resolves names, and validates the result together with the
existing data exactly as ``vetgraph validate`` does
(:func:`vetgraph.shacl.validate.validate_graphs`); only when nothing is wrong are the Turtle
files written, each to a temporary file first and renamed into place (as ``build`` switches
its store), so a refused import changes nothing.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, Graph, URIRef

from ..build import _fsync_dir
from ..config import GRAPH_CODES, GRAPH_DATA, GRAPH_ONTOLOGY, GRAPH_SHAPES, Settings
from ..dataset import parse_file, read_sources, source_files
from ..shacl.validate import ValidationResult, validate_graphs
from ..store.base import to_oxigraph, to_rdflib
from . import files
from .model import Issue, Names, emit, extract, slug, turtle
from .spec import SHEETS, VET

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT = 0, 1, 2


def _graph(quads: list[ox.Quad]) -> Graph:
    graph = Graph()
    for q in quads:
        graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return graph


def current_graphs(settings: Settings) -> tuple[Graph, Graph]:
    """The data and code graphs, from the Turtle sources that ``build`` loads into the store.

    Not from the store itself: Oxigraph keeps a decimal's value, not its lexical form, so the
    report's "97.20" and "3771.70" would come back as 97.2 and 3771.7.
    """
    sources = read_sources(settings)
    return _graph(sources.quads[GRAPH_DATA]), _graph(sources.quads[GRAPH_CODES])


def latest_report(data: Graph) -> str:
    """The report with the latest year: where a new workbook's sources point by default."""
    reports = sorted(((str(data.value(r, VET.reportYear) or ""), str(r))
                      for r in data.subjects(RDF.type, VET.Report)), reverse=True)
    return reports[0][1] if reports else "https://w3id.org/vetgraph/source/report"


def make_template(settings: Settings, out: Path, from_store: bool = False,
                  source: str | None = None) -> dict[str, int]:
    """Write the workbook (.xlsx) or CSV folder (any other path); returns rows per sheet."""
    data, codes = current_graphs(settings)
    names = Names.from_graphs(data, codes, source or latest_report(data))
    rows = extract(data, names)[0] if from_store else {}
    if out.suffix.lower() == ".xlsx":
        files.write_xlsx(out, rows, names)
    else:
        files.write_csv(out, rows, names)
    return {sheet.name: len(rows.get(sheet.name, [])) for sheet in SHEETS}


@dataclass
class ImportOutcome:
    """What an import found and did; ``exit_code`` as ``vetgraph validate``'s."""

    exit_code: int
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    graphs: dict[str, Graph] = field(default_factory=dict)


def file_prefix(source: str) -> str:
    return slug(source.rstrip("/").rsplit("/", 1)[-1]) or "import"


def run_import(settings: Settings, path: Path, out_dir: Path,
               source: str | None = None) -> ImportOutcome:
    """Read a workbook (or CSV folder), validate it with the existing data, write its Turtle."""
    try:
        if path.is_dir():
            rows, issues, readme_source = files.read_csv(path)
        else:
            rows, issues, readme_source = files.read_xlsx(path)
    except files.WorkbookError as exc:
        return ImportOutcome(EXIT_INPUT, errors=[str(exc)])
    data, codes = current_graphs(settings)
    report = source or _report_of(rows) or readme_source or latest_report(data)
    names = Names.from_graphs(data, codes, report)
    emitted = emit(rows, names)
    sheets = {s.name: s for s in SHEETS}
    all_issues = issues + emitted.issues
    if all_issues:
        return ImportOutcome(EXIT_VIOLATIONS, errors=[_issue_text(sheets, i) for i in all_issues])
    prefix = file_prefix(report)
    targets = {name: out_dir / f"{prefix}-{name.replace('_', '-')}.ttl"
               for name, graph in emitted.graphs.items() if len(graph)}
    report_ = _validate(settings, emitted.graphs, set(targets.values()))
    errors, warnings = [], []
    for result in report_.results:
        line = _result_text(result, emitted.origin, sheets)
        (errors if result.severity == "Violation" else warnings).append(line)
    if errors:
        return ImportOutcome(EXIT_VIOLATIONS, errors=errors, warnings=warnings,
                             graphs=emitted.graphs)
    written = _write_all(targets, emitted.graphs, path)
    return ImportOutcome(EXIT_OK, warnings=warnings, written=written, graphs=emitted.graphs)


def _report_of(rows: files.Rows) -> str | None:
    reports = [r.get("iri") for _, r in rows.get("report", []) if r.get("iri")]
    return str(reports[0]) if len(reports) == 1 else None


def _issue_text(sheets: dict, issue: Issue) -> str:
    return issue.text(files.cell_name(sheets[issue.sheet], issue))


def _validate(settings: Settings, graphs: dict[str, Graph], replaced: set[Path]):
    """The existing sources (less the files this import replaces) plus the new graphs."""
    quads: dict[str, list[ox.Quad]] = {g: [] for g in (GRAPH_DATA, GRAPH_CODES, GRAPH_ONTOLOGY,
                                                       GRAPH_SHAPES)}
    prefixes: dict[str, str] = {}
    resolved = {p.resolve() for p in replaced}
    for graph, paths in source_files(settings).items():
        for file in paths:
            if graph == GRAPH_DATA and file.resolve() in resolved:
                continue
            found, declared = parse_file(file)
            quads[graph].extend(found)
            prefixes.update(declared)
    for graph in graphs.values():
        quads[GRAPH_DATA].extend(ox.Quad(*(to_oxigraph(t) for t in triple)) for triple in graph)
    return validate_graphs(quads, prefixes)


def _result_text(result: ValidationResult, origin: dict, sheets: dict) -> str:
    names = " / ".join(x for x in (result.label_zh, result.label_en) if x)
    message = " | ".join(result.messages) or "(no message)"
    value = f" 值 value {result.value}" if result.value is not None else ""
    place = origin.get(URIRef(result.focus_node))
    if place is None:
        where = f"existing data <{result.focus_node}>"
    else:
        sheet = sheets[place[0]]
        key = next((c.key for c in sheet.columns
                    if result.path and c.predicate is not None and str(c.predicate) == result.path),
                   None)
        where = files.cell_name(sheet, Issue(sheet.name, place[1], key, "", "")) or ""
        where = f"{sheet.name}!{where}"
    return f"{where}: 校验未通过 {names}{value} / SHACL {result.severity.lower()}: {message}"


def _write_all(targets: dict[str, Path], graphs: dict[str, Graph], origin: Path) -> list[Path]:
    """Serialise every file to a temporary file first; rename them only when all are written."""
    staged: list[tuple[str, Path]] = []
    try:
        for name, target in sorted(targets.items()):
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            with os.fdopen(handle, "wb") as out:
                out.write(f"# Imported by `vetgraph import` from {origin.name}, sheet {name}.\n"
                          .encode())
                out.write(turtle(graphs[name]))
                out.flush()
                os.fsync(out.fileno())
            files.set_default_mode(tmp)
            staged.append((tmp, target))
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    for folder in {target.parent for _, target in staged}:
        _fsync_dir(folder)  # the renames themselves survive a crash, as build's switch does
    return [target for _, target in staged]

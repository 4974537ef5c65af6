"""A validation report in the three formats ``vetgraph validate --format`` offers: text for the
steward (entities named by label), JSON for scripts, and the SHACL report graph as Turtle.

JSON report (``format_json``), stable for scripts::

    {"conforms": false,                       # true when there is no sh:Violation
     "counts": {"Violation": 1, "Warning": 0, "Info": 0},
     "results": [{"severity": "Violation",
                  "focus_node": "https://w3id.org/vetgraph/id/school/x",
                  "labels": {"zh": "…", "en": "…"},      # null when absent
                  "path": "https://…#studentCount",      # SPARQL path text if complex; or null
                  "value": {"type": "literal", "value": "-3",
                            "datatype": "http://www.w3.org/2001/XMLSchema#integer"},  # or null
                  "messages": ["…"],
                  "source_shape": "https://…#SchoolShape",  # nearest IRI-named shape, or null
                  "source_constraint_component": "http://www.w3.org/ns/shacl#MinInclusive…"}]}
"""

from __future__ import annotations

import json
from collections.abc import Callable

from rdflib import XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .validate import ValidationReport, ValidationResult


def _term_json(term: Node | None) -> dict[str, str] | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None:
        out["datatype"] = str(term.datatype)
    return out


def to_json(report: ValidationReport) -> dict:
    """The documented JSON structure (see the module docstring)."""
    return {
        "conforms": report.conforms,
        "counts": report.counts,
        "results": [
            {
                "severity": r.severity,
                "focus_node": r.focus_node,
                "labels": {"zh": r.label_zh, "en": r.label_en},
                "path": r.path,
                "value": _term_json(r.value),
                "messages": list(r.messages),
                "source_shape": r.source_shape,
                "source_constraint_component": r.source_constraint_component,
            }
            for r in report.results
        ],
    }


def format_json(report: ValidationReport) -> str:
    return json.dumps(to_json(report), ensure_ascii=False, indent=2) + "\n"


def format_ttl(report: ValidationReport) -> str:
    """The SHACL validation report graph itself, in Turtle."""
    return report.graph.serialize(format="turtle")


def format_text(report: ValidationReport) -> str:
    """Summary first, then one line per result grouped by severity, naming entities by label."""
    graph = report.graph
    counts = report.counts
    verdict = "conforms" if report.conforms else "does not conform"
    summary = ", ".join(f"{n} {s.lower()}{'' if n == 1 else 's'}" for s, n in counts.items())
    lines = [f"vetgraph validate: {verdict} ({summary})"]
    for severity in counts:
        group = [r for r in report.results if r.severity == severity]
        if not group:
            continue
        lines.append("")
        lines.append(f"{severity} ({len(group)})")
        for r in group:
            lines.append("  " + _text_line(graph, r))
    return "\n".join(lines) + "\n"


def _text_line(graph: Graph, r: ValidationResult) -> str:
    names = " / ".join(x for x in (r.label_zh, r.label_en) if x) or "(no label)"
    parts = [f"{names} <{r.focus_node}>"]
    if r.path:
        parts.append(f"path {_compact(graph, r.path)}")
    if r.value is not None:
        parts.append(f"value {_value_text(graph, r.value)}")
    line = " ".join(parts) + ": " + (" | ".join(r.messages) or "(no message)")
    extras = [
        _compact(graph, x) for x in (r.source_constraint_component, r.source_shape) if x
    ]
    return line + (f" [{', '.join(extras)}]" if extras else "")


def _compact(graph: Graph, iri: str) -> str:
    """A prefixed name when a prefix of the sources fits; complex paths stay as written."""
    if iri.startswith(("<", "^", "(")):
        return iri
    try:
        return graph.namespace_manager.normalizeUri(URIRef(iri))
    except Exception:  # any IRI rdflib cannot shorten is shown whole
        return f"<{iri}>"


_BARE = {XSD.integer, XSD.decimal, XSD.double, XSD.boolean}


def _value_text(graph: Graph, value: Node) -> str:
    """Numbers and booleans bare (as Turtle writes them), other literals in Turtle form."""
    if isinstance(value, Literal):
        if value.datatype in _BARE and value.ill_typed is False:
            return str(value)
        return value.n3(graph.namespace_manager)
    if isinstance(value, URIRef):
        return _compact(graph, str(value))
    return f"_:{value}"


FORMATTERS: dict[str, Callable[[ValidationReport], str]] = {
    "text": format_text,
    "json": format_json,
    "ttl": format_ttl,
}

"""The validation report as data: quads for ``graph/validation``.

pyshacl's report graph is made of blank nodes, which no two backends (nor two requests to a
remote store) name alike. This module writes the same report with IRIs instead: the report is
``<base>validation/<version>`` and its results ``<base>validation/<version>/<n>``, numbered in
the report's own order (:meth:`ValidationResult.sort_key`), so every backend stores the same
triples for the same sources.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .. import namespaces as ns
from ..config import BASE_IRI, GRAPH_VALIDATION
from ..dataset import Sources
from ..store.base import to_oxigraph
from .validate import ValidationReport

_SH = ns.SH
_XSD_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
_TYPE = ox.NamedNode(ns.RDF + "type")


def report_iri(version: str) -> str:
    """The IRI of the report of the sources of ``version``."""
    return f"{BASE_IRI}validation/{version}"


def _sh(name: str) -> ox.NamedNode:
    return ox.NamedNode(_SH + name)


def _message_languages(report: ValidationReport) -> dict[str, str | None]:
    """Each message's language tag as pyshacl wrote it (the results keep the text only)."""
    return {
        str(m): (m.language if isinstance(m, Literal) else None)
        for m in report.graph.objects(None, URIRef(_SH + "resultMessage"))
    }


def _term(node: Node) -> ox.NamedNode | ox.Literal | None:
    """A result's value as an Oxigraph term; a blank node has no stable name and is left out."""
    return None if isinstance(node, BNode) else to_oxigraph(node)


def report_quads(report: ValidationReport, version: str) -> list[ox.Quad]:
    """The report as quads in ``graph/validation``: the report node (conforms, its results),
    then per result its focus node, path (when a predicate), value, severity, source shape,
    constraint component and messages (language-tagged as pyshacl wrote them)."""
    graph = ox.NamedNode(GRAPH_VALIDATION)
    subject = ox.NamedNode(report_iri(version))
    quads = [
        ox.Quad(subject, _TYPE, _sh("ValidationReport"), graph),
        ox.Quad(subject, _sh("conforms"),
                ox.Literal("true" if report.conforms else "false", datatype=_XSD_BOOLEAN), graph),
    ]
    languages = _message_languages(report)
    for number, result in enumerate(report.results, start=1):
        node = ox.NamedNode(f"{report_iri(version)}/{number}")
        quads += [
            ox.Quad(subject, _sh("result"), node, graph),
            ox.Quad(node, _TYPE, _sh("ValidationResult"), graph),
            ox.Quad(node, _sh("resultSeverity"), _sh(result.severity), graph),
        ]
        if result.focus_node and not result.focus_node.startswith("_:"):
            quads.append(ox.Quad(node, _sh("focusNode"), ox.NamedNode(result.focus_node), graph))
        if result.path and "://" in result.path and not result.path.startswith(("<", "^", "(")):
            quads.append(ox.Quad(node, _sh("resultPath"), ox.NamedNode(result.path), graph))
        if result.value is not None and (value := _term(result.value)) is not None:
            quads.append(ox.Quad(node, _sh("value"), value, graph))
        if result.source_shape:
            quads.append(ox.Quad(node, _sh("sourceShape"), ox.NamedNode(result.source_shape),
                                 graph))
        if result.source_constraint_component:
            quads.append(ox.Quad(node, _sh("sourceConstraintComponent"),
                                 ox.NamedNode(result.source_constraint_component), graph))
        for message in result.messages:
            language = languages.get(message)
            quads.append(ox.Quad(node, _sh("resultMessage"),
                                 ox.Literal(message, language=language) if language
                                 else ox.Literal(message), graph))
    return quads


def add_validation(sources: Sources, report: ValidationReport) -> None:
    """Put the report's quads under ``graph/validation`` of ``sources.quads`` (the memory and
    remote backends load what is there), named as a build on Oxigraph names them."""
    sources.quads[GRAPH_VALIDATION] = [
        ox.Quad(q.subject, q.predicate, q.object) for q in report_quads(report, sources.version)
    ]

"""One case convention for English labels: sentence case in the codes, ontology and data."""

from __future__ import annotations

import pytest
from helpers.support import REAL_TREE_PRESENT, REPO
from rdflib import Graph, Literal
from rdflib.namespace import RDFS, SKOS

#: Names written in lower case on purpose (the product's own name).
LOWER_CASE_NAMES = ("vetgraph",)


@pytest.mark.slow
@pytest.mark.skipif(not REAL_TREE_PRESENT, reason="project sources (data/ttl/) not written yet")
def test_english_labels_are_in_sentence_case():
    files = [
        REPO / "ontology" / "vetgraph.ttl",
        *sorted((REPO / "ontology" / "codes").glob("*.ttl")),
        *sorted((REPO / "data" / "ttl").glob("*.ttl")),
    ]
    lower = []
    for path in files:
        graph = Graph().parse(path, format="turtle")
        for prop in (RDFS.label, SKOS.prefLabel, SKOS.altLabel):
            for s, label in graph.subject_objects(prop):
                if not (isinstance(label, Literal) and (label.language or "").startswith("en")):
                    continue
                text = str(label)
                if text[:1].islower() and not text.startswith(LOWER_CASE_NAMES):
                    lower.append(f"{path.name}: {s} {text!r}")
    assert lower == []

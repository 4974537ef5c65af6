"""The build's validation report as data (issue 22, item 1): ``graph/validation`` holds what
``vetgraph validate`` reports, with the same IRIs on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.support import REPO, settings_for

from vetgraph.config import GRAPH_VALIDATION
from vetgraph.shacl.validate import ValidationReport, validate
from vetgraph.store import Store, open_store
from vetgraph.store.oxigraph import OxigraphStore, read_manifest

pytestmark = pytest.mark.slow

RESULTS = f"""PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT ?report ?conforms ?result ?severity ?focus ?path ?value ?shape ?component
       (GROUP_CONCAT(?message; separator="\\n") AS ?messages)
WHERE {{ GRAPH <{GRAPH_VALIDATION}> {{
  ?report a sh:ValidationReport ; sh:conforms ?conforms ; sh:result ?result .
  ?result a sh:ValidationResult ; sh:resultSeverity ?severity ; sh:focusNode ?focus .
  OPTIONAL {{ ?result sh:resultPath ?path }}
  OPTIONAL {{ ?result sh:value ?value }}
  OPTIONAL {{ ?result sh:sourceShape ?shape }}
  OPTIONAL {{ ?result sh:sourceConstraintComponent ?component }}
  OPTIONAL {{ ?result sh:resultMessage ?message }}
}} }}
GROUP BY ?report ?conforms ?result ?severity ?focus ?path ?value ?shape ?component
ORDER BY ?result"""


def _text(term: object) -> str | None:
    return None if term is None else str(term)


def stored(store: Store) -> list[tuple]:
    """The stored findings as ``validate`` lists them: severity, focus, path, value, source
    shape, constraint component, messages (sorted)."""
    rows = store.query(RESULTS).rows
    return sorted(
        (
            str(severity).rsplit("#", 1)[-1], str(focus), _text(path), _text(value),
            _text(shape), _text(component), tuple(sorted(str(messages).split("\n"))),
        )
        for _r, _c, _res, severity, focus, path, value, shape, component, messages in rows
    )


def reported(report: ValidationReport) -> list[tuple]:
    return sorted(
        (r.severity, r.focus_node, r.path, _text(r.value), r.source_shape,
         r.source_constraint_component, tuple(sorted(r.messages)))
        for r in report.results
    )


@pytest.fixture(scope="module")
def report() -> ValidationReport:
    return validate(settings_for(REPO))


def test_build_stores_what_validate_reports(project_store: Path, report: ValidationReport):
    assert report.counts == {"Violation": 0, "Warning": 14, "Info": 0}
    store = OxigraphStore.open(project_store)
    try:
        findings = stored(store)
        assert findings == reported(report)
        assert len(findings) == 14 and {f[0] for f in findings} == {"Warning"}
        version = read_manifest(project_store)["version"]
        iri = f"https://w3id.org/vetgraph/validation/{version}"
        rows = store.query(RESULTS).rows
        assert {str(row[0]) for row in rows} == {iri}
        assert {str(row[1]) for row in rows} == {"true"}  # warnings only: it conforms
        assert sorted(str(row[2]) for row in rows) == sorted(f"{iri}/{n}" for n in range(1, 15))
        # each message is the rule's template filled in: zh, then " / ", then en
        assert all(" / " in m for f in findings for m in f[6])
    finally:
        store.close()


def test_memory_backend_stores_the_same_graph(project_store: Path):
    built = OxigraphStore.open(project_store)
    memory = open_store(settings_for(REPO), "memory")
    try:
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH_VALIDATION}> {{ ?s ?p ?o }} }}"
        assert set(memory.query(query).triples) == set(built.query(query).triples)
        assert memory.triple_count(GRAPH_VALIDATION) == built.triple_count(GRAPH_VALIDATION)
        assert stored(memory) == stored(built)
    finally:
        memory.close()
        built.close()


def test_findings_query_answers_from_the_stored_report(project_store: Path):
    """``data-quality-findings`` on a built store lists the stored results of the quality
    rules, message for message (the stores without a report run the rules: see
    tests/queries/test_catalogue.py)."""
    from helpers.queries import answer

    store = OxigraphStore.open(project_store)
    try:
        rows = answer(store, settings_for(REPO), "data-quality-findings")
        quality = {
            (f[4], f[1], m) for f in stored(store)
            if f[4] and f[4].startswith("https://w3id.org/vetgraph/shapes#") and f[0] == "Warning"
            for m in f[6]
        }
        assert len(rows) == len(quality) == 14
        assert {(r["rule"], r["focus"], r["message"]) for r in rows} == quality
        assert {r["severity"] for r in rows} == {"http://www.w3.org/ns/shacl#Warning"}
    finally:
        store.close()

"""SPARQL constraints on Oxigraph give the same report as pyshacl alone, much faster."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from helpers.support import FIXTURE_TREE, edit, settings_for
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH

from vetgraph.dataset import load_dataset
from vetgraph.shacl import sparql as shacl_sparql
from vetgraph.shacl import validate
from vetgraph.shacl.report import to_json
from vetgraph.shacl.validate import ShapesError, data_graph, shapes_graph, validate_dataset

VSH = Namespace("https://w3id.org/vetgraph/shapes#")
SHAPES_FILE = Path("ontology") / "shapes" / "shapes.ttl"


def summary(report: Graph) -> set[tuple]:
    return {
        (
            report.value(r, SH.focusNode),
            report.value(r, SH.resultSeverity),
            report.value(r, SH.value),
            report.value(r, SH.resultPath),
            report.value(r, SH.sourceShape) if isinstance(report.value(r, SH.sourceShape),
                                                          URIRef) else None,
            tuple(sorted(str(m) for m in report.objects(r, SH.resultMessage))),
        )
        for r in report.objects(None, SH.result)
    }


def pyshacl_alone(ds) -> Graph:
    _, report, _ = pyshacl.validate(
        data_graph(ds), shacl_graph=shapes_graph(ds), inference="none", advanced=True,
        allow_warnings=True,
    )
    return report



def _add_shapes(tree: Path, added: str) -> None:
    """Append Turtle to the tree's shapes file."""
    path = tree / SHAPES_FILE
    path.write_text(path.read_text(encoding="utf-8") + added, encoding="utf-8")

def test_fixture_sparql_shapes_are_delegated():
    shapes = shapes_graph(load_dataset(settings_for(FIXTURE_TREE)))
    delegated = shacl_sparql.delegable_shapes(shapes)
    # OrganizationShape mixes core and SPARQL constraints; the other is SPARQL only.
    assert set(delegated) == {VSH.OrganizationShape, VSH.OrganizationEnglishLabelShape}
    core = shacl_sparql.without(shapes, delegated)
    assert (VSH.OrganizationShape, SH.property, None) in core  # core part stays with pyshacl
    assert (VSH.OrganizationShape, SH.sparql, None) not in core
    assert (VSH.OrganizationEnglishLabelShape, None, None) not in core  # nothing left to check
    assert not list(core.objects(None, SH.select))


def test_same_report_as_pyshacl_alone(tree: Path):
    schools = tree / "data" / "ttl" / "schools.ttl"
    edit(schools, "vet:studentCount 800", "vet:studentCount -800")
    edit(schools, '"本溪市卫生学校"@zh, "Benxi Health School"@en', '"Benxi Health School"@en')
    ds = load_dataset(settings_for(tree))
    ours = validate_dataset(ds)
    reference = pyshacl_alone(ds)
    assert summary(ours.graph) == summary(reference)
    assert len(summary(reference)) == 3
    root = ours.graph.value(None, RDF.type, SH.ValidationReport)
    assert ours.graph.value(root, SH.conforms) == Literal(False)


def test_same_report_on_one_thread_as_on_many(tree: Path, monkeypatch):
    """The core report and the constraints run side by side on a thread pool, one thread per
    core: the report must not depend on how many there are or which finishes first."""
    schools = tree / "data" / "ttl" / "schools.ttl"
    edit(schools, "vet:studentCount 800", "vet:studentCount -800")
    edit(schools, '"本溪市卫生学校"@zh, "Benxi Health School"@en', '"Benxi Health School"@en')
    ds = load_dataset(settings_for(tree))
    reports = []
    for cores in (1, 4):
        monkeypatch.setattr(validate, "available_cores", lambda cores=cores: cores)
        reports.append(to_json(validate_dataset(ds)))
    assert reports[0] == reports[1]
    assert reports[0]["counts"] == {"Violation": 2, "Warning": 1, "Info": 0}


def test_message_placeholders_and_value_binding(tree: Path):
    edit(tree / SHAPES_FILE, 'sh:message "缺少英文名称 / no rdfs:label in English" ;',
         'sh:message "{$this} 缺少英文名称 ({?zh})" ;')
    edit(tree / SHAPES_FILE, 'SELECT $this WHERE {\n                FILTER NOT EXISTS { $this rdfs'
         ':label ?l FILTER(langMatches(lang(?l), "en")) }',
         'SELECT $this ?zh ?value WHERE {\n                $this rdfs:label ?zh BIND(STRLEN(?zh)'
         ' AS ?value)\n                FILTER NOT EXISTS { $this rdfs:label ?l FILTER(langMatch'
         'es(lang(?l), "en")) }')
    ds = load_dataset(settings_for(tree))
    ours = validate_dataset(ds)
    [warning] = [r for r in ours.results if r.severity == "Warning"]
    assert warning.messages == (
        "https://w3id.org/vetgraph/id/school/huanren 缺少英文名称 (桓仁满族自治县职业教育中心)",)
    assert warning.value == Literal(13)
    assert summary(ours.graph) == summary(pyshacl_alone(ds))


def test_shapes_it_cannot_run_stay_with_pyshacl(tree: Path):
    added = """
vsh:Referenced a sh:NodeShape ;
    sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o }" ] .
vsh:Referrer a sh:NodeShape ; sh:node vsh:Referenced .
vsh:UsesPath a sh:NodeShape ; sh:targetClass vet:Major ;
    sh:sparql [ sh:select "SELECT $this WHERE { $this $PATH ?o }" ] .
vsh:NoThis a sh:NodeShape ; sh:targetClass vet:Major ;
    sh:sparql [ sh:select "SELECT ?x WHERE { ?x ?p ?o }" ] .
vsh:Deactivated a sh:NodeShape ; sh:targetClass vet:Major ; sh:deactivated true ;
    sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o }" ] .
"""
    _add_shapes(tree, added)
    shapes = shapes_graph(load_dataset(settings_for(tree)))
    delegated = set(shacl_sparql.delegable_shapes(shapes))
    assert VSH.Referenced not in delegated
    assert VSH.UsesPath not in delegated
    assert VSH.NoThis not in delegated
    assert VSH.Deactivated in delegated  # and then skipped: deactivated shapes check nothing


def test_failure_variable_is_an_error(tree: Path):
    added = """
vsh:Fails a sh:NodeShape ; sh:targetClass vet:Major ;
    sh:sparql [ sh:select "SELECT $this ?failure WHERE { BIND(true AS ?failure) }" ] .
"""
    _add_shapes(tree, added)
    with pytest.raises(ShapesError, match="Fails> reported \\?failure"):
        validate_dataset(load_dataset(settings_for(tree)))


def test_sparql_targets_and_subclass_targets(tree: Path):
    added = """
vsh:BigSchools a sh:NodeShape ; sh:severity sh:Info ;
    sh:target [ a sh:SPARQLTarget ; sh:prefixes vsh: ;
        sh:select "SELECT ?this WHERE { ?this <https://w3id.org/vetgraph/ontology#studentCount> ?n FILTER(?n > 1000) }" ] ;
    sh:sparql [ sh:prefixes vsh: ; sh:message "big" ;
        sh:select "SELECT $this WHERE { $this rdfs:label ?l }" ] .
"""  # noqa: E501
    _add_shapes(tree, added)
    ds = load_dataset(settings_for(tree))
    ours = validate_dataset(ds)
    infos = [r for r in ours.results if r.severity == "Info"]
    # Targets: benxi-health and its observation (both 1200); only the school has labels, and
    # its two label solutions project the same $this, so they make one result.
    assert [r.focus_node for r in infos] == ["https://w3id.org/vetgraph/id/school/benxi-health"]
    assert summary(ours.graph) == summary(pyshacl_alone(ds))


def test_many_focus_nodes_run_unrestricted_with_the_same_report(tree: Path, monkeypatch):
    """Past MAX_VALUES focus nodes of a declared target, a joinable constraint that binds
    ?this first runs without VALUES ?this and its rows are kept for the focus nodes: the same
    report as pyshacl, and rows about nodes outside the target are not reported. One that does
    not bind ?this first (FILTER NOT EXISTS { $this … } alone: no row unrestricted) keeps
    its VALUES."""
    added = """
vsh:BigSchoolLabels a sh:NodeShape ; sh:severity sh:Info ;
    sh:target [ a sh:SPARQLTarget ; sh:prefixes vsh: ;
        sh:select "SELECT ?this WHERE { ?this <https://w3id.org/vetgraph/ontology#studentCount> ?n FILTER(?n > 1000) }" ] ;
    sh:sparql [ sh:prefixes vsh: ; sh:message "labelled" ;
        sh:select "SELECT $this WHERE { $this rdfs:label ?l }" ] .
vsh:CountedLabels a sh:NodeShape ; sh:severity sh:Info ;
    sh:targetSubjectsOf <https://w3id.org/vetgraph/ontology#studentCount> ;
    sh:sparql [ sh:prefixes vsh: ; sh:message "counted" ;
        sh:select "SELECT $this WHERE { $this rdfs:label ?l }" ] .
"""  # noqa: E501
    _add_shapes(tree, added)
    ds = load_dataset(settings_for(tree))
    restricted = validate_dataset(ds)
    restrictions: list = []
    real_rows = shacl_sparql._rows

    def recording(store, c, shape, substitutions, restrict_to=None):
        restrictions.append((shape, restrict_to is not None))
        return real_rows(store, c, shape, substitutions, restrict_to=restrict_to)

    monkeypatch.setattr(shacl_sparql, "MAX_VALUES", 0)
    monkeypatch.setattr(shacl_sparql, "_rows", recording)
    unrestricted = validate_dataset(ds)
    assert (VSH.CountedLabels, False) in restrictions  # a declared target: unrestricted
    assert (VSH.BigSchoolLabels, True) in restrictions  # a SPARQL target keeps its VALUES
    assert (VSH.OrganizationEnglishLabelShape, True) in restrictions
    assert summary(unrestricted.graph) == summary(restricted.graph)
    assert summary(unrestricted.graph) == summary(pyshacl_alone(ds))
    infos = [r for r in unrestricted.results if r.severity == "Info"]
    counted = [r.focus_node for r in infos if r.messages and r.messages[0].startswith("counted")]
    assert counted and "https://w3id.org/vetgraph/id/school/benxi-health" in counted


@pytest.mark.parametrize(
    ("select", "expected"),
    [
        ("SELECT $this WHERE { $this a ?c FILTER NOT EXISTS { $this rdfs:label ?l } }", True),
        ("SELECT $this WHERE { FILTER NOT EXISTS { $this rdfs:label ?l } }", False),
        ("SELECT $this WHERE { OPTIONAL { $this rdfs:label ?l } $this a ?c }", False),
        ("SELECT $this WHERE { { $this a ?c } UNION { $this rdfs:label ?l } }", False),
        ("SELECT $this ?n WHERE { $this a ?c { SELECT $this (COUNT(*) AS ?n) WHERE {"
         " $this rdfs:label ?l } GROUP BY $this } }", True),
        ("SELECT $this ?n WHERE { $this a ?c { SELECT $this (COUNT(*) AS ?n) WHERE {"
         " OPTIONAL { $this rdfs:label ?l } } GROUP BY $this } }", False),
    ],
)
def test_binds_this_first(select: str, expected: bool):
    prefix = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    assert shacl_sparql.binds_this_first(shacl_sparql._algebra(prefix + select)) is expected


def test_focus_nodes_of_a_target_class_are_computed_once():
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix e: <http://e/> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        e:A sh:targetClass e:C . e:B sh:targetClass e:C . e:D sh:targetClass e:D .
    """, format="turtle")
    store = shacl_sparql.ox.Store()
    E = "http://e/"
    store.load(f"<{E}x> a <{E}C> . <{E}y> a <{E}Sub> . <{E}Sub> "
               f"<http://www.w3.org/2000/01/rdf-schema#subClassOf> <{E}C> .",
               format=shacl_sparql.ox.RdfFormat.TURTLE)
    e = Namespace(E)
    cache: dict = {}
    first = shacl_sparql.focus_nodes(store, shapes, e.A, cache)
    assert [n.value for n in first] == [E + "x", E + "y"]
    assert shacl_sparql.focus_nodes(store, shapes, e.B, cache) is first
    assert shacl_sparql.focus_nodes(store, shapes, e.D, cache) == []


def test_focus_nodes_asked_of_the_store_agree_with_the_listed_ones():
    """A constraint run unrestricted asks the store which nodes it reports are focus nodes
    (FocusNodes.among) and counts the target there (more_than): the same as listing them."""
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix e: <http://e/> .
        e:A sh:targetClass e:C ; sh:targetNode e:n ; sh:targetSubjectsOf e:p ;
            sh:targetObjectsOf e:q .
    """, format="turtle")
    store = shacl_sparql.ox.Store()
    E = "http://e/"
    store.load(f"<{E}x> a <{E}C> . <{E}y> a <{E}Sub> . <{E}Sub> "
               f"<http://www.w3.org/2000/01/rdf-schema#subClassOf> <{E}C> . "
               f"<{E}s> <{E}p> 1 . <{E}z> <{E}q> <{E}o> . <{E}w> a <{E}Other> .",
               format=shacl_sparql.ox.RdfFormat.TURTLE)
    e = Namespace(E)
    asked = shacl_sparql.FocusNodes(store, shapes, e.A, {})
    candidates = {shacl_sparql.ox.NamedNode(E + name) for name in "xyznswo"}
    listed = set(shacl_sparql.focus_nodes(store, shapes, e.A))
    assert asked.among(set(candidates)) == candidates & listed
    assert {n.value for n in listed} == {E + name for name in "xynso"}
    assert asked.more_than(4) and not asked.more_than(5)

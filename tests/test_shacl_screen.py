"""The SPARQL screen of core SHACL finds exactly the focus nodes pyshacl finds, so the report
(written by pyshacl for those nodes only) equals pyshacl's on all the data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from helpers.support import REPO, edit, needs_real_tree, settings_for
from rdflib import Graph, URIRef
from rdflib.namespace import SH
from test_shacl_sparql import summary

from vetgraph.config import GRAPH_CODES, GRAPH_DATA, GRAPH_ONTOLOGY, GRAPH_SHAPES
from vetgraph.dataset import read_sources
from vetgraph.shacl import screen as shacl_screen
from vetgraph.shacl import sparql as shacl_sparql
from vetgraph.shacl.validate import _graph, validate_sources

pytestmark = needs_real_tree
ID = "https://w3id.org/vetgraph/id/"
OBS = "https://w3id.org/vetgraph/dataset/table-6-3/obs/"

#: One broken fact per kind of constraint the screen compiles: (file, old, new, focus node).
BREAKS = [
    # sh:node vsh:Entity → vsh:BilingualLabel: qualifiedMinCount of the zh label
    ("data/ttl/schools.ttl", '"桓仁满族自治县职业教育中心"@zh , ', "",
     ID + "school/huanren-vocational-education-centre"),
    # sh:datatype rdf:langString on skos:altLabel (a label without language)
    ("data/ttl/schools.ttl", 'skos:altLabel "桓仁县职教中心"@zh , "桓仁职教中心"@zh',
     'skos:altLabel "桓仁县职教中心"@zh , "桓仁职教中心"',
     ID + "school/huanren-vocational-education-centre"),
    # sh:minInclusive 1 on a row number
    ("data/ttl/training-bases.ttl", "vet:baseKind kind:training-base ;\n    vet:rowNumber 1 ;",
     "vet:baseKind kind:training-base ;\n    vet:rowNumber 0 ;",
     ID + "training-base/health-school-nursing-simulated-hospital"),
    # sh:datatype xsd:gYear with an ill-typed lexical form
    ("data/ttl/training-bases.ttl", 'vet:yearBuilt "2012"^^xsd:gYear ;\n    vet:owner '
     "school:benxi-health-school ;\n    vet:coversMajor mj:nursing ,",
     'vet:yearBuilt "12"^^xsd:gYear ;\n    vet:owner school:benxi-health-school ;\n'
     "    vet:coversMajor mj:nursing ,",
     ID + "training-base/health-school-nursing-simulated-hospital"),
    # sh:node vsh:PartyShape on a blank node: minCount of prov:hadRole
    ("data/ttl/agreements.ttl",
     "prov:agent org:liaoning-pharmaceutical-vocational-college ; "
     "prov:hadRole role:higher-institution ] ;\n    vet:statedText \"辽宁医药职业学院等\"@zh",
     "prov:agent org:liaoning-pharmaceutical-vocational-college ] ;\n"
     "    vet:statedText \"辽宁医药职业学院等\"@zh", None),
    # sh:languageIn ("zh") on the evidence of a cluster link
    ("data/ttl/cluster-links.ttl", "培养相关机电技术人才\"@zh", "培养相关机电技术人才\"@en", None),
    # sh:class on an alternative path (skos:exactMatch | skos:closeMatch)
    ("ontology/codes/major.ttl", "skos:exactMatch m:720201 , m:520201 ;",
     "skos:exactMatch m:720201 , m:520201 , <https://w3id.org/vetgraph/id/school/benxi-health-"
     "school> ;", None),
    # sh:or (xsd:integer | xsd:decimal) with an ill-typed integer; sh:maxCount on refPeriod;
    # sh:nodeKind sh:IRI on the subject
    ("data/ttl/stats-table-6-3.ttl",
     "    vet:refSubject school:benxi-health-school ;\n"
     "    sdmx-dimension:refPeriod \"2024\"^^xsd:gYear ;\n"
     "    vet:indicator ind:school-enterprise-cooperation-quantity ;\n"
     "    vet:valueKind vk:level ;\n"
     "    vet:category cat:new-partner-enterprises ;\n"
     "    sdmx-measure:obsValue 5 ;",
     "    vet:refSubject \"市卫生学校\"@zh ;\n"
     "    sdmx-dimension:refPeriod \"2024\"^^xsd:gYear , \"2023\"^^xsd:gYear ;\n"
     "    vet:indicator ind:school-enterprise-cooperation-quantity ;\n"
     "    vet:valueKind vk:level ;\n"
     "    vet:category cat:new-partner-enterprises ;\n"
     "    sdmx-measure:obsValue \"5家\"^^xsd:integer ;",
     OBS + "benxi-health-school-school-enterprise-cooperation-new-partner-enterprises"),
    # sh:uniqueLang on skos:prefLabel of a code
    ("ontology/codes/agreement-kind.ttl", 'skos:prefLabel "中高职“3+2”贯通培养"@zh ,',
     'skos:prefLabel "中高职“3+2”贯通培养"@zh , "中高职贯通"@zh ,',
     "https://w3id.org/vetgraph/code/agreement-kind/articulation-3-2"),
]


@pytest.fixture
def real_tree(tmp_path: Path) -> Path:
    root = tmp_path / "real"
    for folder in ("ontology", "data"):
        shutil.copytree(REPO / folder, root / folder)
    return root


def _core(root: Path):
    """The store, the core shapes (SPARQL constraints taken out) and the whole data graph."""
    sources = read_sources(settings_for(root))
    shapes = _graph(sources.quads[GRAPH_SHAPES], sources.prefixes)
    core = shacl_sparql.without(shapes, shacl_sparql.delegable_shapes(shapes))
    parts = [q for g in (GRAPH_DATA, GRAPH_CODES, GRAPH_ONTOLOGY) for q in sources.quads[g]]
    store = ox.Store()
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in parts)
    return sources, store, core, _graph(parts, sources.prefixes)


def _pyshacl_alone(data: Graph, shapes: Graph) -> Graph:
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                    allow_warnings=True)
    return report


@pytest.fixture(params=["per focus node", "per predicate"])
def screen_path(request, monkeypatch) -> str:
    """Both ways the screen checks a shape: in SPARQL per focus node (small shapes), and a
    predicate at a time with values checked once (shapes with many focus nodes, forced here
    for every shape; its blank-node values take the per-node way)."""
    if request.param == "per predicate":
        monkeypatch.setattr(shacl_screen, "LARGE_TARGET", 0)
    return request.param


@pytest.mark.slow
def test_every_shape_compiles_and_the_seed_passes_the_screen(screen_path: str) -> None:
    _, store, core, _ = _core(REPO)
    assert shacl_screen.shapes_with_targets(core)
    assert shacl_screen.failing_focus_nodes(store, core) == {}
    assert shacl_screen.reach(core) >= 2  # agreement → party (blank node) → agent's class


@pytest.mark.slow
def test_screen_finds_exactly_what_pyshacl_finds(real_tree: Path, screen_path: str) -> None:
    for path, old, new, _ in BREAKS:
        edit(real_tree / path, old, new)
    sources, store, core, data = _core(real_tree)
    reference = _pyshacl_alone(data, core)
    expected = {reference.value(r, SH.focusNode) for r in reference.objects(None, SH.result)}
    for _, _, _, focus in BREAKS:
        if focus is not None:
            assert URIRef(focus) in expected
    assert expected == {URIRef(u) for u in (
        "https://w3id.org/vetgraph/code/major/nursing",
        OBS + "benxi-health-school-school-enterprise-cooperation-new-partner-enterprises",
        ID + "agreement/benxi-chemical-industry-school-3-2-articulation",
        ID + "cluster-link/benxi-electromechanical-school-serves-machinery-manufacturing",
        ID + "school/huanren-vocational-education-centre",
        ID + "training-base/health-school-nursing-simulated-hospital",
        "https://w3id.org/vetgraph/code/agreement-kind/articulation-3-2",
    )}
    assert set().union(*shacl_screen.failing_focus_nodes(store, core).values()) == expected
    # the whole pipeline reports what pyshacl alone reports on the core shapes
    ours = validate_sources(sources)
    core_results = Graph()
    for triple in ours.graph:
        core_results.add(triple)
    for r in list(core_results.objects(None, SH.result)):
        if core_results.value(r, SH.sourceConstraintComponent) == SH.SPARQLConstraintComponent:
            core_results.remove((None, SH.result, r))
    assert summary(core_results) == summary(reference)
    assert not ours.conforms


@pytest.mark.slow
def test_unsupported_shapes_fall_back_to_pyshacl_on_all_data(real_tree: Path) -> None:
    shapes_file = real_tree / "ontology" / "shapes" / "structure.ttl"
    text = shapes_file.read_text(encoding="utf-8")
    text += """
vsh:ClosedSchool a sh:NodeShape ; sh:targetClass vet:School ; sh:closed true ;
    sh:ignoredProperties ( rdf:type ) .
"""
    shapes_file.write_text(text, encoding="utf-8")
    sources, store, core, data = _core(real_tree)
    with pytest.raises(shacl_screen.Unsupported):
        shacl_screen.failing_focus_nodes(store, core)
    ours = validate_sources(sources)
    closed = [r for r in ours.results if r.source_shape and r.source_shape.endswith("ClosedSchool")]
    assert {r.focus_node for r in closed} == {
        ID + "school/" + s for s in (
            "huanren-vocational-education-centre", "benxi-county-vocational-education-centre",
            "benxi-commerce-and-trade-school", "benxi-health-school",
            "benxi-chemical-industry-school", "benxi-electromechanical-school",
        )
    }

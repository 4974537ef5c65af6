"""Aggregates computed once, at build (issue 22, item 2): ``ontology/aggregates/*.rq`` write
derived observations into ``graph/inferred``, and the named queries ``city-totals`` and
``cluster-gaps`` read them. Each is checked against the live computation it replaced (the
queries as they were, kept in ``tests/fixtures/live-aggregates/``), on the seed and on a small
synthetic set, and against figures of the report."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers.queries import answer, load_store, project_settings, value
from helpers.support import REPO, needs_real_tree

from vetgraph.config import GRAPH_CODES, GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY, Settings
from vetgraph.dataset import read_sources
from vetgraph.infer import infer_sources, load_rules
from vetgraph.queries import load_query, run
from vetgraph.store.oxigraph import OxigraphStore
from vetgraph.synth import synthesize

pytestmark = needs_real_tree

LIVE = REPO / "tests" / "fixtures" / "live-aggregates"
PREFIXES = """
PREFIX vet: <https://w3id.org/vetgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX sdmxd: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX sdmxm: <http://purl.org/linked-data/sdmx/2009/measure#>
PREFIX sdmxa: <http://purl.org/linked-data/sdmx/2009/attribute#>
"""
DERIVED = "https://w3id.org/vetgraph/code/observation-status/derived"


def _live(settings: Settings, name: str) -> list[dict[str, Any]]:
    """The query as it was, on the store as it was: inferences, no aggregates."""
    sources = read_sources(settings)
    infer_sources(sources, [rule for rule in load_rules(settings) if rule.kind == "rule"])
    store = OxigraphStore.in_memory(sources.iter_quads())
    result = run(store, load_query(LIVE / f"{name}.rq"), {}, max_rows=100_000)
    return [{k: value(v) for k, v in row.items()} for row in result.dicts()]


def _select(store: OxigraphStore, text: str) -> list[tuple[Any, ...]]:
    return [tuple(map(value, row)) for row in store.query(PREFIXES + text).rows]


@pytest.fixture(scope="module")
def seed() -> tuple[OxigraphStore, Settings]:
    settings = project_settings()
    return load_store(settings), settings


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[OxigraphStore, Settings]:
    out = tmp_path_factory.mktemp("synth") / "data"
    synthesize(out, schools=4, years=2, seed=11, settings=project_settings())
    settings = project_settings().replace(data_dir=out)
    return load_store(settings), settings


@pytest.fixture(params=["seed", "synthetic"])
def dataset(request: pytest.FixtureRequest) -> tuple[OxigraphStore, Settings]:
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("name", ["city-totals", "cluster-gaps"])
def test_named_query_equals_the_live_computation_it_replaced(dataset, name: str) -> None:
    store, settings = dataset
    now, before = answer(store, settings, name), _live(settings, name)
    assert now and now == before


def test_every_group_sum_equals_the_schools_figures_summed(dataset) -> None:
    """Each derived sum, recomputed from the schools' observations; and every group whose
    schools all state a figure once has its sum."""
    store, _ = dataset
    groups = """
        SELECT DISTINCT ?group ?school WHERE {
          ?school a vet:School .
          { ?school vet:schoolType ?group } UNION { ?school vet:locatedIn/vet:partOfArea* ?group }
        }"""
    members: dict[str, set[str]] = {}
    for group, school in _select(store, groups):
        members.setdefault(group, set()).add(school)
    figures = _select(store, """
        SELECT ?dataset ?school ?ind ?period ?unit ?category ?v WHERE {
          ?o vet:refSubject ?school ; qb:dataSet ?dataset ; vet:indicator ?ind ;
             sdmxd:refPeriod ?period ; vet:valueKind ?kind ;
             sdmxa:unitMeasure ?unit ; sdmxm:obsValue ?v .
          ?school a vet:School .
          OPTIONAL { ?o vet:category ?category }
          FILTER (?kind = <https://w3id.org/vetgraph/code/value-kind/level>)
          FILTER NOT EXISTS { ?o a vet:DerivedObservation }
        }""")
    additive = {u for u in {f[4] for f in figures}
                if not u.endswith(("/percent", "/percentage-point", "/ratio"))}
    expected: dict[tuple, Any] = {}
    for group, schools in members.items():
        cells: dict[tuple, list[tuple[str, Any]]] = {}
        for ds, school, ind, period, unit, category, v in figures:
            if school in schools and unit in additive:
                key = (ds + "-sums", group, ind, str(period), unit, category)
                cells.setdefault(key, []).append((school, v))
        for key, found in cells.items():
            if len(found) == len(schools) == len({s for s, _ in found}):
                expected[key] = (sum(v for _, v in found), len(schools))
    derived = {
        (ds, group, ind, str(period), unit, category): (v, counted)
        for ds, group, ind, period, unit, category, v, counted in _select(store, f"""
            SELECT ?ds ?group ?ind ?period ?unit ?category ?v ?counted WHERE {{
              ?o a vet:DerivedObservation ; qb:dataSet ?ds ; vet:refSubject ?group ;
                 vet:indicator ?ind ; sdmxd:refPeriod ?period ; sdmxa:unitMeasure ?unit ;
                 sdmxm:obsValue ?v ; vet:membersCounted ?counted ;
                 sdmxa:obsStatus <{DERIVED}> .
              OPTIONAL {{ ?o vet:category ?category }}
              FILTER (STRENDS(STR(?ds), "-sums"))
            }}""")
    }
    assert expected and derived == expected


def test_the_city_sums_of_table_1_1_are_the_reports_total_row(seed) -> None:
    """表 1.1: the six schools add up to the 合计 row (1,340 graduates, 1,904 new students,
    5,121 students); the derived sums say so, and say they are derived."""
    store, _ = seed
    rows = _select(store, f"""
        SELECT ?ind ?v ?counted ?how WHERE {{
          ?o qb:dataSet <https://w3id.org/vetgraph/dataset/table-1-1-sums> ;
             vet:refSubject <https://w3id.org/vetgraph/id/area/benxi-city> ; vet:indicator ?ind ;
             sdmxm:obsValue ?v ; vet:membersCounted ?counted ; sdmxa:obsStatus <{DERIVED}> ;
             prov:wasGeneratedBy ?how .
        }}""")
    by_indicator = {ind.rsplit("/", 1)[1]: (v, counted, how) for ind, v, counted, how in rows}
    how = "https://w3id.org/vetgraph/id/derivation/school-group-sums"
    assert by_indicator["graduates"] == (1340, 6, how)
    assert by_indicator["new-enrolment"] == (1904, 6, how)
    assert by_indicator["in-school-students"] == (5121, 6, how)


def test_cluster_coverage_of_the_pillars(seed) -> None:
    """The pillar 装备制造 is served through its industries (1.2.1): majors and schools rolled
    up, none linked to the pillar itself."""
    store, _ = seed
    rows = _select(store, """
        SELECT ?ind ?v WHERE {
          ?o qb:dataSet <https://w3id.org/vetgraph/dataset/cluster-coverage> ;
             vet:refSubject ?pillar ;
             vet:indicator ?ind ; sdmxm:obsValue ?v .
          FILTER (?pillar = <https://w3id.org/vetgraph/code/industry-cluster/equipment-manufacturing>)
        }""")
    counts = {ind.rsplit("/", 1)[1]: v for ind, v in rows}
    assert len(counts) == 7
    gaps = {r["clusterName"]: r for r in answer(store, project_settings(), "cluster-gaps")}
    pillar = gaps["装备制造"]
    assert counts["cluster-majors-stated"] == pillar["majorsStated"]
    assert counts["cluster-majors-rolled-up"] == (
        pillar["majorsStated"] + pillar["majorsViaHierarchy"])
    assert counts["cluster-schools-rolled-up"] == (
        pillar["schoolsStated"] + pillar["schoolsViaHierarchy"])
    assert counts["cluster-majors-rolled-up"] > counts["cluster-majors-stated"]


def test_every_derivation_is_described_and_lives_in_the_inferred_graph(seed) -> None:
    store, settings = seed
    aggregates = [rule for rule in load_rules(settings) if rule.kind == "aggregate"]
    assert sorted(rule.name for rule in aggregates) == ["cluster-coverage", "school-group-sums"]
    described = _select(store, f"""
        SELECT ?how (COUNT(DISTINCT ?o) AS ?n) (SAMPLE(?zh) AS ?labelZh) (SAMPLE(?en) AS ?labelEn)
        WHERE {{
          GRAPH <{GRAPH_INFERRED}> {{
            ?o a vet:DerivedObservation ; prov:wasGeneratedBy ?how .
            ?how a vet:Derivation ; rdfs:label ?zh , ?en ; rdfs:comment ?comment .
          }}
          FILTER (LANG(?zh) = "zh" && LANG(?en) = "en")
        }} GROUP BY ?how ORDER BY ?how""")
    assert [(how, zh, en) for how, _, zh, en in described] == [
        (rule.derivation, rule.label["zh"], rule.label["en"])
        for rule in sorted(aggregates, key=lambda r: r.derivation)
    ]
    # 15 clusters x 7 counts; 表 1.1's sums among the others.
    assert dict(Counter({how.rsplit("/", 1)[1]: n for how, n, _, _ in described})) == {
        "cluster-coverage": 105, "school-group-sums": 54}
    base = " ".join(f"FROM <{g}>" for g in (GRAPH_ONTOLOGY, GRAPH_CODES, GRAPH_DATA))
    assert _select(store, f"SELECT (COUNT(*) AS ?n) {base} WHERE {{ ?o a vet:DerivedObservation }}"
                   ) == [(0,)]


def test_aggregates_change_the_dataset_version(tmp_path: Path) -> None:
    """An aggregate changes what a build derives, as a rule does: its text is in the version."""
    from shutil import copytree

    from helpers.support import settings_for

    from vetgraph.dataset import dataset_version

    tree = tmp_path / "tree"
    for part in ("ontology", "data"):
        copytree(REPO / part, tree / part)
    before = dataset_version(settings_for(tree))
    path = tree / "ontology" / "aggregates" / "cluster-coverage.rq"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert dataset_version(settings_for(tree)) != before

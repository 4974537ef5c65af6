"""The views and their analytics on the 2024 report, with answers counted from the report."""

from __future__ import annotations

import networkx as nx
import pytest
from helpers.networks import CLUSTER, MAJOR, ORG, SCHOOL

from vetgraph import networks
from vetgraph.networks.analytics import (
    NotFound,
    cluster_coverage_table,
    communities,
    connect,
    find_entity,
    find_gaps,
)

HEALTH = SCHOOL + "benxi-health-school"
CHEMICAL = SCHOOL + "benxi-chemical-industry-school"

#: Partners per school, from the report: 3.1.1 (机电: 好技多); 3.3 and 表 6.4 (本溪县: 残联,
#: 盛丰农机); 1.2.2 and 案例九 (化工: 辽宁医药职业学院, 巡特警大队, 高校警务大队); 1.3.2 and
#: 6.2 (商贸: 第三高中, 和平鸽幼儿园, 天文广告公司, 平山区动物医院, 好利来蛋糕店); 表 1.5.2,
#: 1.2.2, 6.1, 案例八, 案例九 (卫生: 沈本医院, 爱尔创, 沈阳医学院, 医药化工职教集团,
#: 辽宁医药职业学院, 大连春和, 巡特警大队, 高校警务大队); 案例四 and 4.2 (桓仁: 文旅局,
#: 五女山旅游集团, 枫林谷, 虎谷峡, 义勇军纪念馆, 秋实纪念馆, 五女山博物馆, 东明艺术品).
PARTNERS_PER_SCHOOL = {
    "本溪市机电工程学校": 1,
    "本溪满族自治县中等职业技术教育中心": 2,
    "本溪市化学工业学校": 3,
    "本溪市商贸服务学校": 5,
    "本溪市卫生学校": 8,
    "桓仁满族自治县职业教育中心": 8,
}
#: 表 1.5.2: the three bases of the health school link these majors to the biomedical cluster.
BIOMEDICAL_MAJORS = {
    "护理", "助产", "农村医学", "检验", "药剂", "口腔修复工艺", "口腔护理", "口腔医学",
}
METRICS = {"degree", "degree_centrality", "betweenness", "community", "component"}


@pytest.fixture(scope="module")
def views(facts: networks.Facts) -> dict[str, nx.Graph]:
    return {name: networks.build(facts, name) for name in networks.VIEWS}


def test_every_node_and_edge_carries_what_the_issue_asks(views):
    for name, g in views.items():
        assert len(g) > 0, name
        for node, d in g.nodes(data=True):
            assert d["iri"] == node and node.startswith("https://w3id.org/vetgraph/")
            assert d["type"] and d["label_zh"] and d["label_en"] and d["label"] == d["label_zh"]
            assert METRICS <= set(d)
        for _u, _v, d in g.edges(data=True):
            assert d["relation"] and d["relation_zh"] and d["relation_en"], name
            assert d["count"] >= 1 and d["weight"] >= 1.0
            if name not in ("school-projection", "major-projection"):
                assert d["evidence"].startswith("https://w3id.org/vetgraph/"), (name, d)


def test_tripartite_view_has_the_six_schools_and_every_major_and_cluster(views, facts):
    g = views["school-major-cluster"]
    kinds = {t: sorted(n for n, k in g.nodes(data="type") if k == t) for t in
             ("School", "Major", "IndustryCluster")}
    assert len(kinds["School"]) == 6  # 表 1.1
    assert len(kinds["Major"]) == sum(1 for e in facts.entities.values() if e.type == "Major")
    assert len(kinds["IndustryCluster"]) == 15
    assert {g.nodes[n]["layer"] for n in kinds["School"]} == {0}
    assert {g.nodes[n]["layer"] for n in kinds["IndustryCluster"]} == {2}
    # Every edge joins neighbouring columns or a school to a cluster it serves directly.
    for u, v, d in g.edges(data=True):
        layers = {g.nodes[u]["layer"], g.nodes[v]["layer"]}
        assert layers in ({0, 1}, {1, 2}, {0, 2}), (u, v)
        assert d["relation"] in ("vet:offeredBy", "vet:fromSchool", "vet:servesCluster")


def test_majors_per_cluster_follow_table_1_5_2(views):
    g = views["school-major-cluster"]
    biomedical = CLUSTER + "biomedical-cluster"
    majors = {g.nodes[m]["label_zh"] for m in g[biomedical] if g.nodes[m]["type"] == "Major"}
    assert majors == BIOMEDICAL_MAJORS
    # The nursing link is stated of the major and evidenced by a qualified cluster link.
    edge = g.edges[MAJOR + "nursing", biomedical]
    assert edge["relation"] == "vet:servesCluster"
    assert all("/id/cluster-link/" in e or "/id/" in e for e in edge["evidence"].split())


def test_partners_per_school(views, facts):
    g = views["school-partner"]
    schools = [s for s, t in g.nodes(data="type") if t == "School"]
    counted = {g.nodes[s]["label_zh"]: g.degree(s) for s in schools}
    assert counted == PARTNERS_PER_SCHOOL
    gaps = find_gaps(facts, views["entity"])
    assert [(facts.label(s), len(p)) for s, p in gaps.schools][:2] == [
        ("本溪市机电工程学校", 1), ("本溪满族自治县中等职业技术教育中心", 2)]


def test_school_partner_edges_are_typed_by_agreement_kind_and_counted(views):
    g = views["school-partner"]
    edge = g.edges[CHEMICAL, ORG + "liaoning-pharmaceutical-vocational-college"]
    assert "3+2" in edge["kind_zh"]  # 1.2.2 贯通培养 “3+2”
    assert edge["count"] == len(edge["evidence"].split()) >= 1
    police = g.edges[HEALTH, ORG + "high-tech-zone-patrol-and-swat-brigade"]  # 案例九
    assert police["relation"] == "prov:wasAssociatedWith" and police["kind"]


def test_cluster_coverage_sizes_schools_by_enrolment_of_table_1_1(views):
    g = views["cluster-coverage"]
    students = {d["label_zh"]: d["students"] for _n, d in g.nodes(data=True) if "students" in d}
    assert students == {
        "桓仁满族自治县职业教育中心": 457, "本溪满族自治县中等职业技术教育中心": 663,
        "本溪市商贸服务学校": 258, "本溪市卫生学校": 2339, "本溪市化学工业学校": 624,
        "本溪市机电工程学校": 780,
    }
    assert sum(students.values()) == 5121  # 表 1.1 合计
    assert g.nodes[HEALTH]["weight"] == 2339


def test_path_between_the_chemical_school_and_its_3_2_college(views, facts):
    source = find_entity(facts, "本溪市化学工业学校")
    target = find_entity(facts, "Liaoning Pharmaceutical Vocational College")
    assert (source, target) == (CHEMICAL, ORG + "liaoning-pharmaceutical-vocational-college")
    found = connect(views["entity"], facts, source, target)
    assert found.length == 2  # school – agreement or pathway – college
    for path in found.paths:
        assert path[0].source == CHEMICAL and path[-1].target == target
        for step in path:
            assert step.triples, step
            for s, _p, o in step.triples:
                assert {s, o} == {step.source, step.target}


def test_find_entity_by_iri_path_and_short_label(facts):
    assert find_entity(facts, HEALTH) == HEALTH
    assert find_entity(facts, "id/school/benxi-health-school") == HEALTH
    assert find_entity(facts, "市卫生学校") == HEALTH  # skos:altLabel the report uses
    with pytest.raises(NotFound):
        find_entity(facts, "no such school anywhere")
    with pytest.raises(NotFound, match="ambiguous"):
        find_entity(facts, "学校")


def test_cluster_ranking_puts_unserved_pillar_clusters_first(facts):
    table = cluster_coverage_table(facts)
    top = [(facts.label(row.cluster), row.key) for row in table[:3]]
    # 1.2.1: 装备制造 and 医药化工 are the pillar industries; the report ties no major,
    # school or partner to them by name. 6.1: the consortium serves 医药及相关产业.
    assert top == [("医药化工", (0, 0, 0)), ("装备制造", (0, 0, 0)), ("医药及相关产业", (0, 0, 1))]
    biomedical = next(r for r in table if r.cluster == CLUSTER + "biomedical-cluster")
    assert {facts.label(m) for m in biomedical.majors} == BIOMEDICAL_MAJORS
    assert biomedical.schools == [HEALTH]


def test_isolated_and_weak_entities(facts, views):
    gaps = find_gaps(facts, views["entity"])
    isolated = {facts.label(i) for i in gaps.isolated}
    # Issue 18: the pillars (1.2.1) are tied to their industries by the cluster hierarchy.
    assert not {"医药化工", "装备制造"} & isolated
    assert views["entity"].has_edge(CLUSTER + "machinery-manufacturing",
                                    CLUSTER + "equipment-manufacturing")
    assert {"党中央", "国务院"} <= isolated  # named in 4.x, tied to nothing
    assert not set(gaps.isolated) & set(gaps.weak)


def test_projections(views):
    schools = views["school-projection"]
    assert len(schools) == 6
    # 卫生 and 化工 share 辽宁医药职业学院 and both police brigades (1.2.2, 案例九).
    shared = schools.edges[CHEMICAL, HEALTH]
    assert shared["count"] == 3
    majors = views["major-projection"]
    assert majors.has_edge(MAJOR + "nursing", MAJOR + "midwifery")  # both biomedical


def test_communities_and_components_are_deterministic(views):
    g = views["school-partner"]
    first, second = communities(g), communities(g)
    assert first == second
    assert set().union(*first) == set(g)
    numbered = max(d["component"] for _n, d in g.nodes(data=True)) + 1
    assert numbered == nx.number_connected_components(g)


def test_centrality_of_the_health_school_among_partners(views):
    """By hand: of the 30 nodes, the health school's component holds it, the chemical school
    and their 8 partners, 3 of them shared. Shortest paths through the health school: the 10
    pairs of its 5 own partners, 5 own partners × the chemical school, 5 own × 3 shared
    partners, and half of the 3 pairs of shared partners (the other half runs through the
    chemical school): 31.5 of the 29 · 28 / 2 = 406 pairs it is not part of."""
    health = views["school-partner"].nodes[HEALTH]
    assert health["degree"] == 8
    assert health["degree_centrality"] == round(8 / 29, 6)
    assert health["betweenness"] == round(31.5 / 406, 6)

"""The named views: networkx graphs built from :class:`~.facts.Facts`.

Every node carries ``iri``, ``type`` (vet: class local name), ``type_zh``/``type_en``,
``label_zh``/``label_en``, ``label`` (in the requested language), ``layer`` (its column in a
layered picture) and ``weight`` (what its size shows). Every edge carries ``relation`` (CURIEs
of the properties behind it), ``relation_zh``/``relation_en``, ``evidence`` (IRIs of the
statements, agreements, offerings or bases that support it), ``derived_from`` (the report parts
those come from), ``count`` and ``weight``. Attribute values are plain strings and numbers, and
empty values are left out, so GraphML and GEXF carry them unchanged. Multiple values are joined
by a space (IRIs, CURIEs) or by " / " (labels).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import networkx as nx

from .facts import Facts
from .terms import PARTNER_TYPES, VET, curie, expand

LABEL_JOIN = " / "


@dataclass(frozen=True)
class View:
    """A named view: what it shows, in both languages, and how to build it."""

    name: str
    title_zh: str
    title_en: str
    description_en: str
    build: Callable[[Facts], nx.Graph]
    layered: bool = False  # drawn in columns by the ``layer`` node attribute

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en


class _Builder:
    """Adds labelled nodes and merges parallel evidence into one edge with a count."""

    def __init__(self, facts: Facts, name: str):
        self.facts = facts
        self.graph = nx.Graph(name=name)
        self._evidence: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(
            lambda: defaultdict(set)
        )

    def node(self, iri: str, layer: int = 0, **extra: float | int | str) -> bool:
        """Add an entity as a node (once); False if the store does not know it as an entity."""
        entity = self.facts.entities.get(iri)
        if entity is None:
            return False
        if iri not in self.graph:
            type_zh, type_en = self.facts.labels.get(VET + entity.type, ("", ""))
            attrs: dict[str, float | int | str] = {
                "iri": iri,
                "type": entity.type,
                "type_zh": type_zh or entity.type,
                "type_en": type_en or entity.type,
                "label_zh": self.facts.label(iri, "zh"),
                "label_en": self.facts.label(iri, "en"),
                "layer": layer,
                "weight": 1.0,
            }
            if entity.alt_labels:
                attrs["alt_labels"] = LABEL_JOIN.join(entity.alt_labels)
            if iri in self.facts.categories:  # pillar or emerging cluster (1.2.1)
                category = self.facts.categories[iri]
                attrs["category_zh"] = self.facts.label(category, "zh")
                attrs["category_en"] = self.facts.label(category, "en")
            self.graph.add_node(iri, **attrs)
        self.graph.nodes[iri].update(extra)
        return True

    def edge(
        self, u: str, v: str, relation: str, evidence: str = "", kind: Iterable[str] = ()
    ) -> None:
        """Record that ``relation`` (a CURIE) links u and v, supported by ``evidence``."""
        if u == v or u not in self.graph or v not in self.graph:
            return
        key = (u, v) if u < v else (v, u)
        found = self._evidence[key]
        found["relation"].add(relation)
        if evidence:
            found["evidence"].add(evidence)
        found["kind"].update(kind)

    def finish(self) -> nx.Graph:
        """Write the merged edges with labels, counts and provenance; return the graph."""
        label = self.facts.labels.get
        for (u, v), found in sorted(self._evidence.items()):
            relations = sorted(found["relation"])
            evidence = sorted(found["evidence"])
            kinds = sorted(found["kind"])
            sources = sorted({s for e in evidence for s in self.facts.derived_from.get(e, ())})
            count = max(1, len(evidence))
            attrs: dict[str, float | int | str] = {
                "relation": " ".join(relations),
                "relation_zh": LABEL_JOIN.join(_label(label, expand(r), 0) for r in relations),
                "relation_en": LABEL_JOIN.join(_label(label, expand(r), 1) for r in relations),
                "count": count,
                "weight": float(count),
            }
            if evidence:
                attrs["evidence"] = " ".join(evidence)
            if sources:
                attrs["derived_from"] = " ".join(sources)
            if kinds:
                attrs["kind"] = " ".join(kinds)
                attrs["kind_zh"] = LABEL_JOIN.join(_label(label, k, 0) for k in kinds)
                attrs["kind_en"] = LABEL_JOIN.join(_label(label, k, 1) for k in kinds)
            self.graph.add_edge(u, v, **attrs)
        return self.graph

    def of_type(self, *types: str) -> list[str]:
        return sorted(i for i, e in self.facts.entities.items() if e.type in types)

    def type_of(self, iri: str) -> str:
        entity = self.facts.entities.get(iri)
        return entity.type if entity else ""


def _label(get: Callable[..., tuple[str, str] | None], iri: str, index: int) -> str:
    pair = get(iri) or ("", "")
    return pair[index] or pair[1 - index] or curie(iri)


# --- relations shared by several views ------------------------------------------------------


def _offering_majors(facts: Facts) -> dict[str, str]:
    return {offering: major for offering, _school, major in facts.offerings}


def _school_major(b: _Builder) -> None:
    """School offers major (the offering is the evidence); pathways add majors they continue."""
    for offering, school, major in b.facts.offerings:
        b.edge(school, major, "vet:offeredBy", offering)
    offered = {(school, major) for _o, school, major in b.facts.offerings}
    for p in b.facts.pathways:
        if p.get("major") and (p["school"], p["major"]) not in offered:
            b.edge(p["school"], p["major"], "vet:fromSchool", p["p"])


def _major_cluster(b: _Builder) -> None:
    """Major serves cluster, stated of the major itself or of one school's offering of it."""
    offering_major = _offering_majors(b.facts)
    for subject, cluster, link in b.facts.cluster_links:
        major = subject if b.type_of(subject) == "Major" else offering_major.get(subject)
        if major:
            b.edge(major, cluster, "vet:servesCluster", link or subject)


def _school_cluster(b: _Builder) -> None:
    for subject, cluster, link in b.facts.cluster_links:
        if b.type_of(subject) == "School":
            b.edge(subject, cluster, "vet:servesCluster", link or subject)


def partner_links(facts: Facts) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    """(school, partner, relation, evidence, kinds) for every school–partner tie in the data.

    Ties: parties of one cooperation agreement (typed by its kinds); partners of a school's
    training base and higher institutions of its articulation pathways, unless an agreement
    already carries the tie; collaborations the school belongs to, hosts or leads.
    """
    types = {iri: e.type for iri, e in facts.entities.items()}
    links: list[tuple[str, str, str, str, tuple[str, ...]]] = []
    by_agreement: set[tuple[str, str, str]] = set()
    for agreement, parties in sorted(facts.agreement_parties.items()):
        kinds = tuple(facts.agreement_kinds.get(agreement, ()))
        schools = [p for p in parties if types.get(p) == "School"]
        for school in schools:
            for other in parties:
                if other != school and types.get(other) in PARTNER_TYPES:
                    links.append((school, other, "prov:wasAssociatedWith", agreement, kinds))
                    by_agreement.add((school, other, agreement))
    covered = {(s, o) for s, o, _a in by_agreement}
    for base, owners in sorted(facts.base_owners.items()):
        agreements = set(facts.base_agreements.get(base, ()))
        for school in (o for o in owners if types.get(o) == "School"):
            for partner in facts.base_partners.get(base, ()):
                if types.get(partner) not in PARTNER_TYPES:
                    continue
                if any((school, partner, a) in by_agreement for a in agreements):
                    continue
                links.append((school, partner, "vet:partner", base, ()))
    for p in facts.pathways:
        institution = p.get("institution")
        if institution and (p["school"], institution) not in covered:
            links.append((p["school"], institution, "vet:toInstitution", p["p"], ()))
    for collaboration, predicate, member in facts.memberships:
        if types.get(member) == "School":
            links.append((member, collaboration, predicate, collaboration, ()))
    return links


def _school_partner(b: _Builder, layer: int) -> None:
    for school, partner, relation, evidence, kinds in partner_links(b.facts):
        if b.node(partner, layer):
            b.edge(school, partner, relation, evidence, kinds)


def _add_all(b: _Builder, layer: int, *types: str) -> None:
    for iri in b.of_type(*types):
        b.node(iri, layer)


# --- the views ------------------------------------------------------------------------------


def school_major_cluster(facts: Facts) -> nx.Graph:
    """Which majors serve which cluster, and which school offers them (three columns)."""
    b = _Builder(facts, "school-major-cluster")
    _add_all(b, 0, "School")
    _add_all(b, 1, "Major")
    _add_all(b, 2, "IndustryCluster")
    _school_major(b)
    _major_cluster(b)
    _school_cluster(b)
    g = b.finish()
    for node in g:
        g.nodes[node]["weight"] = float(g.degree(node))
    return g


def school_partner(facts: Facts) -> nx.Graph:
    """Schools and the organisations they cooperate with; edges typed by agreement kind."""
    b = _Builder(facts, "school-partner")
    _add_all(b, 0, "School")
    _school_partner(b, 1)
    g = b.finish()
    for school in b.of_type("School"):
        g.nodes[school]["weight"] = float(g.degree(school))
    for node, data in g.nodes(data=True):
        if data["layer"] == 1:
            data["weight"] = float(sum(c for *_e, c in g.edges(node, data="count")))
    return g


def cluster_coverage(facts: Facts) -> nx.Graph:
    """Clusters ↔ majors ↔ schools ↔ partners; schools sized by enrolment, others by ties."""
    b = _Builder(facts, "cluster-coverage")
    _add_all(b, 0, "IndustryCluster")
    _add_all(b, 1, "Major")
    _add_all(b, 2, "School")
    _school_major(b)
    _major_cluster(b)
    _school_cluster(b)
    _school_partner(b, 3)
    for subject, cluster, link in facts.cluster_links:
        for partner in _partners_behind(facts, subject):
            if b.node(partner, 3):
                b.edge(partner, cluster, "vet:servesCluster", link or subject)
    g = b.finish()
    for school, (value, year, obs) in facts.enrolment.items():
        if school in g:
            g.nodes[school].update(weight=value, students=value, students_year=year,
                                   students_source=obs)
    for node, data in g.nodes(data=True):
        if data["type"] != "School":
            data["weight"] = float(sum(c for *_e, c in g.edges(node, data="count")))
    return g


def _partners_behind(facts: Facts, subject: str) -> list[str]:
    """Non-school organisations that stand behind a cluster link's subject."""
    types = {iri: e.type for iri, e in facts.entities.items()}
    kind = types.get(subject, "")
    if kind in PARTNER_TYPES:
        return [subject]
    if kind == "CooperationAgreement":
        parties = facts.agreement_parties.get(subject, ())
        return [p for p in parties if types.get(p) in PARTNER_TYPES]
    if kind == "TrainingBase":
        found = [*facts.base_owners.get(subject, ()), *facts.base_partners.get(subject, ())]
        return sorted({p for p in found if types.get(p) in PARTNER_TYPES})
    return []


def training_bases(facts: Facts) -> nx.Graph:
    """Training bases with their owners, partners, majors and the clusters they serve."""
    b = _Builder(facts, "training-bases")
    _add_all(b, 1, "TrainingBase")
    for predicate, table, layer in (
        ("vet:owner", facts.base_owners, 0),
        ("vet:partner", facts.base_partners, 3),
        ("vet:coversMajor", facts.base_majors, 2),
    ):
        for base, others in table.items():
            for other in others:
                kind = facts.entities[other].type if other in facts.entities else ""
                column = 0 if kind == "School" else layer
                if b.node(other, column):
                    b.edge(base, other, predicate, base)
    for subject, cluster, link in facts.cluster_links:
        if b.type_of(subject) == "TrainingBase" and b.node(cluster, 4):
            b.edge(subject, cluster, "vet:servesCluster", link or subject)
    g = b.finish()
    for base in b.of_type("TrainingBase"):
        g.nodes[base]["weight"] = float(max(1, g.degree(base)))
    return g


def entity_graph(facts: Facts) -> nx.Graph:
    """Every entity and every triple between two entities (no statistics, no report parts)."""
    b = _Builder(facts, "entity")
    for iri in sorted(facts.entities):
        b.node(iri, 0)
    links = {(s, c): link for s, c, link in facts.cluster_links if link}
    for s, p, o in facts.triples:
        evidence = links.get((s, o), s) if p == VET + "servesCluster" else s
        b.edge(s, o, curie(p), evidence)
    g = b.finish()
    for node in g:
        g.nodes[node]["weight"] = float(max(1, g.degree(node)))
    return g


VIEWS: dict[str, View] = {
    v.name: v
    for v in (
        View("school-major-cluster", "学校—专业—产业集群", "School – major – industry cluster",
             "Which majors serve which industry cluster, and which schools offer them.",
             school_major_cluster, layered=True),
        View("school-partner", "学校—合作单位", "School – partner organisation",
             "Schools and the organisations they cooperate with, edges typed by agreement kind "
             "and counted.", school_partner, layered=True),
        View("cluster-coverage", "产业集群覆盖", "Industry cluster coverage",
             "Clusters, the majors and schools that serve them and the schools' partners; "
             "schools sized by in-school students.", cluster_coverage, layered=True),
        View("training-bases", "实训基地", "Training bases",
             "Training bases with their owners, partners, majors and clusters.",
             training_bases),
        View("entity", "全部实体", "Whole entity graph",
             "Every entity and every statement between two entities, statistics left out.",
             entity_graph),
    )
}

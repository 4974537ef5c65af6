"""What a planner asks of a view: who is central, who clusters together, how A reaches B,
and where the gaps are. All deterministic (fixed seeds, sorted ties) so tests can pin answers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

import networkx as nx
from networkx.algorithms import bipartite

from .facts import Facts
from .terms import PARTNER_TYPES, VET, curie
from .views import LABEL_JOIN, partner_links

if TYPE_CHECKING:
    from .hierarchy import ClusterRow

SEED = 42  # Louvain is randomised; a fixed seed gives the same communities every run
PLANNING_TYPES = PARTNER_TYPES | {"School", "Major", "IndustryCluster", "TrainingBase"}


def add_metrics(g: nx.Graph) -> nx.Graph:
    """Write ``degree``, ``degree_centrality``, ``betweenness``, ``community`` and ``component``
    onto every node (rounded to 6 places so exports and tests compare exactly)."""
    degree_c = nx.degree_centrality(g) if len(g) > 1 else {n: 0.0 for n in g}
    between = nx.betweenness_centrality(g, normalized=True)
    for n in g:
        g.nodes[n]["degree"] = g.degree(n)
        g.nodes[n]["degree_centrality"] = round(degree_c[n], 6)
        g.nodes[n]["betweenness"] = round(between[n], 6)
    for index, members in enumerate(communities(g)):
        for n in members:
            g.nodes[n]["community"] = index
    for index, members in enumerate(components(g)):
        for n in members:
            g.nodes[n]["component"] = index
    return g


def _ordered(groups: list[set[str]]) -> list[set[str]]:
    """Largest first, ties by the smallest member: a stable numbering."""
    return sorted(groups, key=lambda s: (-len(s), min(s)))


def communities(g: nx.Graph, seed: int = SEED) -> list[set[str]]:
    """Louvain communities (edge ``weight`` counts), largest first."""
    if g.number_of_edges() == 0:
        return _ordered([{n} for n in g])
    found = nx.community.louvain_communities(g, weight="weight", seed=seed)
    return _ordered([set(c) for c in found])


def components(g: nx.Graph) -> list[set[str]]:
    """Connected components, largest first."""
    return _ordered([set(c) for c in nx.connected_components(g)])


def projection(g: nx.Graph, keep: set[str], via: set[str], name: str) -> nx.Graph:
    """Bipartite projection onto ``keep`` through ``via``: two kept nodes are linked when they
    share ``via`` neighbours; ``count``/``weight`` say how many and ``evidence`` names them."""
    sub = g.subgraph(keep | via)
    p = bipartite.weighted_projected_graph(sub, sorted(keep))
    out = nx.Graph(name=name)
    for n in sorted(keep):
        out.add_node(n, **{**g.nodes[n], "layer": 0})
    for u, v in sorted(p.edges()):
        shared = sorted(set(sub[u]) & set(sub[v]))
        out.add_edge(
            u, v,
            relation="shared-neighbour",
            relation_zh="共同关联：" + "、".join(g.nodes[s]["label_zh"] for s in shared),
            relation_en="shared: " + "; ".join(g.nodes[s]["label_en"] for s in shared),
            evidence=" ".join(shared),
            count=len(shared),
            weight=float(len(shared)),
        )
    for n in out:
        out.nodes[n]["weight"] = float(max(1, out.degree(n, weight="count")))
    return out


# --- how is A connected to B -------------------------------------------------------------


class NotFound(LookupError):
    """No entity, or more than one, answers to the name given."""


def find_entity(facts: Facts, text: str) -> str:
    """An entity's IRI from its IRI, its path under the base (``id/school/…``), or a zh/en/alt
    label (exact, case-insensitive, then a unique substring)."""
    text = text.strip()
    if text in facts.entities:
        return text
    tail = [i for i in facts.entities if i.endswith("/" + text.strip("/"))]
    if len(tail) == 1:
        return tail[0]
    folded = text.casefold()
    exact, partial = [], []
    for iri, e in sorted(facts.entities.items()):
        names = [e.label_zh, e.label_en, *e.alt_labels]
        if any(n.casefold() == folded for n in names if n):
            exact.append(iri)
        elif any(folded in n.casefold() for n in names if n):
            partial.append(iri)
    for found in (exact, partial):
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(f"{facts.label(i)} <{i}>" for i in found[:8])
            raise NotFound(f"{text!r} is ambiguous: {names}")
    raise NotFound(f"no entity is called {text!r}")


@dataclass
class Step:
    """One hop of a path with the triples (as stored) that link its two ends."""

    source: str
    target: str
    triples: list[tuple[str, str, str]]


@dataclass
class Connection:
    """All shortest paths from ``source`` to ``target`` (empty when not connected)."""

    source: str
    target: str
    paths: list[list[Step]] = field(default_factory=list)

    @property
    def length(self) -> int | None:
        return len(self.paths[0]) if self.paths else None


def connect(
    g: nx.Graph, facts: Facts, source: str, target: str, limit: int = 10
) -> Connection:
    """Shortest paths between two entities of an entity graph, with the triples along them."""
    by_pair: dict[frozenset[str], list[tuple[str, str, str]]] = defaultdict(list)
    for s, p, o in facts.triples:
        by_pair[frozenset((s, o))].append((s, p, o))
    found = Connection(source, target)
    if source not in g or target not in g or not nx.has_path(g, source, target):
        return found
    for nodes in islice(sorted(nx.all_shortest_paths(g, source, target)), limit):
        hops = zip(nodes, nodes[1:], strict=False)
        found.paths.append([Step(u, v, sorted(by_pair[frozenset((u, v))])) for u, v in hops])
    return found


def describe_connection(c: Connection, facts: Facts, lang: str = "zh") -> str:
    """Text for the terminal: each path, then each hop's triples with labels."""
    name = f"{facts.label(c.source, lang)} → {facts.label(c.target, lang)}"
    if not c.paths:
        return f"{name}: not connected"
    lines = [f"{name}: {len(c.paths)} shortest path(s) of {c.length} step(s)"]
    for number, path in enumerate(c.paths, 1):
        lines.append(f"path {number}:")
        for step in path:
            for s, p, o in step.triples:
                lines.append(
                    f"  {facts.label(s, lang)} --{_prop(facts, p, lang)}--> {facts.label(o, lang)}"
                )
                lines.append(f"    <{s}> {curie(p)} <{o}>")
    return "\n".join(lines)


def _prop(facts: Facts, iri: str, lang: str) -> str:
    zh, en = facts.labels.get(iri, ("", ""))
    return (zh if lang == "zh" else en) or curie(iri)


# --- gaps -------------------------------------------------------------------------------------


@dataclass
class ClusterCoverage:
    """Who serves one cluster: majors, schools and partner organisations (IRIs, sorted)."""

    cluster: str
    majors: list[str]
    schools: list[str]
    partners: list[str]

    @property
    def key(self) -> tuple[int, int, int]:
        return (len(self.majors), len(self.schools), len(self.partners))


@dataclass
class Gaps:
    """Clusters least served first, schools with fewest partners first, and loose entities."""

    clusters: list[ClusterRow]  # every cluster of the hierarchy, ranked (see .hierarchy)
    schools: list[tuple[str, list[str]]]  # school, partners
    isolated: list[str]  # planning entities with no tie at all in the entity graph
    weak: list[str]  # planning entities with exactly one tie
    islands: list[set[str]]  # components of the entity graph other than the largest


def direct_coverage(facts: Facts) -> dict[str, dict[str, set[str]]]:
    """For every cluster, the majors, schools, partners, bases and agreements the report links
    to that very cluster (no hierarchy): cluster -> aspect -> IRIs.

    A major serves a cluster when it or one school's offering of it is linked to it; a school
    when it offers such a major, is linked itself, owns a base or is party to an agreement
    linked to it; a partner (non-school organisation) when it is linked itself, or is party to
    an agreement or partner of a base that is linked to the cluster or concerns such a major;
    a base or an agreement when it is linked itself or concerns such a major.
    """
    types = {i: e.type for i, e in facts.entities.items()}
    offering = {o: (school, major) for o, school, major in facts.offerings}
    found: dict[str, dict[str, set[str]]] = {
        c: {a: set() for a in ("majors", "schools", "partners", "bases", "agreements")}
        for c, t in types.items() if t == "IndustryCluster"
    }

    def orgs_of(thing: str) -> set[str]:
        kind = types.get(thing, "")
        if kind == "CooperationAgreement":
            return set(facts.agreement_parties.get(thing, ()))
        if kind == "TrainingBase":
            return set(facts.base_owners.get(thing, ())) | set(facts.base_partners.get(thing, ()))
        return {thing} if kind == "School" or kind in PARTNER_TYPES else set()

    for subject, cluster, _link in facts.cluster_links:
        if cluster not in found:
            continue
        row = found[cluster]
        kind = types.get(subject, "")
        if kind == "Major":
            row["majors"].add(subject)
        elif kind == "MajorOffering" and subject in offering:
            row["schools"].add(offering[subject][0])
            row["majors"].add(offering[subject][1])
        elif kind == "TrainingBase":
            row["bases"].add(subject)
        elif kind == "CooperationAgreement":
            row["agreements"].add(subject)
        for org in orgs_of(subject):
            row["schools" if types.get(org) == "School" else "partners"].add(org)
    for row in found.values():
        served = row["majors"]
        if not served:
            continue
        for _o, school, major in facts.offerings:
            if major in served:
                row["schools"].add(school)
        agreements = [a for a, ms in facts.agreement_majors.items() if served & set(ms)]
        bases = [b for b, ms in facts.base_majors.items() if served & set(ms)]
        row["agreements"].update(agreements)
        row["bases"].update(bases)
        for thing in agreements + bases:
            for org in orgs_of(thing):
                if types.get(org) in PARTNER_TYPES:
                    row["partners"].add(org)
    return found


def cluster_coverage_table(facts: Facts) -> list[ClusterCoverage]:
    """For every cluster, the majors, schools and partners the report links to that very
    cluster (see :func:`direct_coverage`), least served first."""
    found = direct_coverage(facts)
    table = [
        ClusterCoverage(c, sorted(row["majors"]), sorted(row["schools"]),
                        sorted(row["partners"]))
        for c, row in sorted(found.items())
    ]
    return sorted(table, key=lambda row: (row.key, facts.label(row.cluster), row.cluster))


def find_gaps(facts: Facts, entity: nx.Graph) -> Gaps:
    """The gap report: uses the store's facts and the entity graph built from them."""
    per_school: dict[str, set[str]] = {
        i: set() for i, e in facts.entities.items() if e.type == "School"
    }
    for school, partner, *_rest in partner_links(facts):
        per_school[school].add(partner)
    schools = sorted(
        ((s, sorted(p)) for s, p in per_school.items()),
        key=lambda sp: (len(sp[1]), facts.label(sp[0]), sp[0]),
    )
    planning = [n for n, t in entity.nodes(data="type") if t in PLANNING_TYPES]
    order = sorted(planning, key=lambda n: (entity.nodes[n]["type"], facts.label(n), n))
    parts = components(entity)
    from .hierarchy import ranked_gaps

    return Gaps(
        clusters=ranked_gaps(facts),
        schools=schools,
        isolated=[n for n in order if entity.degree(n) == 0],
        weak=[n for n in order if entity.degree(n) == 1],
        islands=[p for p in parts[1:] if len(p) > 1],
    )


def describe_gaps(gaps: Gaps, facts: Facts, lang: str = "zh", top: int = 10) -> str:
    """The gap report as text for the terminal."""
    from .hierarchy import describe

    def names(iris: list[str]) -> str:
        return LABEL_JOIN.join(facts.label(i, lang) for i in iris) or "—"

    lines = [describe(facts, gaps.clusters, lang, top)]
    lines.append("")
    lines.append("Schools, fewest partners first:")
    for rank, (school, partners) in enumerate(gaps.schools, 1):
        lines.append(f"{rank:2}. {facts.label(school, lang)}  {len(partners)}")
    lines.append("")
    lines.append(f"Isolated entities (no tie): {len(gaps.isolated)}")
    for iri in gaps.isolated[:top]:
        lines.append(f"    {_typed(facts, iri, lang)}")
    lines.append(f"Weakly connected entities (one tie): {len(gaps.weak)}")
    for iri in gaps.weak[:top]:
        lines.append(f"    {_typed(facts, iri, lang)}")
    lines.append(f"Islands (components apart from the main one): {len(gaps.islands)}")
    for island in gaps.islands[:top]:
        lines.append(f"    {names(sorted(island, key=lambda i: facts.label(i, lang)))}")
    return "\n".join(lines)


def gaps_json(gaps: Gaps, facts: Facts, lang: str = "zh") -> dict[str, Any]:
    """The gap report as JSON (``vetgraph gaps --format json`` and ``/network/gaps.json``)."""
    from .hierarchy import BASIS_LABELS, row_json

    def named(iri: str) -> dict[str, str]:
        return {"iri": iri, "label": facts.label(iri, lang)}

    return {
        "bases": {b: {"zh": zh, "en": en} for b, (zh, en) in BASIS_LABELS.items()},
        "clusters": [row_json(facts, row, lang, rank)
                     for rank, row in enumerate(gaps.clusters, 1)],
        "schools": [{**named(s), "partners": [named(i) for i in p]} for s, p in gaps.schools],
        "isolated": [named(i) for i in gaps.isolated],
        "weak": [named(i) for i in gaps.weak],
        "islands": [[named(i) for i in sorted(island)] for island in gaps.islands],
    }


def _typed(facts: Facts, iri: str, lang: str) -> str:
    kind = facts.entities[iri].type
    zh, en = facts.labels.get(VET + kind, (kind, kind))
    return f"[{zh if lang == 'zh' else en}] {facts.label(iri, lang)}"

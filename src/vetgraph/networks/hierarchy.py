"""Industry clusters at the level a planner asks about: coverage rolled up the cluster
hierarchy (``skos:broader``), split by what it rests on, gaps ranked with their reasons, and
the clusters × schools matrix.

Three bases, kept apart in every count:

- ``report``: the report links the thing to this very cluster (a ``vet:ClusterLink``);
- ``hierarchy``: the report links it to a narrower cluster (``?c skos:broader+ this``);
- ``catalogue``: nothing in the report, but a school offers a major whose catalogue code falls
  under a category or class aligned to the cluster or a narrower one (``skos:relatedMatch``).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx

from .analytics import direct_coverage
from .facts import Facts
from .views import _Builder, _major_cluster, _school_major

BASES = ("report", "hierarchy", "catalogue")
BASIS_LABELS = {
    "report": ("报告原文对接", "stated in the report"),
    "hierarchy": ("经下位产业", "through the hierarchy"),
    "catalogue": ("专业目录提示", "suggested by the catalogue"),
}
ASPECTS = ("majors", "schools", "partners", "bases", "agreements")
ALIGNMENT_BASIS = "https://w3id.org/vetgraph/code/alignment-basis/"


@dataclass
class Served:
    """Who serves a cluster on one basis (IRIs) and the in-school students of those schools."""

    majors: set[str] = field(default_factory=set)
    schools: set[str] = field(default_factory=set)
    partners: set[str] = field(default_factory=set)
    bases: set[str] = field(default_factory=set)
    agreements: set[str] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        return {a: len(getattr(self, a)) for a in ASPECTS}


@dataclass
class ClusterRow:
    """One cluster in the hierarchy with its coverage by basis and, if a gap, why."""

    cluster: str
    level: int  # 0 for a top concept
    broader: list[str]
    narrower: list[str]
    served: dict[str, Served]  # basis -> who serves it
    students: dict[str, float]  # basis -> in-school students of its schools (表 1.1)
    links: int = 0  # subjects the report links to the cluster or a narrower one
    reason: str = ""  # kind of gap: nothing, no-evidence, no-major, one-school, covered
    reason_zh: str = ""
    reason_en: str = ""
    evidence: list[dict[str, str]] = field(default_factory=list)

    def evidenced(self) -> Served:
        """Report and hierarchy together: what the report supports."""
        out = Served()
        for basis in ("report", "hierarchy"):
            for aspect in ASPECTS:
                getattr(out, aspect).update(getattr(self.served[basis], aspect))
        return out

    @property
    def key(self) -> tuple[int, ...]:
        """Majors, schools, then linked subjects: fewer is a wider gap (as cluster-gaps.rq)."""
        e = self.evidenced()
        return (len(e.majors), len(e.schools), self.links)


def descendants(facts: Facts, cluster: str) -> list[str]:
    """Every cluster below ``cluster`` (``skos:broader+``), nearest first, each once."""
    narrower: dict[str, list[str]] = defaultdict(list)
    for child, parents in facts.broader.items():
        for parent in parents:
            narrower[parent].append(child)
    found: list[str] = []
    todo = sorted(narrower[cluster])
    while todo:
        c = todo.pop(0)
        if c not in found and c != cluster:
            found.append(c)
            todo.extend(sorted(narrower[c]))
    return found


def level(facts: Facts, cluster: str, seen: frozenset[str] = frozenset()) -> int:
    """Steps up to a top concept (the longest way, should a cluster have two parents)."""
    parents = [p for p in facts.broader.get(cluster, ()) if p not in seen]
    return 1 + max(level(facts, p, seen | {cluster}) for p in parents) if parents else 0


def clusters_in_order(facts: Facts) -> list[str]:
    """Clusters depth first: each top concept, then its narrower ones, labels in zh order."""
    clusters = sorted(i for i, e in facts.entities.items() if e.type == "IndustryCluster")
    narrower: dict[str, list[str]] = defaultdict(list)
    for child, parents in facts.broader.items():
        for parent in parents:
            narrower[parent].append(child)
    order: list[str] = []

    def walk(c: str) -> None:
        if c in order:
            return
        order.append(c)
        for child in sorted(narrower[c], key=lambda i: (facts.label(i), i)):
            walk(child)

    top = [c for c in clusters if not facts.broader.get(c)]
    for c in sorted(top, key=lambda i: (-len(descendants(facts, i)), facts.label(i), i)):
        walk(c)
    return order


def _suggested_majors(facts: Facts, clusters: list[str]) -> set[str]:
    """Offered majors whose catalogue code lies under a category aligned to one of them."""
    wanted = {k for c in clusters for k in facts.cluster_catalogue.get(c, ())}
    offered = {major for _o, _s, major in facts.offerings}
    return {m for m in offered if wanted & set(facts.major_catalogue.get(m, ()))}


def hierarchy_coverage(facts: Facts) -> list[ClusterRow]:
    """Every cluster, in hierarchy order, with who serves it on each basis."""
    direct = direct_coverage(facts)
    schools_of: dict[str, set[str]] = defaultdict(set)
    for _o, school, major in facts.offerings:
        schools_of[major].add(school)
    rows = []
    for cluster in clusters_in_order(facts):
        below = descendants(facts, cluster)
        served = {b: Served() for b in BASES}
        for aspect in ASPECTS:
            mine = set(direct[cluster][aspect])
            getattr(served["report"], aspect).update(mine)
            rolled = set().union(*(direct[c][aspect] for c in below)) if below else set()
            getattr(served["hierarchy"], aspect).update(rolled - mine)
        known = served["report"].majors | served["hierarchy"].majors
        known_schools = served["report"].schools | served["hierarchy"].schools
        majors = _suggested_majors(facts, [cluster, *below]) - known
        served["catalogue"].majors = majors
        served["catalogue"].schools = set().union(*(schools_of[m] for m in majors)) - known_schools
        students = {
            b: float(sum(facts.enrolment[s][0] for s in served[b].schools if s in facts.enrolment))
            for b in BASES
        }
        within = {cluster, *below}
        rows.append(ClusterRow(
            cluster, level(facts, cluster), sorted(facts.broader.get(cluster, ())),
            sorted(c for c, ps in facts.broader.items() if cluster in ps), served, students,
            links=len({s for s, c, _l in facts.cluster_links if c in within}),
        ))
    for row in rows:
        _explain(facts, row)
    return rows


def _names(facts: Facts, iris: set[str] | list[str], lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(sorted(facts.label(i, lang) for i in iris))


def _explain(facts: Facts, row: ClusterRow) -> None:
    """The gap's kind, its reason in zh and en, and the report's words behind the cluster."""
    e = row.evidenced()
    suggested = row.served["catalogue"].majors
    zh_s, en_s = _names(facts, suggested, "zh"), _names(facts, suggested, "en")
    if not (e.majors or e.schools or e.partners or e.bases or e.agreements):
        if suggested:
            row.reason = "no-evidence"
            row.reason_zh = (f"报告没有给出任何对接证据；专业目录提示 {len(suggested)} 个已开设专业"
                             f"（{zh_s}）可能与之对应")
            row.reason_en = (f"the report gives no evidence; the catalogue suggests "
                             f"{len(suggested)} offered major(s) ({en_s})")
        else:
            row.reason = "nothing"
            row.reason_zh = "没有任何专业、学校、合作单位、实训基地或协议对接，专业目录也没有提示"
            row.reason_en = ("nothing covers it: no major, school, partner, base or agreement, "
                             "and no offered major of a matching catalogue category")
    elif not e.majors:
        parts_zh, parts_en = [], []
        for aspect, zh, en in (("schools", "学校", "school(s)"),
                               ("partners", "合作单位", "partner(s)"),
                               ("bases", "实训基地", "training base(s)"),
                               ("agreements", "合作协议", "agreement(s)")):
            found = getattr(e, aspect)
            if found:
                parts_zh.append(f"{zh} {len(found)} 个（{_names(facts, found, 'zh')}）")
                parts_en.append(f"{len(found)} {en} ({_names(facts, found, 'en')})")
        row.reason = "no-major"
        row.reason_zh = "报告只写到" + "；".join(parts_zh) + "，没有任何专业对接"
        row.reason_en = "the report names " + "; ".join(parts_en) + ", but no major"
        if suggested:
            row.reason_zh += f"；专业目录提示 {len(suggested)} 个专业（{zh_s}）"
            row.reason_en += f"; the catalogue suggests {len(suggested)} ({en_s})"
    elif len(e.schools) <= 1:
        row.reason = "one-school"
        row.reason_zh = (f"只有 {_names(facts, e.schools, 'zh') or '—'} 的 {len(e.majors)} 个专业"
                         f"（{_names(facts, e.majors, 'zh')}）对接")
        row.reason_en = (f"served by {len(e.majors)} major(s) ({_names(facts, e.majors, 'en')}) "
                         f"at one school only ({_names(facts, e.schools, 'en') or '—'})")
    else:
        row.reason = "covered"
        row.reason_zh = f"{len(e.schools)} 所学校的 {len(e.majors)} 个专业对接"
        row.reason_en = f"{len(e.majors)} major(s) at {len(e.schools)} schools"
    row.evidence = cluster_evidence(facts, row.cluster)


def cluster_evidence(facts: Facts, cluster: str) -> list[dict[str, str]]:
    """The report's words about a cluster: its links, then its place in the hierarchy."""
    found: list[dict[str, str]] = []
    for subject, c, link in facts.cluster_links:
        if c != cluster or link not in facts.link_evidence:
            continue
        basis, texts, sources = facts.link_evidence[link]
        for text in texts:
            found.append({"kind": "link", "subject": subject, "basis": basis, "text": text,
                          "source": " ".join(sources), "statement": link})
    for a in facts.alignments:
        if a.relation != "broader" or cluster not in (a.cluster, a.target):
            continue
        kind, other = ("broader", a.target) if a.cluster == cluster else ("narrower", a.cluster)
        for text in a.evidence or ("",):
            found.append({"kind": kind, "subject": other, "basis": a.basis, "text": text,
                          "note": a.note, "source": " ".join(a.sources), "statement": a.iri})
    if not found:  # at least where the report names it
        sources = " ".join(facts.derived_from.get(cluster, ()))
        found.append({"kind": "named", "subject": cluster, "basis": "", "text": "",
                      "source": sources, "statement": cluster})
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for item in found:
        key = ("", item["text"] or item["statement"], item["source"])
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


GAP_ORDER = {"nothing": 0, "no-evidence": 1, "no-major": 2, "one-school": 3, "covered": 4}


def ranked_gaps(facts: Facts, rows: list[ClusterRow] | None = None) -> list[ClusterRow]:
    """Clusters least served first: by kind of gap, then by what the report supports."""
    rows = hierarchy_coverage(facts) if rows is None else rows
    return sorted(rows, key=lambda r: (GAP_ORDER[r.reason], r.key, facts.label(r.cluster),
                                       r.cluster))


def row_json(facts: Facts, row: ClusterRow, lang: str, rank: int | None = None) -> dict:
    """A cluster row as JSON: counts and members by basis, reason and evidence."""

    def named(iri: str) -> dict[str, str]:
        return {"iri": iri, "label": facts.label(iri, lang)}

    category = facts.categories.get(row.cluster)
    out: dict = {"rank": rank} if rank is not None else {}
    out.update({
        **named(row.cluster),
        "level": row.level,
        "category": facts.label(category, lang) if category else None,
        "broader": [named(i) for i in row.broader],
        "narrower": [named(i) for i in row.narrower],
        "gap": row.reason,
        "links": row.links,
        "reason": {"zh": row.reason_zh, "en": row.reason_en},
        "counts": {b: {**row.served[b].counts(), "students": row.students[b]} for b in BASES},
        "by_basis": {
            b: {a: [named(i) for i in sorted(getattr(row.served[b], a),
                                            key=lambda i: (facts.label(i, lang), i))]
                for a in ASPECTS}
            for b in BASES
        },
        "evidence": [{**item, "subject_label": facts.label(item["subject"], lang)}
                     for item in row.evidence],
    })
    return out


def describe(facts: Facts, rows: list[ClusterRow], lang: str = "zh", top: int = 10) -> str:
    """The ranked gaps and the hierarchy with rolled-up counts, as text for the terminal."""
    lines = ["Industry clusters, least served first "
             "(majors / schools / partners / bases / agreements; "
             "stated + through the hierarchy, then suggested by the catalogue):"]
    for rank, row in enumerate(rows[:top], 1):
        e = row.evidenced()
        m, s = row.served["catalogue"].majors, row.served["catalogue"].schools
        category = facts.categories.get(row.cluster)
        tag = f" [{facts.label(category, lang)}]" if category else ""
        lines.append(
            f"{rank:2}. {facts.label(row.cluster, lang)}{tag}  "
            f"{len(e.majors)} / {len(e.schools)} / {len(e.partners)} / {len(e.bases)} / "
            f"{len(e.agreements)}  (+{len(m)} majors, +{len(s)} schools suggested)")
        lines.append(f"      {row.reason_zh if lang == 'zh' else row.reason_en}")
        for item in row.evidence[:3]:
            text = item["text"] or item.get("note", "") or "(named in the report)"
            lines.append(f"      evidence: {text[:90]}  <{item['source']}>")
    lines.append("")
    lines.append("Cluster hierarchy (stated / through narrower clusters / suggested by the "
                 "catalogue: majors·schools·students):")
    order = clusters_in_order(facts)
    for row in sorted(rows, key=lambda r: order.index(r.cluster)):
        cells = []
        for b in BASES:
            sv = row.served[b]
            cells.append(f"{len(sv.majors)}·{len(sv.schools)}·{row.students[b]:g}")
        lines.append(f"{'  ' * row.level}- {facts.label(row.cluster, lang)}  " + " / ".join(cells))
    return "\n".join(lines)


# --- the matrix ------------------------------------------------------------------------------


@dataclass
class Matrix:
    """Clusters (hierarchy order, with levels) × schools: majors per cell by basis."""

    clusters: list[str]
    levels: list[int]
    schools: list[str]
    cells: dict[tuple[str, str], dict[str, set[str]]]  # (cluster, school) -> basis -> majors


def coverage_matrix(facts: Facts, rows: list[ClusterRow] | None = None) -> Matrix:
    """Which school's majors serve which cluster, stated, rolled up or suggested."""
    rows = hierarchy_coverage(facts) if rows is None else rows
    schools = sorted((i for i, e in facts.entities.items() if e.type == "School"),
                     key=lambda i: (-facts.enrolment.get(i, (0.0,))[0], facts.label(i), i))
    offered: dict[str, set[str]] = defaultdict(set)  # major -> schools
    for _o, school, major in facts.offerings:
        offered[major].add(school)
    direct_by_school = _direct_majors_by_school(facts)
    cells: dict[tuple[str, str], dict[str, set[str]]] = {}
    for row in rows:
        below = descendants(facts, row.cluster)
        for school in schools:
            mine = set(direct_by_school[row.cluster].get(school, ()))
            rolled = set().union(*(direct_by_school[c].get(school, set()) for c in below)) \
                if below else set()
            suggested = {m for m in row.served["catalogue"].majors if school in offered[m]}
            cells[(row.cluster, school)] = {
                "report": mine, "hierarchy": rolled - mine,
                "catalogue": suggested - mine - rolled,
            }
    return Matrix([r.cluster for r in rows], [r.level for r in rows], schools, cells)


def _direct_majors_by_school(facts: Facts) -> dict[str, dict[str, set[str]]]:
    """cluster -> school -> majors the report links (the major itself, or that school's
    offering of it; a major linked as such counts at every school offering it)."""
    types = {i: e.type for i, e in facts.entities.items()}
    offering = {o: (school, major) for o, school, major in facts.offerings}
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for subject, cluster, _link in facts.cluster_links:
        if types.get(subject) == "MajorOffering" and subject in offering:
            school, major = offering[subject]
            out[cluster][school].add(major)
        elif types.get(subject) == "Major":
            for _o, school, major in facts.offerings:
                if major == subject:
                    out[cluster][school].add(major)
    return out


def matrix_csv(facts: Facts, matrix: Matrix, lang: str = "zh") -> bytes:
    """One row per cluster and school: counts by basis and the majors, for spreadsheets."""
    buffer = io.StringIO()
    w = csv.writer(buffer, lineterminator="\n")
    w.writerow(["cluster", "cluster_label", "level", "school", "school_label",
                "majors_report", "majors_hierarchy", "majors_catalogue", "majors_total",
                "majors_report_labels", "majors_hierarchy_labels", "majors_catalogue_labels"])
    for cluster, lvl in zip(matrix.clusters, matrix.levels, strict=True):
        for school in matrix.schools:
            cell = matrix.cells[(cluster, school)]
            w.writerow([
                cluster, facts.label(cluster, lang), lvl, school, facts.label(school, lang),
                *(len(cell[b]) for b in BASES), sum(len(cell[b]) for b in BASES),
                *(_names(facts, cell[b], lang) for b in BASES),
            ])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: spreadsheets read UTF-8


# --- the hierarchy view ---------------------------------------------------------------------


def _height(facts: Facts, cluster: str) -> int:
    """Steps down to the farthest narrower cluster (0 for a leaf)."""
    children = [c for c, ps in facts.broader.items() if cluster in ps and c != cluster]
    return 1 + max(_height(facts, c) for c in children) if children else 0


def hierarchy_view(facts: Facts) -> nx.Graph:
    """Clusters in columns (leaves last; ``level`` on each node), each tied to its broader
    one (the edge's kind is the basis, its evidence the alignment), then the majors the report
    links to each and the schools offering them: how a major reaches a pillar."""
    b = _Builder(facts, "cluster-hierarchy")
    deepest = max((level(facts, c) for c in facts.broader), default=0)
    for cluster in clusters_in_order(facts):
        # Columns end at the leaves, next to the majors: a cluster stands left of its
        # narrower ones by its height, so that no major's edge crosses a column of clusters.
        b.node(cluster, deepest - _height(facts, cluster), level=level(facts, cluster))
    for a in facts.alignments:
        if a.relation == "broader":
            b.edge(a.cluster, a.target, "skos:broader", a.iri, (a.basis,))
    linked = {s for s, _c, _l in facts.cluster_links}
    offering_major = {o: m for o, _s, m in facts.offerings}
    for major in sorted({offering_major.get(s, s) for s in linked}):
        if facts.entities.get(major) and facts.entities[major].type == "Major":
            b.node(major, deepest + 1)
    for school in b.of_type("School"):
        b.node(school, deepest + 2)
    _major_cluster(b)
    _school_major(b)
    g = b.finish()
    for node, data in g.nodes(data=True):
        data["weight"] = float(max(1, g.degree(node)))
    return g

"""Graph views of the store for planners: who is connected to whom, and where the gaps are.

``build(store_or_facts, "school-major-cluster", lang="zh")`` gives a networkx graph with
labels in the chosen language and metrics on every node; :mod:`.export` writes it as
GraphML, GEXF, JSON or a self-contained HTML page, :mod:`.render` as PNG or SVG.
"""

from __future__ import annotations

import networkx as nx

from ..store import Store
from .analytics import add_metrics, projection
from .export import FORMATS, MEDIA_TYPES, to_gexf, to_graphml, to_html, to_json
from .facts import Facts, load_facts
from .hierarchy import hierarchy_view
from .views import VIEWS as BASE_VIEWS
from .views import View, school_major_cluster, school_partner

LANGS = ("zh", "en")


def _schools_sharing_partners(facts: Facts) -> nx.Graph:
    g = school_partner(facts)
    schools = {n for n, t in g.nodes(data="type") if t == "School"}
    return projection(g, schools, set(g) - schools, "school-projection")


def _majors_sharing_clusters(facts: Facts) -> nx.Graph:
    g = school_major_cluster(facts)
    majors = {n for n, t in g.nodes(data="type") if t == "Major"}
    clusters = {n for n, t in g.nodes(data="type") if t == "IndustryCluster"}
    return projection(g, majors, clusters, "major-projection")


VIEWS: dict[str, View] = {
    **BASE_VIEWS,
    "school-projection": View(
        "school-projection", "共享合作单位的学校", "Schools sharing partners",
        "Bipartite projection of school – partner: two schools are linked by the partners "
        "they share.", _schools_sharing_partners),
    "major-projection": View(
        "major-projection", "对接同一产业集群的专业", "Majors sharing clusters",
        "Bipartite projection of major – cluster: two majors are linked by the clusters they "
        "both serve.", _majors_sharing_clusters),
    "cluster-hierarchy": View(
        "cluster-hierarchy", "产业集群层级", "Industry cluster hierarchy",
        "Clusters in columns ending at the leaves, each linked to its broader one (basis: the "
        "report, GB/T 4754-2017 or the major catalogue), then the majors linked to them and "
        "the schools offering those majors.", hierarchy_view, layered=True),
}


class UnknownView(KeyError):
    """A view name that is not in :data:`VIEWS`."""

    def __str__(self) -> str:
        return f"unknown view {self.args[0]!r} (known: {', '.join(VIEWS)})"


def build(source: Store | Facts, name: str, lang: str = "zh", metrics: bool = True) -> nx.Graph:
    """The named view with ``label`` in ``lang`` and, unless told not to, node metrics."""
    if name not in VIEWS:
        raise UnknownView(name)
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)}, not {lang!r}")
    facts = source if isinstance(source, Facts) else load_facts(source)
    view = VIEWS[name]
    g = view.build(facts)
    g.graph.update(name=name, title=view.title(lang), title_zh=view.title_zh,
                   title_en=view.title_en, lang=lang, layered=view.layered)
    if facts.reports:  # credited under a picture
        g.graph["source"] = "; ".join(facts.label(r, lang) for r in facts.reports)
    for _n, data in g.nodes(data=True):
        data["label"] = data["label_zh"] if lang == "zh" else data["label_en"]
    # Stable edge ids: GEXF needs one per edge, and the explorer keys its elements by them.
    for index, (_u, _v, data) in enumerate(sorted(g.edges(data=True), key=lambda e: e[:2])):
        data["id"] = f"e{index}"
    return add_metrics(g) if metrics else g


def serialize(g: nx.Graph, fmt: str) -> bytes:
    """A built view in one of :data:`~.export.FORMATS` (pictures need matplotlib)."""
    if fmt in ("png", "svg"):
        from .render import draw

        return draw(g, fmt)
    writers = {"graphml": to_graphml, "gexf": to_gexf, "json": to_json, "html": to_html}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    return writers[fmt](g)


__all__ = [
    "FORMATS", "LANGS", "MEDIA_TYPES", "VIEWS", "Facts", "UnknownView", "View", "build",
    "load_facts", "serialize",
]

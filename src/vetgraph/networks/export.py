"""Write a view for other tools: GraphML and GEXF (Gephi, yEd), node-link JSON (scripts),
Cytoscape elements (the explorer) and a self-contained HTML page (no server, no network).
"""

from __future__ import annotations

import io
import json
import math
from importlib import resources
from typing import Any

import networkx as nx

from .layout import Positions, positions, text_width
from .terms import NODE_TYPES, TYPES_BY_NAME

FORMATS = ("html", "png", "svg", "graphml", "gexf", "json")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "png": "image/png",
    "svg": "image/svg+xml",
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "json": "application/json",
}
#: Size of the explorer's drawing area that layout coordinates are scaled to (pixels).
CANVAS = 1000.0
ROW_PX = 36.0  # layered views: pixels between rows
LABEL_PX = 11.0  # the explorer's label font size; a CJK character is about this wide
#: Node attributes the explorer can size nodes by.
SIZE_METRICS = ("weight", "degree", "degree_centrality", "betweenness")


def to_graphml(g: nx.Graph) -> bytes:
    """GraphML with typed keys (``attr.type``), as networkx writes and reads it."""
    buffer = io.BytesIO()
    nx.write_graphml(g, buffer, encoding="utf-8", prettyprint=True, named_key_ids=True)
    return buffer.getvalue()


def to_gexf(g: nx.Graph) -> bytes:
    """GEXF 1.2 for Gephi; node ``label`` becomes the GEXF label."""
    buffer = io.BytesIO()
    nx.write_gexf(g, buffer, encoding="utf-8", prettyprint=True, version="1.2draft")
    return buffer.getvalue()


def to_node_link(g: nx.Graph) -> dict[str, Any]:
    """networkx node-link data (``nodes`` / ``edges``), readable by ``node_link_graph``."""
    return nx.node_link_data(g, edges="edges")


def to_json(g: nx.Graph) -> bytes:
    return json.dumps(to_node_link(g), ensure_ascii=False, indent=1).encode("utf-8")


def legend(g: nx.Graph) -> list[dict[str, str]]:
    """The node types present, in legend order, with labels and colours."""
    present = {t for _n, t in g.nodes(data="type")}
    out = []
    for t in NODE_TYPES:
        if t.name in present:
            node = next(d for _n, d in g.nodes(data=True) if d["type"] == t.name)
            out.append({"type": t.name, "label_zh": node["type_zh"], "label_en": node["type_en"],
                        "colour": t.colour, "shape": t.shape})
    return out


def cytoscape(g: nx.Graph, pos: Positions | None = None) -> dict[str, Any]:
    """The explorer's payload: Cytoscape.js elements with preset positions, legend, metrics."""
    pos = pos if pos is not None else positions(g)
    xs = [x for x, _y in pos.values()] or [0.0]
    ys = [y for _x, y in pos.values()] or [0.0]
    if g.graph.get("layered"):  # columns as wide as their longest label, in either language
        xs_px = _column_offsets(g, pos)
        place = {n: (xs_px[x], (y - min(ys)) * ROW_PX) for n, (x, y) in pos.items()}
    else:
        canvas = CANVAS * max(1.0, math.sqrt(len(g) / 60))  # room for labels in big views
        scale = canvas / max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
        place = {n: ((x - min(xs)) * scale, (y - min(ys)) * scale) for n, (x, y) in pos.items()}
    nodes = []
    for n, data in sorted(g.nodes(data=True)):
        x, y = place[n]
        colour = TYPES_BY_NAME[data["type"]].colour if data["type"] in TYPES_BY_NAME else "#999"
        nodes.append({
            "data": {"id": n, **data, "colour": colour},
            "position": {"x": round(x, 1), "y": round(y, 1)},
        })
    edges = [
        {"data": {"id": f"e{i}", **data, "source": u, "target": v}}
        for i, (u, v, data) in enumerate(sorted(g.edges(data=True), key=lambda e: (e[0], e[1])))
    ]
    return {
        "view": g.graph.get("name", ""),
        "title": g.graph.get("title", ""),
        "titles": {"zh": g.graph.get("title_zh", ""), "en": g.graph.get("title_en", "")},
        "lang": g.graph.get("lang", "zh"),
        "layered": bool(g.graph.get("layered")),
        "legend": legend(g),
        "metrics": list(SIZE_METRICS),
        "elements": {"nodes": nodes, "edges": edges},
    }


def _column_offsets(g: nx.Graph, pos: Positions) -> dict[float, float]:
    """x (pixels) of each column: the previous column plus its widest label and a margin."""
    widest: dict[float, float] = {}
    for n, (x, _y) in pos.items():
        d = g.nodes[n]
        inches = max(text_width(d.get(key, ""), LABEL_PX) for key in ("label_zh", "label_en"))
        widest[x] = max(widest.get(x, 0.0), inches * 72)  # px at 1:1 zoom
    offsets, at = {}, 0.0
    for x in sorted(widest):
        offsets[x] = at
        at += widest[x] + 120.0
    return offsets


def _web_file(*parts: str) -> str:
    return resources.files("vetgraph.web").joinpath(*parts).read_text("utf-8")


def to_html(g: nx.Graph) -> bytes:
    """One HTML file with Cytoscape.js, the explorer script and the data inlined."""
    payload = json.dumps(cytoscape(g), ensure_ascii=False)
    payload = payload.replace("</", "<\\/")  # cannot close the <script> element early
    title = g.graph.get("title", "vetgraph")
    page = f"""<!doctype html>
<html lang="{'zh-Hans' if g.graph.get('lang') == 'zh' else 'en'}">
<head><meta charset="utf-8"><title>{_escape(title)} · vetgraph</title>
<style>{_web_file("static", "network", "explorer.css")}</style></head>
<body class="standalone">
{_web_file("templates", "network_panel.html")}
<script>{_web_file("static", "vendor", "cytoscape", "cytoscape.min.js")}</script>
<script>window.VETGRAPH_VIEW = {payload};</script>
<script>{_web_file("static", "network", "explorer.js")}</script>
</body></html>
"""
    return page.encode("utf-8")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

"""Node positions shared by the pictures and the explorer, so both show the same drawing.

Layered views are drawn in columns (``layer``) ordered by a few barycentre sweeps, which
untangles most crossings of a school–major–cluster picture. Other views use a seeded
force-directed layout per connected component, with components packed on shelves so that
small islands stay on the page instead of being flung to its edge.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict

import networkx as nx

Positions = dict[str, tuple[float, float]]
SEED = 42


def text_width(text: str, size: float) -> float:
    """Estimated width in inches at ``size`` points: wide (CJK) characters one em, others
    about half; good enough to keep columns of labels apart."""
    ems = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.56 for c in text)
    return ems * size / 72


def layered(g: nx.Graph, sweeps: int = 8) -> Positions:
    """Columns by ``layer`` (x = column), rows ordered to reduce crossings (y grows down)."""
    columns: dict[int, list[str]] = defaultdict(list)
    for node, layer in sorted(g.nodes(data="layer", default=0), key=lambda nl: (nl[1], nl[0])):
        columns[layer].append(node)
    layers = sorted(columns)
    for col in layers:  # start from a readable order: by type, then label
        columns[col].sort(key=lambda n: (g.nodes[n].get("type", ""), g.nodes[n].get("label", n)))
    rank = {n: i for col in layers for i, n in enumerate(columns[col])}
    order = layers[1:] + layers[-2::-1]  # down then back up
    for _ in range(sweeps):
        for col in order:
            def centre(n: str, col: int = col) -> float:
                ranks = [rank[m] for m in g[n] if g.nodes[m].get("layer", 0) != col]
                return sum(ranks) / len(ranks) if ranks else rank[n]
            columns[col].sort(key=lambda n: (centre(n), rank[n]))
            rank.update({n: i for i, n in enumerate(columns[col])})
    tallest = max((len(c) for c in columns.values()), default=1)
    pos: Positions = {}
    for x, col in enumerate(layers):
        nodes = columns[col]
        gap = (tallest - 1) / max(1, len(nodes) - 1) if len(nodes) > 1 else 0.0
        offset = 0.0 if len(nodes) > 1 else (tallest - 1) / 2
        for i, n in enumerate(nodes):
            pos[n] = (float(x), offset + i * gap)
    return pos


def force(g: nx.Graph, seed: int = SEED) -> Positions:
    """Kamada–Kawai (deterministic) or seeded spring layout of each component; components
    packed left to right on shelves."""
    parts = sorted(nx.connected_components(g), key=lambda c: (-len(c), min(c)))
    boxes: list[tuple[float, Positions]] = []
    for part in parts:
        sub = g.subgraph(part)
        size = math.sqrt(len(part))
        if len(part) == 1:
            local: Positions = {next(iter(part)): (0.0, 0.0)}
        else:
            raw = (nx.kamada_kawai_layout(sub, weight=None) if len(part) <= 400
                   else nx.spring_layout(sub, seed=seed, weight=None, iterations=200))
            local = {n: (float(x) * size, float(y) * size) for n, (x, y) in raw.items()}
        boxes.append((size, local))
    width = max(4.0, 2.2 * boxes[0][0]) if boxes else 1.0
    pos: Positions = {}
    x = y = shelf = 0.0
    for size, local in boxes:
        span = 2 * size + 0.6
        if x > 0 and x + span > width:
            x, y = 0.0, y + shelf
            shelf = 0.0
        for n, (px, py) in local.items():
            pos[n] = (x + size + px, y + size - py)
        x += span
        shelf = max(shelf, span)
    return pos


def positions(g: nx.Graph) -> Positions:
    """The layout a view is drawn with (y grows downwards, like a page): columns when the
    graph says it is ``layered``, else force-directed."""
    return layered(g) if g.graph.get("layered") else force(g)

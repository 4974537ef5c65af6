"""Pictures a planner can paste into a report: PNG or SVG with title, legend and Chinese labels.

Chinese needs a CJK font (Debian ``fonts-noto-cjk``); without one matplotlib would draw
empty boxes, so rendering refuses with a clear message instead, and any glyph still missing
from the fonts is an error, not a silent box.
"""

from __future__ import annotations

import io
import math
import warnings
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")  # no display: pictures are files

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from .export import legend  # noqa: E402
from .facts import Facts  # noqa: E402
from .hierarchy import Matrix  # noqa: E402
from .layout import Positions, positions, text_width  # noqa: E402

#: Preferred CJK families, best first (Simplified Chinese forms first).
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Noto Sans CJK JP",
                "WenQuanYi Zen Hei", "Noto Serif CJK SC")
FALLBACK = "DejaVu Sans"  # matplotlib's own font: Latin, symbols
LABEL_PT = 8.0
#: Above this many nodes a force-directed picture labels only organisations, majors, clusters,
#: bases and places: offerings, agreements and the like keep their marker (the explorer and the
#: GraphML still have every label).
CROWDED = 100
STATEMENT_TYPES = frozenset({"MajorOffering", "CooperationAgreement", "ArticulationPathway",
                             "Designation", "Person", "CareerStage", "SchoolActivity", "Patent"})


class FontError(RuntimeError):
    """No CJK font, or a label has characters no available font can draw."""


@lru_cache(maxsize=1)
def cjk_font() -> font_manager.FontEntry:
    """The installed CJK font matplotlib will use; FontError if there is none.

    A font installed after matplotlib built its cache is not in the cache: such files are
    looked for among the system fonts and added before giving up.
    """
    found = _known_cjk()
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(key in path for key in ("CJK", "SourceHan", "wqy")):
                font_manager.fontManager.addfont(path)
        found = _known_cjk()
    if found is None:
        raise FontError(
            "no CJK font found for Chinese labels: install one, e.g. `apt-get install "
            "fonts-noto-cjk` (Noto Sans CJK SC)"
        )
    return found


def _known_cjk() -> font_manager.FontEntry | None:
    entries = {f.name: f for f in font_manager.fontManager.ttflist if f.weight in (400, "normal")}
    return next((entries[f] for f in CJK_FAMILIES if f in entries), None)


def _rc() -> dict[str, object]:
    return {
        "font.family": [cjk_font().name, FALLBACK],
        "svg.fonttype": "path",  # glyph outlines in the SVG: no font needed to view it
        "axes.unicode_minus": False,
    }


def _node_sizes(g: nx.Graph, metric: str, largest: float = 600.0) -> dict[str, float]:
    """Marker areas (pt²) from a metric, relative to the largest node of the same type (a
    school's enrolment and a cluster's count of ties are not comparable)."""
    values = {n: max(0.0, float(d.get(metric, 1.0) or 0.0)) for n, d in g.nodes(data=True)}
    top: dict[str, float] = {}
    for n, kind in g.nodes(data="type"):
        top[kind] = max(top.get(kind, 0.0), values[n])
    return {
        n: 50 + (largest - 50) * math.sqrt(values[n] / (top[kind] or 1.0))
        for n, kind in g.nodes(data="type")
    }


def draw(
    g: nx.Graph,
    fmt: str = "png",
    *,
    size_by: str = "weight",
    pos: Positions | None = None,
    dpi: int = 150,
) -> bytes:
    """Render a view as PNG or SVG bytes; FontError if a label cannot be drawn."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"pictures are png or svg, not {fmt!r}")
    pos = pos if pos is not None else positions(g)
    with matplotlib.rc_context(_rc()), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = _figure(g, pos, size_by)
        body = _save(fig, fmt, dpi)
    _check_glyphs(caught)
    return body


def _save(fig: plt.Figure, fmt: str, dpi: int) -> bytes:
    """The figure as PNG or SVG bytes, without the date or version that would change them."""
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    plt.close(fig)
    return buffer.getvalue()


def _check_glyphs(caught: list[warnings.WarningMessage]) -> None:
    """FontError naming every character matplotlib could not draw (it only warns)."""
    missing = sorted({str(w.message) for w in caught if "missing from font" in str(w.message)})
    if missing:
        raise FontError("; ".join(missing))


def _figure(g: nx.Graph, pos: Positions, size_by: str) -> plt.Figure:
    crowded = len(g) > CROWDED and not g.graph.get("layered")
    labels = {
        n: str(d.get("label", n))
        for n, d in g.nodes(data=True)
        if not (crowded and d.get("type") in STATEMENT_TYPES)
    }
    if g.graph.get("layered"):
        fig, ax, align = _layered_axes(g, pos, labels)
    else:
        side = min(28.0, max(8.0, 1.5 * math.sqrt(max(1, len(g)))))
        fig, ax = plt.subplots(figsize=(side, side * 0.8))
        align = {n: "left" for n in g}
        xs = [x for x, _ in pos.values()] or [0.0]
        ys = [y for _, y in pos.values()] or [0.0]
        pad = 0.06 * max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
        ax.set_xlim(min(xs) - pad, max(xs) + pad * 3)
        ax.set_ylim(max(ys) + pad, min(ys) - pad)
    ax.set_axis_off()
    sizes = _node_sizes(g, size_by, 300.0 if g.graph.get("layered") else 600.0)
    top = max((w for *_e, w in g.edges(data="weight", default=1.0)), default=1.0)
    for u, v, w in g.edges(data="weight", default=1.0):
        (x1, y1), (x2, y2) = pos[u], pos[v]
        ax.plot([x1, x2], [y1, y2], color="#9a9a9a", alpha=0.6, zorder=1,
                linewidth=0.8 + 2.4 * ((w - 1) / (top - 1) if top > 1 else 0.0))
    for t in legend(g):
        nodes = [n for n, d in g.nodes(data=True) if d["type"] == t["type"]]
        ax.scatter([pos[n][0] for n in nodes], [pos[n][1] for n in nodes],
                   s=[sizes[n] for n in nodes], c=t["colour"], marker=t["shape"],
                   edgecolors="white", linewidths=0.8, zorder=2)
    for n, text in labels.items():
        x, y = pos[n]
        gap = math.sqrt(sizes[n]) / 2 + 3  # points from the node centre to the text
        offset = -gap if align[n] == "right" else gap
        ax.annotate(text, (x, y), xytext=(offset, 0), textcoords="offset points",
                    ha=align[n], va="center", fontsize=LABEL_PT, zorder=3,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                          "alpha": 0.75})
    _header(fig, g)
    return fig


def _header(fig: plt.Figure, g: nx.Graph) -> None:
    """Title, counts and legend above the drawing, in a band sized in inches."""
    lang = g.graph.get("lang", "zh")
    entries = legend(g)
    handles = [
        Line2D([], [], marker=t["shape"], linestyle="", markersize=9, color=t["colour"],
               label=t["label_zh"] if lang == "zh" else t["label_en"])
        for t in entries
    ]
    width, height = fig.get_size_inches()
    ncol = max(1, min(len(handles), int(width // 2.0)))
    rows = math.ceil(len(handles) / ncol) if handles else 0
    band = 0.95 + 0.3 * rows  # inches
    counts = (f"{len(g)} 个节点 · {g.number_of_edges()} 条边" if lang == "zh"
              else f"{len(g)} nodes · {g.number_of_edges()} edges")
    fig.text(0.5, 1 - 0.12 / height, g.graph.get("title", ""), ha="center", va="top",
             fontsize=16, fontweight="bold")
    fig.text(0.5, 1 - 0.5 / height, counts + " · vetgraph", ha="center", va="top",
             fontsize=9, color="#555555")
    if handles:
        fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.72 / height),
                   ncol=ncol, frameon=False, fontsize=9, handletextpad=0.3, columnspacing=1.4)
    if g.graph.get("source"):
        credit = ("数据来源：" if lang == "zh" else "Source: ") + g.graph["source"]
        fig.text(0.01, 0.06 / height, credit, ha="left", va="bottom", fontsize=8, color="#555555")
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.3 / height, top=1 - band / height)


def _layered_axes(
    g: nx.Graph, pos: Positions, labels: dict[str, str]
) -> tuple[plt.Figure, plt.Axes, dict[str, str]]:
    """Figure sized so every column's labels fit: first column labelled on its left."""
    columns = sorted({x for x, _ in pos.values()})
    first, last = columns[0], columns[-1]
    widest: dict[float, float] = {c: 0.0 for c in columns}
    for n, (x, _y) in pos.items():
        widest[x] = max(widest[x], text_width(labels[n], LABEL_PT))
    left = widest[first] + 0.5
    gaps = [widest[c] + 1.2 for c in columns[1:]] if len(columns) > 1 else []
    inner = max(gaps[:-1] + [2.5]) if gaps else 2.5  # inches between two columns
    right = (widest[last] + 0.6) if len(columns) > 1 else 0.6
    width = left + inner * (len(columns) - 1) + right
    rows = max(pos[n][1] for n in pos) + 1 if pos else 1
    height = max(6.0, 0.3 * rows + 2.2)
    fig, ax = plt.subplots(figsize=(width, height))
    per_inch = 1 / inner
    ax.set_xlim(first - left * per_inch, last + right * per_inch)
    ax.set_ylim(rows - 0.3, -0.7)
    align = {n: ("right" if pos[n][0] == first and len(columns) > 1 else "left") for n in g}
    return fig, ax, align


def glyphs_missing(text: str) -> list[str]:
    """Characters of ``text`` that neither the CJK font nor the fallback has a glyph for
    (read from the fonts' cmap tables with fontTools)."""
    from fontTools.ttLib import TTFont

    cjk = cjk_font()
    fallback = font_manager.findfont(FALLBACK, fallback_to_default=False)
    tables = []
    for path, index in ((cjk.fname, getattr(cjk, "index", 0)), (fallback, 0)):
        font = TTFont(path, fontNumber=index, lazy=True)
        tables.append(font.getBestCmap())
        font.close()
    return [c for c in text if not c.isspace() and not any(ord(c) in t for t in tables)]


def draw_matrix(
    facts: Facts, matrix: Matrix, fmt: str = "png", lang: str = "zh", dpi: int = 150
) -> bytes:
    """The clusters × schools matrix as PNG or SVG: one row per cluster, indented under its
    broader one and grouped by top concept; a cell reads ``stated·hierarchy·catalogue`` majors
    and is shaded by what the report supports (stated + through the hierarchy)."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"pictures are png or svg, not {fmt!r}")
    zh = lang == "zh"
    rows = ["\u3000" * 2 * lvl + ("└ " if lvl else "") + facts.label(c, lang)
            for c, lvl in zip(matrix.clusters, matrix.levels, strict=True)]
    columns = [facts.label(s, lang) for s in matrix.schools]
    left = max(text_width(r, 9.0) for r in rows) + 0.4
    col_w = 1.2  # inches: room for "0·0·0"; school names are written slanted above
    band = 1.0 + 0.55 * max(text_width(c, 8.0) for c in columns)  # title and slanted names
    width = left + col_w * len(columns) + 0.5 * max(text_width(c, 8.0) for c in columns)
    height = 0.34 * len(rows) + band + 0.5
    with matplotlib.rc_context(_rc()), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots(figsize=(width, height))
        strongest = max([1] + [len(cell["report"]) + len(cell["hierarchy"])
                               for cell in matrix.cells.values()])
        for i, cluster in enumerate(matrix.clusters):
            for j, school in enumerate(matrix.schools):
                cell = matrix.cells[(cluster, school)]
                stated, rolled, suggested = (len(cell[b]) for b in ("report", "hierarchy",
                                                                    "catalogue"))
                shade = (stated + rolled) / strongest
                colour = (plt.cm.Greens(0.15 + 0.75 * shade) if stated + rolled
                          else ("#FFF3D6" if suggested else "white"))
                ax.add_patch(plt.Rectangle((j, i), 1, 1, facecolor=colour, edgecolor="#DDDDDD"))
                if stated or rolled or suggested:
                    ax.text(j + 0.5, i + 0.5, f"{stated}·{rolled}·{suggested}", ha="center",
                            va="center", fontsize=8,
                            color="white" if shade > 0.6 else "#222222")
        for i, lvl in enumerate(matrix.levels):
            if lvl == 0 and i:
                ax.axhline(i, color="#333333", linewidth=1.2)
        ax.set_xlim(0, len(columns))
        ax.set_ylim(len(rows), 0)
        ax.set_yticks([i + 0.5 for i in range(len(rows))], rows, fontsize=9)
        for tick, lvl in zip(ax.get_yticklabels(), matrix.levels, strict=True):
            tick.set_fontweight("bold" if lvl == 0 else "normal")
            tick.set_horizontalalignment("left")  # so that the indent shows the hierarchy
        ax.tick_params(axis="y", pad=(left - 0.2) * 72)
        ax.set_xticks([j + 0.5 for j in range(len(columns))], columns, fontsize=8,
                      rotation=30, ha="left")
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        title = ("产业集群 × 学校：对接专业数" if zh
                 else "Industry clusters × schools: majors serving them")
        key = ("格内：原文对接·经下位产业·专业目录提示 的专业数；绿色深浅按前两项之和，"
               "浅黄为仅有目录提示" if zh else
               "cell: majors stated · through a narrower cluster · suggested by the catalogue; "
               "green by the first two, pale yellow: catalogue only")
        fig.text(0.5, 1 - 0.15 / height, title, ha="center", va="top", fontsize=14,
                 fontweight="bold")
        fig.text(0.5, 1 - 0.5 / height, key, ha="center", va="top", fontsize=8,
                 color="#555555")
        if facts.reports:
            credit = ("数据来源：" if zh else "Source: ") + "; ".join(
                facts.label(r, lang) for r in facts.reports)
            fig.text(0.01, 0.06 / height, credit, ha="left", va="bottom", fontsize=7,
                     color="#555555")
        fig.subplots_adjust(left=left / width, right=(left + col_w * len(columns)) / width,
                            bottom=0.4 / height, top=1 - band / height)
        body = _save(fig, fmt, dpi)
    _check_glyphs(caught)
    return body


__all__ = ["FontError", "cjk_font", "draw", "draw_matrix", "glyphs_missing"]

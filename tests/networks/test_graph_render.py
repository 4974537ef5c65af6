"""Pictures for reports: Chinese labels drawn with real glyphs (never boxes), legend, title."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from vetgraph import networks
from vetgraph.networks import render

SAMPLE = "本溪市卫生学校护理"


def _text_pixels(text: str, family: str) -> np.ndarray:
    """``text`` drawn in ``family`` alone (no fallback), as a grey-level array."""
    fig = Figure(figsize=(len(text) * 0.5, 0.6), dpi=100)
    fig.text(0.02, 0.2, text, fontsize=24, family=[family])
    canvas = FigureCanvasAgg(fig)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fallback font warns about every missing glyph
        canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., 0].copy()


def test_every_label_of_the_views_has_glyphs(facts):
    for name in ("school-major-cluster", "school-partner", "cluster-coverage"):
        g = networks.build(facts, name, metrics=False)
        text = "".join(d["label_zh"] + d["label_en"] + d["type_zh"] for _n, d in g.nodes(data=True))
        assert render.glyphs_missing(text + g.graph["title"]) == [], name


def test_chinese_is_drawn_with_glyphs_not_boxes():
    cjk = render.cjk_font().name
    assert "CJK" in cjk or "Han" in cjk
    drawn = [_text_pixels(c, cjk) for c in SAMPLE[:4]]
    boxes = [_text_pixels(c, render.FALLBACK) for c in SAMPLE[:4]]
    # Without the glyphs every character is the same box; with them, no two are alike.
    assert all((boxes[0] == b).all() for b in boxes[1:])
    for i, a in enumerate(drawn):
        assert (a < 128).sum() > 20, "nothing drawn"
        assert not (a == boxes[i]).all(), "drawn as the missing-glyph box"
        for b in drawn[i + 1:]:
            assert not (a == b).all(), "two different characters drawn alike"


def test_picture_of_the_tripartite_view(facts):
    g = networks.build(facts, "school-major-cluster")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warns: make it fail
        png = render.draw(g, "png")
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.width > 1000 and image.height > 1000
    dark = (np.asarray(image) < 200).mean()
    assert 0.02 < dark < 0.5, dark  # drawn on, not blank and not a black page


def test_svg_carries_glyph_outlines_not_font_names(facts):
    svg = render.draw(networks.build(facts, "school-partner", lang="en"), "svg").decode()
    assert svg.startswith("<?xml") and "<svg" in svg
    assert "<text" not in svg  # text as glyph paths: no font needed to view it
    assert 'id="NotoSansCJK' in svg  # ... outlines taken from the CJK font


def test_missing_cjk_font_is_a_clear_error(facts, monkeypatch):
    no_cjk = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", no_cjk)
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    render.cjk_font.cache_clear()
    try:
        with pytest.raises(render.FontError, match="fonts-noto-cjk"):
            render.draw(networks.build(facts, "school-partner"), "png")
    finally:
        monkeypatch.undo()
        render.cjk_font.cache_clear()
    assert render.cjk_font().name in render.CJK_FAMILIES

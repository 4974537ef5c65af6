"""The /network explorer in headless Debian chromium, offline, against a live ``vetgraph serve``.

``VETGRAPH_TEST_SERVER=http://127.0.0.1:PORT`` runs these against a server already running
(handy while editing the explorer); by default they use the session's live server.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import requests
from helpers.browser import needs_chromium, offline_page, wait_until
from PIL import Image

pytestmark = needs_chromium

HEALTH = "https://w3id.org/vetgraph/id/school/benxi-health-school"
CHEMICAL = "https://w3id.org/vetgraph/id/school/benxi-chemical-industry-school"
BIOMEDICAL = "https://w3id.org/vetgraph/code/industry-cluster/biomedical-cluster"


@pytest.fixture(scope="module")
def site(request):
    url = os.environ.get("VETGRAPH_TEST_SERVER")
    return SimpleNamespace(url=url.rstrip("/")) if url else request.getfixturevalue("server")


@pytest.fixture
def page(browser):
    """A fresh profile, downloads allowed; any request leaving loopback is aborted and kept."""
    with offline_page(
        browser, accept_downloads=True, viewport={"width": 1500, "height": 950}
    ) as page:
        yield page
        assert page.outside == [] and page.errors == []


#: Draws each character of a string alone on a canvas in the explorer's font; returns the
#: alpha channels as strings so that identical drawings compare equal.
GLYPHS = """text => Array.from(text).map(ch => {
  const c = document.createElement("canvas"); c.width = 40; c.height = 40;
  const x = c.getContext("2d"); x.font = '32px "Noto Sans CJK SC", sans-serif';
  x.fillText(ch, 2, 34);
  return Array.from(x.getImageData(0, 0, 40, 40).data).filter((_, i) => i % 4 === 3).join(",");
})"""


def _inked(alpha: str) -> int:
    return sum(1 for value in alpha.split(",") if int(value) > 128)


def open_view(page, site, view: str, lang: str = "zh") -> None:
    page.goto(f"{site.url}/network?view={view}&lang={lang}")
    wait_until(page,
        "window.vetgraphExplorer && window.vetgraphExplorer.ready", timeout=60_000
    )


def click_node(page, iri: str) -> None:
    box = page.locator("#gx-cy").bounding_box()
    x, y = page.evaluate(
        "iri => { const p = vetgraphExplorer.cy.getElementById(iri).renderedPosition();"
        " return [p.x, p.y]; }",
        iri,
    )
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_explorer_draws_every_node_of_the_view(site, page):
    view = requests.get(f"{site.url}/network/school-major-cluster.json", timeout=60).json()
    open_view(page, site, "school-major-cluster")
    assert page.evaluate("vetgraphExplorer.cy.nodes().length") == len(view["nodes"]) == 49
    assert page.evaluate("vetgraphExplorer.cy.edges().length") == len(view["edges"])
    assert page.locator("#gx-counts").inner_text().startswith("49 个节点")
    legend = page.locator("#gx-legend").inner_text()
    assert "中等职业学校 (6)" in legend and "产业集群 (15)" in legend
    # Chinese labels get glyphs: missing ones would all be the same box.
    drawn = page.evaluate(GLYPHS, "本溪校")
    assert len(set(drawn)) == 3 and all(count > 20 for count in map(_inked, drawn))


def test_clicking_a_node_shows_its_details(site, page):
    open_view(page, site, "school-partner")
    click_node(page, HEALTH)
    page.wait_for_selector("#gx-details:not([hidden])")
    assert page.locator("#gx-d-label").inner_text() == "本溪市卫生学校"
    assert page.locator("#gx-d-other").inner_text() == "Benxi Health School"
    assert page.locator("#gx-d-type").inner_text() == "中等职业学校"
    assert page.locator('#gx-d-metrics dd[data-metric="degree"]').inner_text() == "8"
    assert page.locator("#gx-d-link").get_attribute("href") == "/id/school/benxi-health-school"
    assert page.locator("#gx-d-neighbours li").count() == 8


def test_filters_search_path_and_language(site, page):
    open_view(page, site, "school-major-cluster")
    visible = "vetgraphExplorer.cy.nodes(':visible').length"
    page.locator("#gx-legend input[value=Major]").uncheck()
    assert page.evaluate(visible) == 6 + 15
    page.locator("#gx-legend input[value=Major]").check()
    page.select_option("#gx-cluster", BIOMEDICAL)
    # Two hops from the biomedical cluster: its eight majors (表 1.5.2), then the health
    # school offering them and 医疗健康领域, which nursing also serves (3.1.1).
    assert page.evaluate(visible) == 1 + 8 + 2
    page.select_option("#gx-cluster", "")
    page.fill("#gx-search", "护理")
    assert page.evaluate("vetgraphExplorer.cy.nodes('.match').length") >= 2
    page.select_option("#gx-from", HEALTH)
    page.select_option("#gx-to", BIOMEDICAL)
    page.click("#gx-path-go")
    assert page.evaluate("vetgraphExplorer.cy.edges('.on-path').length") == 2
    assert page.locator("#gx-path-result").inner_text().startswith("2 步")
    page.click("#gx-lang-en")
    label = f"vetgraphExplorer.cy.getElementById('{HEALTH}').data('display')"
    assert page.evaluate(label) == "Benxi Health School"
    assert page.locator("#gx-title").inner_text() == "School – major – industry cluster"


def test_png_export_is_a_picture_not_a_blank(site, page):
    open_view(page, site, "cluster-coverage")
    with page.expect_download() as download:
        page.click("#gx-png")
    data = Path(download.value.path()).read_bytes()
    image = Image.open(io.BytesIO(data)).convert("L")
    assert image.width > 800 and image.height > 400
    pixels = np.asarray(image)
    assert (pixels < 200).mean() > 0.005  # nodes, edges and labels drawn
    assert len(np.unique(pixels)) > 20


def test_downloads_and_the_standalone_page(site, page):
    for fmt, kind in (
        ("png", "image/png"),
        ("svg", "image/svg+xml"),
        ("graphml", "application/graphml+xml"),
        ("gexf", "application/gexf+xml"),
    ):
        response = requests.get(f"{site.url}/network/school-partner.{fmt}?lang=en", timeout=120)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(kind)
    assert requests.get(f"{site.url}/network/nope.json", timeout=30).status_code == 404
    page.goto(f"{site.url}/network/training-bases.html")
    wait_until(page, "window.vetgraphExplorer && window.vetgraphExplorer.ready")
    view = requests.get(f"{site.url}/network/training-bases.json", timeout=60).json()
    assert page.evaluate("vetgraphExplorer.cy.nodes().length") == len(view["nodes"])


def test_gap_list_and_the_hierarchy_view(site, page):
    """Issue 18: the explorer lists the clusters ranked with their reasons (/network/gaps.json);
    a click focuses the cluster, here in the hierarchy view."""
    report = requests.get(f"{site.url}/network/gaps.json", timeout=120).json()
    open_view(page, site, "cluster-hierarchy")
    wait_until(page, "document.querySelectorAll('#gx-gaps li').length > 0")
    items = page.locator("#gx-gaps li")
    assert items.count() == len(report["clusters"]) == 15
    assert items.first.get_attribute("data-iri") == report["clusters"][0]["iri"]
    assert items.first.inner_text().startswith("医药及相关产业")
    assert "没有任何专业对接" in items.first.inner_text()
    equipment = "https://w3id.org/vetgraph/code/industry-cluster/equipment-manufacturing"
    page.locator(f'#gx-gaps li[data-iri="{equipment}"]').click()
    assert page.locator("#gx-cluster").input_value() == equipment
    # Two hops: 机械制造产业 and 智能制造产业 (1.2.1), then 工业机器人技术.
    shown = page.evaluate("vetgraphExplorer.cy.nodes(':visible').map(n => n.data('label_zh'))")
    assert sorted(shown) == sorted(["装备制造", "机械制造产业", "智能制造产业", "工业机器人技术"])
    links = page.locator("#gx-matrix a")
    assert links.count() == 3
    assert links.first.get_attribute("href").startswith("/network/matrix.png")
    page.click("#gx-lang-en")
    wait_until(
        page, "document.querySelector('#gx-gaps li') && "
        "document.querySelector('#gx-gaps li').textContent.indexOf('the report names') >= 0")


#: Han characters: no control, option or message may keep one in English mode.
HAN = "/[\\u3400-\\u9fff\\uf900-\\ufaff]/"


def test_english_mode_switches_every_label(site, page):
    """View names, controls, legend, menus, details and the path switch; only the button that
    names the Chinese language stays Chinese."""
    views = requests.get(f"{site.url}/network?format=json", timeout=60).json()["views"]
    open_view(page, site, "school-major-cluster")
    page.select_option("#gx-from", HEALTH)
    page.select_option("#gx-to", BIOMEDICAL)
    page.click("#gx-path-go")
    click_node(page, HEALTH)
    page.wait_for_selector("#gx-details:not([hidden])")
    page.click("#gx-lang-en")
    shown = page.evaluate("Array.from(document.querySelectorAll('#gx-view option'))"
                          ".map(o => o.textContent)")
    assert shown == [v["title_en"] for v in views]
    left = page.evaluate(
        f"""() => {{
          const out = [];
          const walk = document.createTreeWalker(document.getElementById("gx"),
                                                 NodeFilter.SHOW_TEXT);
          while (walk.nextNode()) {{
            const node = walk.currentNode;
            if (node.parentElement.id !== "gx-lang-zh" && node.parentElement.id !== "gx-d-other"
                && {HAN}.test(node.textContent)) out.push(node.textContent);
          }}
          document.querySelectorAll("#gx [aria-label]").forEach(el => {{
            if ({HAN}.test(el.getAttribute("aria-label"))) out.push(el.getAttribute("aria-label"));
          }});
          return out;
        }}"""
    )
    assert left == []
    assert page.locator("#gx-d-label").inner_text() == "Benxi Health School"
    assert page.locator("#gx-d-other").inner_text() == "本溪市卫生学校"  # the other language
    assert page.locator("#gx-path-result").inner_text().startswith("2 steps: Benxi Health School")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.click("#gx-lang-zh")
    shown = page.evaluate("Array.from(document.querySelectorAll('#gx-view option'))"
                          ".map(o => o.textContent)")
    assert shown == [v["title_zh"] for v in views]


def test_explorer_at_800px_keeps_the_canvas_and_floats_the_details(site, browser):
    """A narrow window: the canvas keeps its width when a node's details open over it."""
    with offline_page(browser, viewport={"width": 800, "height": 900}) as page:
        open_view(page, site, "school-partner")
        before = page.locator("#gx-cy").bounding_box()
        assert before["width"] >= 500
        click_node(page, HEALTH)
        page.wait_for_selector("#gx-details:not([hidden])")
        after = page.locator("#gx-cy").bounding_box()
        assert after["width"] == before["width"]
        details = page.locator("#gx-details").bounding_box()
        assert details["x"] >= before["x"] and details["x"] + details["width"] <= 800
        assert page.evaluate("document.documentElement.scrollWidth") <= 800
        page.click("#gx-details-close")
        assert page.locator("#gx-details").is_hidden()
        assert page.outside == [] and page.errors == []

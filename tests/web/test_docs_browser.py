"""The documentation pages and the site's icon in headless Debian chromium, offline."""

from __future__ import annotations

import re

import pytest
from helpers.browser import needs_chromium, offline_page
from helpers.web import REAL, TREE

pytestmark = needs_chromium


@pytest.fixture
def page(browser):
    with offline_page(browser, viewport={"width": 1280, "height": 900}) as page:
        failed: list[str] = []
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400
                else None)
        page.failed = failed
        yield page
        assert page.outside == [] and page.errors == []


@pytest.mark.skipif(not REAL, reason="the fixture tree has no docs/")
def test_docs_link_opens_a_rendered_page_with_its_tables(server, page):
    page.goto(server.url + "/")
    page.click("header.site >> text=文档 Docs")
    page.wait_for_selector("#doc-pages")
    names = sorted(p.stem for p in (TREE / "docs").glob("*.md"))
    listed = page.locator("#doc-pages > li > a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert listed == [f"/docs/{name}" for name in names]
    page.click("#doc-pages a[href='/docs/model']")
    page.wait_for_url(server.url + "/docs/model")
    assert page.locator("#doc h1").inner_text() == "The vetgraph model"
    assert page.locator("header.site nav").count() == 1  # the site's layout
    table = page.locator("#doc table").first
    assert table.locator("th").all_inner_texts() == ["what", "IRI pattern", "example"]
    first = table.locator("tbody tr").first.locator("td").all_inner_texts()
    assert first == ["entity", "https://w3id.org/vetgraph/id/{kind}/{slug}",
                     "id/school/benxi-health-school"]
    assert page.locator("#doc table").count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.click("nav.docs-pages a[href='/docs/sparql']")
    page.wait_for_url(server.url + "/docs/sparql")
    text = (TREE / "docs" / "sparql.md").read_text(encoding="utf-8")
    fenced = len(re.findall(r"^ *```", text, re.M)) // 2  # fences in list items too
    assert page.locator("#doc pre > code").count() == fenced > 0  # code blocks stay code
    page.go_back()
    with page.expect_response(server.url + "/docs/model.md") as markdown:
        page.click("#markdown-source")
    assert markdown.value.headers["content-type"].startswith("text/markdown")
    assert page.failed == []


@pytest.mark.parametrize("path", ["/", "/sparql", "/network", "/api/queries?format=html"])
def test_pages_get_their_icon(server, page, path):
    """The icon each page names is served from the package: no 404 in the console."""
    page.goto(server.url + path)
    page.wait_for_load_state("load")
    icon = page.evaluate("document.querySelector('link[rel=icon]').href")
    assert icon == server.url + "/favicon.ico"
    assert page.request.get(icon).status == 200
    assert page.failed == []

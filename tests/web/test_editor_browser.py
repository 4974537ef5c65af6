"""The query editor in headless Debian chromium: no request leaves loopback, a typed query runs."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import FACTS

CHROMIUM = Path("/usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")

TYPED = (
    "PREFIX vet: <https://w3id.org/vetgraph/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?name WHERE { ?s a vet:School ; rdfs:label ?name "
    'FILTER(lang(?name) = "zh") } ORDER BY ?name'
)
LOCAL = ("127.0.0.1", "localhost", "::1")


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh profile whose requests are all recorded; any to a non-loopback host fails."""
    context = browser.new_context(locale="zh-CN")
    seen: list[str] = []

    def guard(route):
        url = route.request.url
        seen.append(url)
        host = urlparse(url).hostname
        if url.startswith(("data:", "blob:")) or host in LOCAL:
            route.continue_()
        else:
            route.abort()  # the network is "unplugged"

    context.route("**/*", guard)
    page = context.new_page()
    page.seen = seen  # type: ignore[attr-defined]
    yield page
    context.close()


def _outside(urls: list[str]) -> list[str]:
    return [
        u
        for u in urls
        if not u.startswith(("data:", "blob:")) and urlparse(u).hostname not in LOCAL
    ]


def test_editor_loads_offline_with_named_query_tabs(server, page):
    page.goto(server.sparql_url)
    page.wait_for_selector(".yasqe .CodeMirror", timeout=20_000)
    tabs = page.locator(".tabPanel, .tab a, [role=tab]").all_inner_texts()
    names = sorted(p.stem for p in (Path(server_root(server)) / "queries").glob("*.rq"))
    text = " ".join(tabs)
    for name in names:
        assert name in text, f"no tab for the named query {name}"
    endpoint = page.evaluate("window.vetgraphYasgui.getTab().getEndpoint()")
    assert endpoint == server.sparql_url
    assert _outside(page.seen) == []


def test_typed_query_shows_the_expected_rows(server, page):
    expected = [row["name"] for row in server.select(TYPED)]
    assert len(expected) == FACTS["schools"]
    page.goto(server.sparql_url)
    page.wait_for_selector(".yasqe .CodeMirror", timeout=20_000)
    page.evaluate("window.vetgraphYasgui.getTab().getYasqe().setValue('')")
    page.locator(".yasqe .CodeMirror").first.click()
    page.keyboard.type(TYPED)
    typed = page.evaluate("window.vetgraphYasgui.getTab().getYasqe().getValue()")
    assert typed.split() == TYPED.split()
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".yasr table tbody tr td", timeout=20_000)
    cells = page.locator(".yasr table tbody tr").all_inner_texts()
    shown = [cell.split("\t")[-1].strip() for cell in cells]
    assert [s.removesuffix("@zh").strip().strip('"') for s in shown] == expected
    assert page.locator(".yasr .dataTables_paginate, .yasr .dt-paging").count() >= 1
    assert _outside(page.seen) == []
    if os.environ.get("VETGRAPH_SCREENSHOTS"):
        page.screenshot(path=os.environ["VETGRAPH_SCREENSHOTS"] + "/editor.png", full_page=True)


def test_home_page_links_to_the_editor(server, page):
    page.goto(server.url + "/")
    page.click("text=SPARQL 查询编辑器")
    page.wait_for_selector(".yasqe .CodeMirror", timeout=20_000)
    assert page.url == server.sparql_url
    assert _outside(page.seen) == []


def server_root(server) -> str:
    """The tree the server serves (its --root argument)."""
    args = server.process.args
    return args[args.index("--root") + 1]

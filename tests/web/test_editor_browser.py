"""The query editor in headless Debian chromium: no request leaves loopback, a typed query runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser import is_local, needs_chromium, offline_page
from web_support import FACTS

pytestmark = needs_chromium

TYPED = (
    "PREFIX vet: <https://w3id.org/vetgraph/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?name WHERE { ?s a vet:School ; rdfs:label ?name "
    'FILTER(lang(?name) = "zh") } ORDER BY ?name'
)


@pytest.fixture
def page(browser):
    """A fresh profile whose requests are all recorded; any to a non-loopback host fails."""
    with offline_page(browser) as page:
        yield page


def _outside(urls: list[str]) -> list[str]:
    return [u for u in urls if not is_local(u)]


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

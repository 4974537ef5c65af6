"""The query editor in headless Debian chromium: no request leaves loopback, a typed query runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.browser import is_local, needs_chromium, offline_page
from helpers.web import FACTS

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


def _tab_names(page) -> list[str]:
    return page.evaluate(
        "window.vetgraphYasgui.persistentConfig.getTabs()"
        ".map(id => window.vetgraphYasgui.getTab(id).name())"
    )


def _first_tags(root: Path) -> dict[str, str]:
    """Each named query's first tag, read from its ``#+ tags: [...]`` header line."""
    tags = {}
    for path in sorted((root / "queries").glob("*.rq")):
        line = next(x for x in path.read_text(encoding="utf-8").splitlines()
                    if x.startswith("#+ tags:"))
        tags[path.stem] = line.split("[", 1)[1].split(",")[0].strip(" ]")
    return tags


def test_editor_loads_offline_with_a_grouped_named_query_menu(server, page):
    """The named queries are a menu grouped by tag, not a tab each; one opens one tab."""
    page.goto(server.sparql_url)
    page.wait_for_selector(".yasqe .CodeMirror", timeout=20_000)
    tags = _first_tags(Path(server_root(server)))
    menu = page.evaluate(
        """() => Array.from(document.querySelectorAll('#named-query optgroup')).map(g =>
             [g.label, Array.from(g.querySelectorAll('option')).map(o => o.value)])"""
    )
    grouped = {name: tag for tag, names in menu for name in names}
    assert grouped == tags
    assert [tag for tag, _ in menu] == sorted(set(tags.values()))
    assert len(_tab_names(page)) == 1  # the named queries are not all opened as tabs
    first, second = sorted(tags)[:2]
    for name in (first, second, first):
        page.select_option("#named-query", name)
        assert page.evaluate("window.vetgraphYasgui.getTab().name()") == name
    assert sorted(_tab_names(page)[1:]) == [first, second]  # opened once each
    text = (Path(server_root(server)) / "queries" / f"{first}.rq").read_text(encoding="utf-8")
    assert page.evaluate("window.vetgraphYasgui.getTab().getYasqe().getValue()") == text
    visible = page.locator(".tabsList .tab").count()
    assert visible == 3
    endpoint = page.evaluate("window.vetgraphYasgui.getTab().getEndpoint()")
    assert endpoint == server.sparql_url
    assert _outside(page.seen) == []


def test_syntax_error_shows_line_column_and_a_caret(server, page):
    """A bad query: the message with line and column, a caret under the offending text, no
    raw JSON, and nothing wider than the window."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server.sparql_url)
    page.wait_for_selector(".yasqe .CodeMirror", timeout=20_000)
    bad = 'SELECT ?s WHERE {\n  ?s ?p "中文值" .\n  ?s ?p "本溪" ) }'
    expected = server.query(bad, accept="application/json").json()
    assert expected["error"] == "syntax-error"
    line, column = expected["line"], expected["column"]
    assert (line, column) == (3, 14)  # the ")" after Chinese text: the caret must still fit
    page.evaluate(f"window.vetgraphYasgui.getTab().getYasqe().setValue({bad!r})")
    page.evaluate("window.vetgraphYasgui.getTab().getYasqe().query().catch(() => null)")
    page.wait_for_selector(".vg-error", timeout=20_000)
    title = page.locator(".vg-error-title").inner_text()
    assert f"line {line}, column {column}" in title and "Syntax error" in title
    assert page.locator(".vg-error-message").inner_text() == expected["message"]
    offending = bad.splitlines()[line - 1][column - 1]
    assert page.locator(".vg-error-at").inner_text() == offending
    at = page.locator(".vg-error-at").bounding_box()
    caret = page.locator(".vg-error-caret").bounding_box()
    assert at and caret
    assert caret["y"] > at["y"]  # below it
    assert abs((caret["x"] + caret["width"] / 2) - (at["x"] + at["width"] / 2)) <= at["width"] / 2
    shown = page.locator(".yasr").inner_text()
    assert '"error"' not in shown and '"message"' not in shown
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth,"
        " document.querySelector('.vg-error').getBoundingClientRect().right]"
    )
    assert widths[0] <= widths[1] and widths[2] <= widths[1]
    assert _outside(page.seen) == []
    if os.environ.get("VETGRAPH_SCREENSHOTS"):
        page.screenshot(path=os.environ["VETGRAPH_SCREENSHOTS"] + "/editor-error.png")


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

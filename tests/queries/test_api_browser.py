"""The catalogue page and the API docs in headless Debian chromium, with the network unplugged."""

from __future__ import annotations

import pytest
from browser import needs_chromium, offline_page, wait_until

pytestmark = needs_chromium


@pytest.fixture
def page(browser):
    """A fresh page; a request to any non-loopback host is aborted and remembered."""
    with offline_page(browser) as page:
        yield page


def test_catalogue_page_lists_every_query(api, page):
    page.goto(api.url + "/api/queries?format=html")
    rows = page.locator("#catalogue tbody tr")
    names = rows.evaluate_all("rows => rows.map(r => r.dataset.name)")
    assert len(names) >= 25 and "school-profile" in names
    assert "六所中等职业学校" in page.locator("#q-schools").inner_text()
    assert page.outside == []  # type: ignore[attr-defined]


def test_query_page_runs_and_opens_in_the_editor(api, page):
    page.goto(api.url + "/api/queries?format=html")
    page.locator("#q-school-indicators a.query-page").click()
    page.wait_for_selector("#results tbody tr")
    assert page.locator("#results tbody tr").count() == 6
    assert "共 6 行" in page.locator("#result-count").inner_text()
    page.fill("input[name=school]", "benxi-health-school")
    page.click("form.params button[type=submit]")
    page.wait_for_selector("#results tbody tr")
    assert page.locator("#results tbody tr").count() == 1
    assert "19.49" in page.locator("#results").inner_text()
    query_text = page.locator("#query-text").text_content()
    page.locator("#open-editor").click()
    page.wait_for_url("**/sparql#*", timeout=30_000)
    wait_until(page,
        "() => window.vetgraphYasgui && window.vetgraphYasgui.getTab().getQuery().length > 0",
        timeout=30_000,
    )
    editor_text = page.evaluate("() => window.vetgraphYasgui.getTab().getQuery()")
    assert editor_text.strip() == query_text.strip()
    assert page.outside == []  # type: ignore[attr-defined]


def test_api_docs_render_offline(api, page):
    page.goto(api.url + "/api")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert page.locator(".swagger-ui .opblock").count() >= 25
    assert "school-profile" in page.content()
    assert page.outside == []  # type: ignore[attr-defined]

"""The catalogue page and the API docs in headless Debian chromium, with the network unplugged."""

from __future__ import annotations

import pytest
from helpers.browser import needs_chromium, offline_page, wait_until

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


BASE = "https://w3id.org/vetgraph/"


@pytest.mark.parametrize(
    "name", ["data-quality-findings", "major-cluster-links", "school-indicators", "schools"]
)
def test_result_table_fits_1280_px_with_labels_linking_locally(api, browser, name):
    """Wide answers fit the window: IRIs show zh/en labels linking to this server's pages, the
    IRI is the link's title and what the copy button copies; long text wraps."""
    with offline_page(browser, viewport={"width": 1280, "height": 900}) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.goto(f"{api.url}/api/queries/{name}?format=html")
        page.wait_for_selector("#results tbody tr")
        answer = api.get(f"/api/queries/{name}", params={"format": "json"}).json()
        rows = answer["results"]["bindings"]
        assert page.locator("#results tbody tr").count() == len(rows)
        widths = page.evaluate(
            "[document.documentElement.scrollWidth,"
            " document.getElementById('results').getBoundingClientRect().right]"
        )
        assert widths[0] <= 1280 and widths[1] <= 1280
        terms = page.locator("#results a.term")
        iris = [t["value"] for row in rows for t in row.values() if t["type"] == "uri"]
        assert terms.count() == len(iris) > 0
        shown = terms.evaluate_all(
            "links => links.map(a => [a.dataset.iri, a.title, a.getAttribute('href'), a.innerText])"
        )
        assert [iri for iri, _, _, _ in shown] == iris
        for iri, title, href, text in shown:
            assert title.splitlines()[-1] == iri  # labels, then the IRI, on hover
            assert href == ("/" + iri.removeprefix(BASE) if iri.startswith(BASE) else iri)
            assert "https://" not in text and text.strip()
        # A row without long text stays within three lines (full IRIs made rows ~170 px).
        rows_shown = page.locator("#results tbody tr").evaluate_all(
            """rows => rows.map(r => [r.getBoundingClientRect().height,
                 Math.max(0, ...Array.from(r.cells).filter(c => !c.querySelector('a.term'))
                                   .map(c => c.textContent.length))])"""
        )
        short = [height for height, longest in rows_shown if longest <= 24]
        assert all(height <= 80 for height in short), rows_shown
        page.locator("#results button.copy-iri").first.click()
        wait_until(page, "document.querySelector('button.copy-iri.copied')")
        assert page.evaluate("navigator.clipboard.readText()") == iris[0]
        assert page.outside == []


def test_a_label_in_the_table_opens_the_local_entity_page(api, page):
    page.goto(api.url + "/api/queries/schools?format=html")
    link = page.locator('#results a.term[data-iri$="/id/school/benxi-health-school"]').first
    assert link.inner_text() == "本溪市卫生学校"  # zh-CN browser: zh labels
    page.click("#label-langs button[data-lang=en]")
    assert link.inner_text() == "Benxi Health School"
    page.reload()
    assert link.inner_text() == "Benxi Health School"  # the choice is remembered
    link.click()
    page.wait_for_url(api.url + "/id/school/benxi-health-school")
    assert "本溪市卫生学校" in page.locator("h1").inner_text()
    assert page.outside == []  # type: ignore[attr-defined]

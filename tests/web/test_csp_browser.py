"""Every page under its Content-Security-Policy in headless chromium (issue 17, item 7): the
headers are there, the browser reports no violation, and the editor, the graph explorer and
the API page still work."""

from __future__ import annotations

import pytest
from helpers.browser import needs_chromium, offline_page, wait_until
from helpers.web import FACTS

from vetgraph.web.manners import CONTENT_SECURITY_POLICY

pytestmark = needs_chromium

#: Every kind of HTML page the site has.
PAGES = [
    "/",
    "/sparql",
    "/network",
    "/api",
    "/api/queries?format=html",
    "/api/queries/schools?format=html",
    "/ontology",
    "/shapes",
    "/dataset",
    "/dumps/",
    "/network/data",
    "/docs/model.md",
    "/id/school/benxi-health-school",
    "/id/no-such-thing",
]

#: Collects what the browser refuses under the policy, before any script of the page runs.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "") + " " +
                    (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


@pytest.fixture
def page(browser):
    with offline_page(browser) as page:
        page.add_init_script(LISTEN)
        page.console = []
        page.on("console", lambda m: page.console.append(m.text))
        yield page


def _violations(page) -> list[str]:
    found = page.evaluate("window.__csp")
    return found + [m for m in page.console if "Content Security Policy" in m]


@pytest.mark.parametrize("path", PAGES)
def test_page_carries_the_headers_and_breaks_no_rule(server, page, path):
    response = page.goto(server.url + path)
    assert response is not None
    headers = response.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    page.wait_for_load_state("networkidle")
    assert _violations(page) == []
    assert page.errors == []


def test_editor_runs_a_query_under_the_policy(server, page):
    page.goto(server.sparql_url)
    page.wait_for_selector(".yasqe .CodeMirror", timeout=20_000)
    page.evaluate(
        "window.vetgraphYasgui.getTab().getYasqe().setValue("
        "'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE "
        "{ ?s a <https://w3id.org/vetgraph/ontology#School> }')"
    )
    page.evaluate("window.vetgraphYasgui.getTab().getYasqe().query()")
    page.wait_for_selector(".yasr table tbody tr td", timeout=20_000)
    cells = page.locator(".yasr table tbody tr td").all_inner_texts()
    assert f'"{FACTS["schools"]}"^^xsd:integer' in [cell.strip() for cell in cells], cells
    assert _violations(page) == []
    assert page.errors == []


def test_graph_explorer_draws_under_the_policy(server, page):
    page.goto(server.url + "/network")
    wait_until(page,
        "window.vetgraphExplorer && window.vetgraphExplorer.ready", timeout=30_000
    )
    nodes = page.evaluate("window.vetgraphExplorer.cy.nodes().length")
    assert nodes > FACTS["schools"]
    assert _violations(page) == []
    assert page.errors == []


def test_api_page_renders_the_operations_under_the_policy(server, page):
    page.goto(server.url + "/api")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() >= 1
    assert _violations(page) == []
    assert page.errors == []


def test_the_allowed_inline_styles_are_the_editors_own():
    """The two hashes in the policy are of style sheets written by the vendored YASGUI."""
    import base64
    import hashlib
    from pathlib import Path

    from vetgraph.web import manners

    vendored = Path(manners.__file__).parent / "static" / "vendor" / "yasgui" / "yasgui.min.js"
    source = vendored.read_text(encoding="utf-8")
    start = source.index("r.createStyle(a,` .grip-resizable") + len("r.createStyle(a,`")
    table_rules = source[start:source.index("`", start)]
    assert "dragCursor:`col-resize`" in source
    drag_rule = "*{cursor:" + "col-resize" + "!important}"
    expected = tuple(
        "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
        for css in (table_rules, drag_rule)
    )
    assert manners.EDITOR_STYLE_HASHES == expected


def test_standalone_graph_file_runs_sandboxed(server, page):
    """The one-file HTML download keeps its inline scripts, in a sandbox of its own."""
    from vetgraph.web.manners import STANDALONE_POLICY

    response = page.goto(server.url + "/network/training-bases.html")
    assert response is not None
    assert response.headers["content-security-policy"] == STANDALONE_POLICY
    assert response.headers["x-frame-options"] == "DENY"
    wait_until(page, "window.vetgraphExplorer && window.vetgraphExplorer.ready")
    assert page.evaluate("window.vetgraphExplorer.cy.nodes().length") > 0
    assert page.evaluate("window.origin") == "null"  # an opaque origin: not the site's
    assert _violations(page) == []
    assert page.errors == []

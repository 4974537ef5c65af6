"""The build's validation report on the home page, and stale once an update is accepted
(issue 22, item 1)."""

from __future__ import annotations

import pytest
from helpers.web import REAL, copy_store, start_server

VALIDATION = "https://w3id.org/vetgraph/graph/validation"
TOKEN = "validation-token"


def test_home_shows_the_validation_graph(server, graph_counts):
    home = server.get("/?format=json").json()
    validation = home["validation"]
    assert validation["graph"] == VALIDATION and validation["present"] is True
    assert validation["triples"] == graph_counts[VALIDATION] == home["graphs"][VALIDATION]
    assert validation["stale"] is False
    assert validation["findings"].endswith("/api/queries/data-quality-findings")
    if REAL:  # the report and its 14 warnings: 3 + 14 x (type, severity, focus, shape,
        # component, message, value when the rule names one)
        assert validation["triples"] > 3 + 14 * 6
    html = server.get("/", headers={"Accept": "text/html"}).text
    assert 'id="validation"' in html and VALIDATION in html and "validation-stale" not in html


@pytest.mark.slow
def test_an_accepted_update_marks_the_findings_stale(built_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("writable-validation")
    live = start_server(copy_store(built_store, folder), folder, "--workers", "1",
                        "--allow-update", "--update-token", TOKEN)
    try:
        assert live.get("/?format=json").json()["validation"]["stale"] is False
        response = live.post(
            data={"update": "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 200, response.text
        assert live.get("/?format=json").json()["validation"]["stale"] is True
        assert 'id="validation-stale"' in live.get("/", headers={"Accept": "text/html"}).text
    finally:
        live.stop()

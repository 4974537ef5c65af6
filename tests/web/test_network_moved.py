"""Issue 21: the networkx views moved from ``/graph/...`` to ``/network/...`` so that "graph"
means a named graph only. Every old address answers 308 to its new one, query string kept;
``/graph/{named-graph}`` still answers itself. Against the live session server."""

from __future__ import annotations

import pytest

#: Old address (with a query string where the old links carried one) -> the new one.
MOVED = [
    ("/graph", "/network"),
    ("/graph?view=school-partner&lang=en", "/network?view=school-partner&lang=en"),
    ("/graph/entity/cytoscape.json?lang=zh", "/network/entity/cytoscape.json?lang=zh"),
    ("/graph/school-partner.svg?lang=en", "/network/school-partner.svg?lang=en"),
    ("/graph/path.json?from=a&to=b", "/network/path.json?from=a&to=b"),
    ("/graph/gaps.json", "/network/gaps.json"),
    ("/graph/matrix.csv?lang=en", "/network/matrix.csv?lang=en"),
]


@pytest.mark.parametrize(("old", "new"), MOVED)
def test_old_network_addresses_redirect_permanently(server, old: str, new: str) -> None:
    response = server.get(old, allow_redirects=False, timeout=30)
    assert response.status_code == 308
    assert response.headers["Location"] in (new, server.url + new)


def test_the_redirect_lands_on_the_view(server) -> None:
    response = server.get("/graph?format=json", timeout=60)
    assert response.status_code == 200
    assert response.history[0].status_code == 308
    assert response.url == server.url + "/network?format=json"
    assert "school-partner" in [v["name"] for v in response.json()["views"]]


@pytest.mark.slow
def test_named_graphs_stay_under_graph(server) -> None:
    response = server.get("/graph/data", headers={"Accept": "application/n-triples"}, timeout=60)
    assert response.status_code == 200
    assert not response.history
    assert response.headers["Content-Type"].startswith("application/n-triples")

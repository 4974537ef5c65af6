"""Loading a remote store is all or nothing: a load that fails part way leaves the served
graphs as they were (real Virtuoso; the fault is injected between two graphs)."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request

import pytest
from helpers.support import REPO, needs_real_tree, settings_for

from vetgraph.build import load_remote
from vetgraph.config import GRAPHS
from vetgraph.dataset import read_sources
from vetgraph.infer import infer_sources, load_rules
from vetgraph.shacl.graph import add_validation
from vetgraph.shacl.validate import validate_sources
from vetgraph.store.base import StoreError
from vetgraph.store.remote import RemoteStore

pytestmark = needs_real_tree


class FailsOnThirdGraph(RemoteStore):
    """A connection lost after two graphs are sent (a fault a test cannot cause otherwise)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.graphs_sent = 0

    def replace_graph(self, graph, triples, chunk=2_000):
        if self.graphs_sent == 2:
            raise ConnectionError("connection lost")
        self.graphs_sent += 1
        return super().replace_graph(graph, triples, chunk)


def _all_graphs(query_url: str) -> dict[str, int]:
    """Every graph of the store with a vetgraph IRI, staging graphs included (a plain protocol
    request: the backend itself only ever names the four project graphs)."""
    query = ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
             "FILTER (STRSTARTS(STR(?g), 'https://w3id.org/vetgraph/')) } GROUP BY ?g")
    request = urllib.request.Request(
        query_url, data=urllib.parse.urlencode({"query": query}).encode(),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        rows = json.load(response)["results"]["bindings"]
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


def test_failed_load_leaves_the_served_graphs(virtuoso) -> None:
    settings = settings_for(REPO)
    sources = read_sources(settings)
    infer_sources(sources, load_rules(settings))  # what `vetgraph build --backend remote` loads
    add_validation(sources, validate_sources(sources))
    writer = RemoteStore(virtuoso.update_url, user="dba", password="dba", read_only=False)
    reader = RemoteStore(virtuoso.query_url)
    sent = load_remote(writer, sources)
    assert sent == sources.counts()
    before = {g: reader.triple_count(g) for g in GRAPHS.values()}
    assert before == {g: n for g, n in sources.counts().items()}

    smaller = read_sources(settings_for(REPO))
    smaller.quads[GRAPHS["codes"]] = smaller.quads[GRAPHS["codes"]][:100]  # sent second
    failing = FailsOnThirdGraph(virtuoso.update_url, user="dba", password="dba", read_only=False)
    with pytest.raises(ConnectionError):
        load_remote(failing, smaller)
    assert failing.graphs_sent == 2
    assert {g: reader.triple_count(g) for g in GRAPHS.values()} == before
    assert _all_graphs(virtuoso.query_url) == before  # no staging graph is left behind


class TimesOutLikeVirtuoso:
    """A store that stops the switch, and then the drop of the large staging graph, at its
    time limit, with Virtuoso's own message. Real Virtuoso does this with a 1 s
    MaxQueryExecutionTime and 200 synthetic schools, but only after minutes, and then replays
    its log for minutes on restart: too slow and too timing-bound for a test."""

    def __init__(self) -> None:
        self.graphs: dict[str, int] = {}

    def replace_graph(self, graph, triples, chunk=2_000):
        self.graphs[graph] = len(triples)
        return len(triples)

    def update(self, text: str) -> None:
        if text.startswith("MOVE") or (text.startswith("DROP") and "/data/staging-" in text):
            raise StoreError("remote store http://127.0.0.1:8890/sparql-auth: HTTP 500: "
                             "Virtuoso S1T00 Error SR171: Transaction timed out")
        self.graphs.pop(re.search(r"<([^>]*)>", text)[1])


def test_switch_stopped_by_the_time_limit_says_which_limit_and_what_is_left() -> None:
    sources = read_sources(settings_for(REPO))
    store = TimesOutLikeVirtuoso()
    with pytest.raises(StoreError) as failed:
        load_remote(store, sources)
    message = str(failed.value)
    assert message.startswith("remote store http://127.0.0.1:8890/sparql-auth: HTTP 500: "
                              "Virtuoso S1T00 Error SR171: Transaction timed out\n\n"
                              f"The switch of {sum(sources.counts().values()):,} triples into "
                              "place is one update")
    assert "MaxQueryExecutionTime in [SPARQL]" in message
    left = sorted(store.graphs)  # the data graph's staging copy and the one after it
    assert [g.rsplit("/staging-", 1)[0] for g in left] == [GRAPHS["data"], GRAPHS["shapes"]]
    assert message.endswith("Staging graphs left on the store (not served; drop them once it "
                            "is idle): " + " ".join(f"<{g}>" for g in left))

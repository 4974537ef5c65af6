"""Accept parsing and format choice, without HTTP."""

import pytest

from vetgraph.web import negotiation as n


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, n.RESULTS_JSON),
        ("", n.RESULTS_JSON),
        ("*/*", n.RESULTS_JSON),
        ("text/csv", n.CSV),
        ("text/*", n.CSV),
        ("application/sparql-results+xml", n.RESULTS_XML),
        ("application/json", n.RESULTS_JSON),
        ("text/csv;q=0.5, text/tab-separated-values", n.TSV),
        ("text/csv;q=0.5, text/tab-separated-values;q=0.4, */*;q=0.1", n.CSV),
        ("application/sparql-results+json;q=0, */*", n.RESULTS_XML),
        ("text/turtle", None),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", n.RESULTS_JSON),
    ],
)
def test_results_choice(accept, expected):
    assert n.choose(accept, n.RESULTS_FORMATS) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, n.TURTLE),
        ("application/n-triples", n.NTRIPLES),
        ("text/plain", n.NTRIPLES),
        ("application/ld+json;q=0.9, application/rdf+xml", n.RDFXML),
        ("application/trig", n.TRIG),
        ("application/n-quads", n.NQUADS),
        ("application/sparql-results+json", None),
    ],
)
def test_graph_choice(accept, expected):
    assert n.choose(accept, n.GRAPH_FORMATS) == expected


def test_most_specific_range_sets_quality():
    ranges = n.parse_accept("text/*;q=0.2, text/csv")
    assert n.quality(ranges, n.CSV) == 1.0
    assert n.quality(ranges, n.TSV) == 0.2
    assert n.quality(ranges, n.RESULTS_JSON) == 0.0


def test_bad_q_value_is_not_acceptable():
    assert n.choose("text/csv;q=abc", n.RESULTS_FORMATS) is None


def test_format_parameter_wins_over_accept():
    choice = n.negotiate("text/csv", "json")
    assert choice.results == n.RESULTS_JSON
    assert choice.graph == n.JSONLD
    assert n.negotiate(None, "ttl").for_kind("graph") == n.TURTLE
    assert n.negotiate(None, "ttl").for_kind("bindings") is None
    assert n.negotiate(None, "text/tab-separated-values").results == n.TSV


def test_unknown_format_parameter():
    with pytest.raises(n.UnknownFormat):
        n.negotiate(None, "pdf")

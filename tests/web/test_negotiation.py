"""Accept parsing (werkzeug's, with the alias table) and format choice, without a server."""

import pytest

from vetgraph.web import negotiation as n
from vetgraph.web.http import best, parse_accept


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
    assert best(n.RESULTS_FORMATS, parse_accept(accept)) == expected


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
    assert best(n.GRAPH_FORMATS, parse_accept(accept)) == expected


def test_most_specific_range_sets_quality():
    ranges = parse_accept("text/*;q=0.2, text/csv")
    assert ranges.quality(n.CSV) == 1.0
    assert ranges.quality(n.TSV) == 0.2
    assert ranges.quality(n.RESULTS_JSON) == 0.0


def test_bad_q_value_is_not_acceptable():
    assert best(n.RESULTS_FORMATS, parse_accept("text/csv;q=abc")) is None


def test_format_parameter_wins_over_accept():
    choice = n.Choice.from_format_param("json")
    assert choice.results == n.RESULTS_JSON
    assert choice.graph == n.JSONLD
    assert n.Choice.from_format_param("ttl").for_kind("graph") == n.TURTLE
    assert n.Choice.from_format_param("ttl").for_kind("bindings") is None
    assert n.Choice.from_format_param("text/tab-separated-values").results == n.TSV


def test_unknown_format_parameter():
    with pytest.raises(n.UnknownFormat):
        n.Choice.from_format_param("pdf")


def test_media_type_parameters_do_not_stop_a_match():
    assert best(n.RESULTS_FORMATS, parse_accept("application/json; charset=utf-8")) == \
        n.RESULTS_JSON
    assert best(n.GRAPH_FORMATS, parse_accept("text/turtle;charset=utf-8;q=0.5, */*;q=0.1")) == \
        n.TURTLE

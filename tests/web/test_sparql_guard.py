"""The static query checks, without HTTP or a store."""

import pickle

import pytest

from vetgraph.engine.guard import (
    CostLimits,
    Refusal,
    check_query,
    check_text,
    check_update,
    read_query,
)

G = "https://w3id.org/vetgraph/graph/"
GRAPHS = {G + "data", G + "ontology", G + "codes", G + "shapes"}


def limits(**kw):
    return {"max_length": 100_000, "max_depth": 64} | kw


def test_depth_counts_brackets_outside_strings_iris_and_comments():
    text = 'SELECT * WHERE { ?s ?p "((((((" . FILTER((1)) } # [[[[[[[\n'
    assert check_text(text, **limits()).max_depth == 3
    assert check_text("ASK { <urn:a(((((> ?p ?o }", **limits()).max_depth == 1


def test_depth_limit():
    text = "SELECT * WHERE " + "{" * 65 + "}" * 65
    with pytest.raises(Refusal) as info:
        check_text(text, **limits())
    assert info.value.reason == "too-deep"
    assert info.value.status == 400
    check_text(text, **limits(max_depth=65))


def test_length_limit_in_bytes():
    text = "ASK {} #" + "表" * 40
    with pytest.raises(Refusal) as info:
        check_text(text, **limits(max_length=100))
    assert info.value.status == 413


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
        "select * { service silent <http://x/> { ?s ?p ?o } }",
        "LOAD <http://x/>",
    ],
)
def test_keyword_scan_refuses_reach_outside(text):
    with pytest.raises(Refusal) as info:
        check_text(text, **limits())
    assert info.value.reason in {"service-refused", "load-refused"}


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?service ?load { ?service <urn:load> 'SERVICE' } # LOAD",
        "PREFIX load: <urn:x:> SELECT * { ?s load:service ?o }",
    ],
)
def test_keyword_scan_ignores_names_strings_and_comments(text):
    check_text(text, **limits())


def test_parser_sees_escaped_service():
    text = "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    with pytest.raises(Refusal) as info:
        check_text(text, **limits())  # rdflib's reading of the text expands the escape...
    assert info.value.reason == "service-refused"
    with pytest.raises(Refusal) as info:
        check_query(text, GRAPHS)  # ...and so does its parser
    assert info.value.reason == "service-refused"


def test_check_query_forms():
    assert check_query("SELECT * { ?s ?p ?o }", GRAPHS).kind == "bindings"
    assert check_query("ASK { ?s ?p ?o }", GRAPHS).kind == "boolean"
    assert check_query("CONSTRUCT WHERE { ?s ?p ?o }", GRAPHS).form == "CONSTRUCT"
    assert check_query("DESCRIBE <urn:x>", GRAPHS).kind == "graph"


def test_from_must_name_a_store_graph():
    ok = check_query(
        f"PREFIX g: <{G}> SELECT * FROM g:data FROM NAMED <{G}codes> {{ ?s ?p ?o }}", GRAPHS
    )
    assert ok.from_graphs == [G + "data"]
    assert ok.from_named_graphs == [G + "codes"]
    for clause in ("FROM <file:///etc/passwd>", "FROM NAMED <http://127.0.0.1:9/x>"):
        with pytest.raises(Refusal) as info:
            check_query(f"SELECT * {clause} {{ ?s ?p ?o }}", GRAPHS)
        assert info.value.reason == "unknown-graph"
        assert "is not a graph in this store" in info.value.message


def test_syntax_error_has_line_and_column():
    with pytest.raises(Refusal) as info:
        check_query("SELECT *\nWHERE { ?s ?p }", GRAPHS)
    error = info.value
    assert (error.reason, error.line, error.column) == ("syntax-error", 2, 9)
    assert error.context == "WHERE { ?s ?p }"
    assert error.as_text().splitlines()[-1] == " " * 8 + "^"
    assert error.as_dict()["line"] == 2


def test_update_checks():
    assert check_update("INSERT DATA { <urn:a> <urn:b> 1 }", GRAPHS) == ["InsertData"]
    with pytest.raises(Refusal):
        check_update("PREFIX x: <http://x/> CLEAR ALL ; LOAD x:y", GRAPHS)
    with pytest.raises(Refusal) as info:
        check_update("DELETE { ?s ?p ?o } USING <file:///etc/passwd> WHERE { ?s ?p ?o }", GRAPHS)
    assert info.value.reason == "unknown-graph"
    check_update(f"DELETE {{ ?s ?p ?o }} USING <{G}data> WHERE {{ ?s ?p ?o }}", GRAPHS)


def test_refusal_survives_pickling():
    error = Refusal("m", 413, "too-long", 1, 2, "ctx")
    assert pickle.loads(pickle.dumps(error)).as_dict() == error.as_dict()


def test_cost_counts_are_exact_and_each_limit_names_its_flag():
    text = "SELECT * { ?s <urn:a>|<urn:b>/<urn:c> ?o . { ?s ?p 1 } UNION { BIND(1+2 AS ?x) } }"
    stats = check_text(text, **limits())
    # SELECT's *, | / and the sign of "+2" are operators; one | is an alternative; one UNION;
    # patterns: 3 groups, one '.', BIND and AS.
    assert (stats.operators, stats.alternatives, stats.unions, stats.patterns) == (4, 1, 1, 6)
    cases = {
        "ASK { ?s " + "|".join(["<urn:p>"] * 12_000) + " ?o }": "--max-query-alternatives",
        "ASK { " + " UNION ".join(["{}"] * 3001) + " }": "--max-query-unions",
        "ASK { FILTER(" + "+".join(["1"] * 25_000) + " > 0) }": "--max-query-operators",
        "DESCRIBE " + "<urn:x> " * 4000: "--max-query-patterns",
        "SELECT * { " + "BIND(1 AS ?x) " * 1001 + "}": "--max-query-patterns",
    }
    for text, flag in cases.items():
        with pytest.raises(Refusal) as info:
            check_text(text, **limits(max_length=200_000))
        assert (info.value.status, info.value.reason) == (400, "too-costly")
        assert info.value.message.endswith(f"({flag})"), info.value.message
    costs = CostLimits(max_operators=4, max_alternatives=1, max_unions=1, max_patterns=6)
    check_text(
        "SELECT * { ?s <urn:a>|<urn:b>/<urn:c> ?o . { ?s ?p 1 } UNION { BIND(1+2 AS ?x) } }",
        **limits(), costs=costs,
    )


def test_read_query_takes_form_and_graphs_from_the_engines_tokens():
    assert read_query("ASK {}", GRAPHS).kind == "boolean"
    # A FROM hidden from rdflib by a comment that Oxigraph ends at CR is still read.
    with pytest.raises(Refusal) as info:
        read_query("SELECT * # x\rFROM <file:///etc/passwd>\n{ ?s ?p ?o }", GRAPHS)
    assert info.value.reason == "unknown-graph"
    checked = read_query(f"BASE <{G}> SELECT * FROM <data> {{ ?s ?p ?o }}", GRAPHS)
    assert checked.from_graphs == [G + "data"]
    construct = f"CONSTRUCT {{ ?s ?p ?o }} FROM NAMED <{G}codes> WHERE {{ ?s ?p ?o }}"
    assert read_query(construct, GRAPHS).from_named_graphs == [G + "codes"]
    with pytest.raises(Refusal):
        read_query("CONSTRUCT { ?s ?p ?o } FROM <http://127.0.0.1:9/> WHERE {}", GRAPHS)

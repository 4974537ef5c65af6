"""Clients analysts already use, against the live server: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import csv
import io
import xml.dom.minidom

import pytest
from helpers.web import FACTS
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

PREFIXES = """PREFIX vet: <https://w3id.org/vetgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
SCHOOL_NAMES = (
    PREFIXES
    + """SELECT ?name WHERE { ?s a vet:School ; rdfs:label ?name FILTER(lang(?name) = "zh") }
ORDER BY ?name"""
)


@pytest.fixture(scope="module")
def names(server) -> list[str]:
    """The schools' Chinese names, as the endpoint gives them to a plain HTTP client."""
    rows = server.select(SCHOOL_NAMES)
    assert len(rows) == FACTS["schools"]
    assert FACTS["health_school"] in [row["name"] for row in rows]
    return [row["name"] for row in rows]


def _wrapper(server, fmt: str, method: str | None = None) -> SPARQLWrapper:
    sparql = SPARQLWrapper(server.sparql_url)
    sparql.setReturnFormat(fmt)
    if method:
        sparql.setMethod(method)
    return sparql


@pytest.mark.parametrize("method", [None, POST])
def test_sparqlwrapper_json(server, names, method):
    sparql = _wrapper(server, JSON, method)
    sparql.setQuery(SCHOOL_NAMES)
    result = sparql.queryAndConvert()
    assert [b["name"]["value"] for b in result["results"]["bindings"]] == names
    assert result["results"]["bindings"][0]["name"]["xml:lang"] == "zh"


def test_sparqlwrapper_xml(server, names):
    sparql = _wrapper(server, XML)
    sparql.setQuery(SCHOOL_NAMES)
    document = sparql.queryAndConvert()
    assert isinstance(document, xml.dom.minidom.Document)
    literals = document.getElementsByTagName("literal")
    assert [node.firstChild.data for node in literals] == names


def test_sparqlwrapper_csv(server, names):
    sparql = _wrapper(server, CSV)
    sparql.setQuery(SCHOOL_NAMES)
    body = sparql.queryAndConvert()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows == [["name"], *[[name] for name in names]]


def test_sparqlwrapper_construct_turtle(server, names):
    sparql = _wrapper(server, TURTLE)
    sparql.setQuery(
        PREFIXES
        + """CONSTRUCT { ?s rdfs:label ?name } WHERE {
        ?s a vet:School ; rdfs:label ?name FILTER(lang(?name) = "zh") }"""
    )
    body = sparql.queryAndConvert()
    graph = Graph().parse(data=body, format="turtle")
    assert sorted(str(o) for o in graph.objects()) == sorted(names)


def test_sparqlwrapper_ask(server):
    sparql = _wrapper(server, JSON)
    sparql.setQuery(PREFIXES + "ASK { ?s a vet:School }")
    assert sparql.queryAndConvert()["boolean"] is True


def test_rdflib_sparqlstore_select(server, names):
    graph = Graph(SPARQLStore(server.sparql_url, returnFormat="json"))
    rows = list(graph.query(SCHOOL_NAMES))
    assert [str(row.name) for row in rows] == names
    assert rows[0].name.language == "zh"


def test_rdflib_sparqlstore_triples(server):
    graph = Graph(SPARQLStore(server.sparql_url))
    vet = "https://w3id.org/vetgraph/ontology#"
    rdf_type = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    schools = set(graph.subjects(rdf_type, URIRef(vet + "School")))
    assert len(schools) == FACTS["schools"]
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    health = [
        s
        for s in schools
        if Literal(FACTS["health_school"], lang="zh") in set(graph.objects(s, label))
    ]
    assert len(health) == 1

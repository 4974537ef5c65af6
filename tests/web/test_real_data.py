"""Exact answers from the project's own data (the Benxi 2024 report), through the endpoint."""

from __future__ import annotations

import csv
import io

import pytest
from helpers.web import REAL, TREE

pytestmark = pytest.mark.skipif(not REAL, reason="serving the fixture tree, not the report's data")

STUDENTS = """PREFIX vet: <https://w3id.org/vetgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
SELECT ?school ?students WHERE {
  ?obs qb:dataSet <https://w3id.org/vetgraph/dataset/table-1-1> ;
       vet:refSubject ?s ;
       vet:indicator <https://w3id.org/vetgraph/code/indicator/in-school-students> ;
       sdmx-measure:obsValue ?students .
  ?s a vet:School ; rdfs:label ?school FILTER(lang(?school) = "zh")
} ORDER BY DESC(?students)"""


def test_six_schools(server):
    rows = server.select(
        "PREFIX vet: <https://w3id.org/vetgraph/ontology#> "
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a vet:School }"
    )
    assert rows == [{"n": "6"}]


def test_health_school_has_2339_students_in_table_1_1(server):
    rows = {row["school"]: int(row["students"]) for row in server.select(STUDENTS)}
    assert len(rows) == 6
    assert rows["本溪市卫生学校"] == 2339


def test_table_1_1_as_csv_for_spreadsheets(server):
    response = server.query(STUDENTS, "text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows[0] == ["school", "students"]
    assert ["本溪市卫生学校", "2339"] in rows[1:]


def test_every_named_query_is_an_editor_tab(server):
    html = server.get(headers={"Accept": "text/html"}).text
    for path in sorted((TREE / "queries").glob("*.rq")):
        assert f'"name": "{path.stem}"' in html, path.stem

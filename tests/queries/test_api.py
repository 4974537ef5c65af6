"""The named-query API over real HTTP: catalogue, answers, negotiation, paging, errors, OpenAPI."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import unquote

import pytest
from helpers.queries import SCHOOLS
from openapi_spec_validator import validate

JSON = "application/json"
SRJ = "application/sparql-results+json"


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def test_catalogue_json(api):
    response = api.get("/api/queries", headers={"Accept": JSON})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(JSON)
    doc = response.json()
    names = [q["name"] for q in doc["queries"]]
    assert len(names) >= 25 and names == sorted(names)
    profile = next(q for q in doc["queries"] if q["name"] == "school-profile")
    assert profile["summary"]["zh"].startswith("一所学校的全部信息")
    school = profile["parameters"][0]
    assert (school["name"], school["type"], school["required"], school["class"]) == (
        "school",
        "iri",
        True,
        "https://w3id.org/vetgraph/ontology#School",
    )
    assert profile["links"]["self"] == "/api/queries/school-profile"
    assert profile["links"]["editor"].startswith("/sparql#query=")
    assert unquote(profile["links"]["editor"].split("#query=", 1)[1]) == profile["query"]
    assert doc["openapi"] == "/api/openapi.json"


def test_catalogue_html(api):
    response = api.get("/api/queries", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "text/html" in response.headers["Content-Type"]
    assert 'id="q-school-profile"' in response.text and "一所学校的全部信息" in response.text


def test_answer_formats(api):
    path = "/api/queries/schools"
    assert {r["name"] for r in rows(api.get(path, headers={"Accept": SRJ}))} == set(
        SCHOOLS.values()
    )
    table = api.get(path, headers={"Accept": "text/csv"})
    assert table.headers["Content-Type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(table.text)))) == 6
    tsv = api.get(path, params={"format": "tsv"})
    assert tsv.headers["Content-Type"].startswith("text/tab-separated-values")
    xml = api.get(path, headers={"Accept": "application/sparql-results+xml"})
    assert xml.text.count("<result>") == 6
    turtle = api.get("/api/queries/cooperation-network-graph", headers={"Accept": "text/turtle"})
    assert turtle.headers["Content-Type"].startswith("text/turtle")
    assert "wasAssociatedWith" in turtle.text
    jsonld = api.get("/api/queries/cooperation-network-graph", params={"format": "jsonld"})
    assert jsonld.headers["Content-Type"].startswith("application/ld+json")
    assert isinstance(jsonld.json(), list | dict)
    refused = api.get(path, headers={"Accept": "image/png"})
    assert refused.status_code == 406


def test_parameters_and_paging(api):
    page = api.get(
        "/api/queries/school-indicators",
        params={"limit": "2", "offset": "2"},
        headers={"Accept": SRJ},
    )
    assert page.headers["X-Total-Count"] == "6"
    assert len(rows(page)) == 2
    links = dict(
        (rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', page.headers["Link"])
    )
    assert set(links) == {"first", "prev", "next", "last"}
    assert "offset=4" in links["next"] and "offset=0" in links["prev"]
    assert "offset=4" in links["last"]
    following = rows(api.get(links["next"], headers={"Accept": SRJ}))
    everything = rows(api.get("/api/queries/school-indicators", headers={"Accept": SRJ}))
    assert following == everything[4:6]
    health = rows(
        api.get(
            "/api/queries/school-indicators",
            params={"school": "benxi-health-school"},
            headers={"Accept": SRJ},
        )
    )
    assert [(r["students"], r["studentsPerTeacher"]) for r in health] == [("2339", "19.49")]


@pytest.mark.parametrize(
    ("params", "parameter", "expected"),
    [
        ({"table": "table-9-9"}, "table", "one of table-1-3-3"),
        ({}, "table", "one of table-1-3-3"),
        ({"table": "table-7-2", "from": "20x3"}, "from", "a four-digit year"),
        ({"table": "table-7-2", "limit": "0"}, "limit", "an integer from 1"),
        ({"table": "table-7-2", "tabel": "x"}, "tabel", None),
    ],
)
def test_bad_parameters_are_400(api, params, parameter, expected):
    response = api.get("/api/queries/change-table", params=params, headers={"Accept": JSON})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "bad-parameter" and body["parameter"] == parameter
    assert f"parameter {parameter!r}" in body["message"]
    if expected:
        assert body["expected"].startswith(expected)


def test_unknown_iri_and_class_are_400(api):
    unknown = api.get(
        "/api/queries/school-profile",
        params={"school": "atlantis-school"},
        headers={"Accept": JSON},
    )
    assert unknown.status_code == 400 and "is not in the store" in unknown.json()["message"]
    wrong = api.get(
        "/api/queries/school-profile",
        params={"school": "https://w3id.org/vetgraph/id/area/benxi-city"},
        headers={"Accept": JSON},
    )
    assert wrong.status_code == 400 and "is not a <" in wrong.json()["message"]
    twice = api.get(
        "/api/queries/school-profile?school=benxi-health-school&school=x", headers={"Accept": JSON}
    )
    assert twice.status_code == 400 and "more than once" in twice.json()["message"]
    assert api.get("/api/queries/no-such", headers={"Accept": JSON}).status_code == 404


@pytest.mark.parametrize(
    "crafted",
    [
        "benxi-health-school> } UNION { ?s ?p ?o } #",
        "https://w3id.org/vetgraph/id/school/benxi-health-school> . ?x ?y ?z",
        '"} UNION {',
    ],
)
def test_injection_is_a_400_not_a_different_query(api, crafted):
    response = api.get(
        "/api/queries/school-profile", params={"school": crafted}, headers={"Accept": JSON}
    )
    assert response.status_code == 400 and response.json()["parameter"] == "school"


def test_query_page(api):
    page = api.get(
        "/api/queries/school-indicators",
        params={"school": "benxi-health-school"},
        headers={"Accept": "text/html"},
    )
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "2339" in page.text and "19.49" in page.text and 'id="open-editor"' in page.text
    error = api.get("/api/queries/school-profile", params={"school": "nowhere", "format": "html"})
    assert error.status_code == 400 and 'id="parameter-error"' in error.text


def test_openapi_document_is_valid(api):
    doc = api.get("/api/openapi.json").json()
    validate(doc)  # raises on an invalid OpenAPI 3.1 document
    assert doc["openapi"] == "3.1.0"
    operation = doc["paths"]["/api/queries/school-profile"]["get"]
    assert operation["operationId"] == "school-profile"
    school = next(p for p in operation["parameters"] if p["name"] == "school")
    assert school["required"] is True
    assert sorted(school["schema"]["enum"]) == sorted(
        "https://w3id.org/vetgraph/id/school/" + slug for slug in SCHOOLS
    )
    change = doc["paths"]["/api/queries/change-table"]["get"]
    names = [p["name"] for p in change["parameters"]]
    assert names == ["table", "from", "to", "format", "limit", "offset"]
    assert "text/csv" in change["responses"]["200"]["content"]
    assert "400" in change["responses"]


def test_docs_page_is_served_offline(api):
    page = api.get("/api")
    assert page.status_code == 200 and "swagger-ui-bundle.js" in page.text
    assert "//unpkg" not in page.text and "cdn" not in page.text.lower()
    asset = api.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000
    assert api.get("/static/vendor/swagger-ui/LICENSE").status_code == 200


WHOLE_FORMATS = ("json", "csv", "tsv", "xml")


def _examples(qsettings) -> list[tuple[str, dict[str, str]]]:
    from vetgraph.queries import load_catalogue

    return [
        (q.name, {p.name: p.example for p in q.params if p.example is not None})
        for q in load_catalogue(qsettings)
        if q.form == "SELECT"
    ]


def _same_as_its_page(server, name: str, given: dict[str, str], limit: int) -> None:
    """The whole answer (written by the worker, passed on) and the page of ``limit`` rows
    (parsed and written again here) are the same bytes and report the same totals."""
    for fmt in WHOLE_FORMATS:
        path = f"/api/queries/{name}"
        whole = server.get(path, params={**given, "format": fmt})
        page = server.get(path, params={**given, "format": fmt, "limit": str(limit)})
        assert whole.status_code == page.status_code == 200, (name, fmt, whole.text)
        assert whole.content == page.content, (name, fmt)
        for header in ("X-SPARQL-Truncated", "X-Total-Count", "Content-Type"):
            assert whole.headers.get(header) == page.headers.get(header), (name, fmt, header)


@pytest.mark.slow
def test_whole_answers_are_the_bytes_of_their_page(api, qsettings):
    for name, given in _examples(qsettings):
        _same_as_its_page(api, name, given, qsettings.max_rows)


@pytest.fixture(scope="module")
def capped_api(api, tmp_path_factory):
    """The same store served with a row cap of 2, so that answers are truncated."""
    from helpers.live import start_server

    server = start_server(
        api.store, tmp_path_factory.mktemp("capped"), "--workers", "1", "--max-rows", "2"
    )
    yield server
    server.stop()


@pytest.mark.slow
def test_truncated_whole_answers_are_the_bytes_of_their_page(capped_api, qsettings):
    for name, given in _examples(qsettings):
        _same_as_its_page(capped_api, name, given, 2)
    schools = capped_api.get("/api/queries/schools", headers={"Accept": SRJ})
    assert schools.headers["X-SPARQL-Truncated"] == "true"
    assert "X-Total-Count" not in schools.headers
    assert len(rows(schools)) == 2


def test_a_missing_resource_is_reported_before_paging(api):
    """Checks travel with the query now; where paging is refused first, they still run first."""
    path = "/api/queries/cooperation-network-graph"
    missing = api.get(path, params={"school": "atlantis-school", "limit": "2"})
    assert missing.status_code == 400 and missing.text.startswith("parameter 'school'")
    paged = api.get(path, params={"school": "benxi-health-school", "limit": "2"})
    assert paged.status_code == 400 and paged.text.startswith("parameter 'limit'")

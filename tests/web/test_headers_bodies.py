"""Headers and bodies (issue 17, item 7): security headers on every answer, XML answers that
any XML 1.0 parser reads, and 500s that name no internal exception."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from helpers.web import copy_store, start_server

from vetgraph.web.manners import CONTENT_SECURITY_POLICY

NUL_SELECT = 'SELECT ?x WHERE { BIND("a\\u0000b\\u0008c\\uFFFEd\\te" AS ?x) }'
NUL_CONSTRUCT = 'CONSTRUCT { <urn:vetgraph:s> <urn:vetgraph:p> "a\\u0000b" } WHERE {}'
SRX = "{http://www.w3.org/2005/sparql-results#}"
#: What a client must never read in an error body: Python exception classes.
EXCEPTION_NAME = re.compile(r"\b\w*(Error|Exception)\b(?!-)")


def test_security_headers_on_pages_and_data(server):
    for path in ("/", "/sparql", "/health", "/sparql/prefixes.json", "/no-such-page"):
        response = server.get(path, headers={"Accept": "text/html"})
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert response.headers["Referrer-Policy"] == "same-origin", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_xml_results_never_carry_characters_xml_forbids(server):
    xml = server.query(NUL_SELECT, accept="application/sparql-results+xml")
    assert xml.status_code == 200, xml.text
    assert b"\x00" not in xml.content and b"\x08" not in xml.content
    literal = ET.fromstring(xml.content).find(f".//{SRX}literal")  # a strict parser reads it
    assert literal is not None
    assert literal.text == "a\ufffdb\ufffdc\ufffdd\te"
    # JSON carries the characters exactly.
    exact = server.query(NUL_SELECT).json()["results"]["bindings"][0]["x"]["value"]
    assert exact == "a\x00b\x08c\ufffed\te"
    rdfxml = server.query(NUL_CONSTRUCT, accept="application/rdf+xml")
    assert rdfxml.status_code == 200, rdfxml.text
    root = ET.fromstring(rdfxml.content)
    assert [e.text for e in root.iter() if e.text and e.text.startswith("a")] == ["a\ufffdb"]


@pytest.mark.slow
def test_a_500_names_no_exception_class(built_store, tmp_path):
    """An update whose writer cannot open the store (its RocksDB CURRENT file is broken): the
    client reads an internal error with a reference, the log has what happened."""
    store = copy_store(built_store, tmp_path)
    server = start_server(
        store, tmp_path, "--workers", "1", "--allow-update", "--update-token", "t0ken"
    )
    try:
        assert server.query("ASK {}").status_code == 200
        (store / "CURRENT").write_text("MANIFEST-999999\n")  # readers have it open already
        response = server.post(
            data={"update": "INSERT DATA { <urn:vetgraph:a> <urn:vetgraph:b> 1 }"},
            headers={"Authorization": "Bearer t0ken", "Accept": "application/json"},
        )
        assert response.status_code == 500, response.text
        assert EXCEPTION_NAME.search(response.text) is None, response.text
        assert str(tmp_path) not in response.text
        body = response.json()
        assert body["error"] == "internal-error"
        assert body["message"].startswith("internal server error (reference ")
        log = server.log()
        assert f"internal error {body['reference']}: query worker: cannot open the store" in log
    finally:
        server.stop()

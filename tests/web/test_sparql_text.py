"""``names_dataset``: the lexer's answer, remembered per text (bounded)."""

from __future__ import annotations

import pytest

from vetgraph.engine.lexer import names_dataset


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", False),
        ("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }", True),
        ("select * from named <urn:g> where { graph ?g { ?s ?p ?o } }", True),
        ("SELECT * WHERE { ?s ?p 'FROM <urn:g>' }", False),  # in a string
        ("SELECT * WHERE { ?s <urn:from> ?o } # FROM <urn:g>", False),  # an IRI, a comment
        ("SELECT ?from WHERE { ?s ?p ?from }", False),  # a variable
        ("PREFIX from: <urn:x:> SELECT * WHERE { ?s from:p ?o }", False),  # a prefix
        ("SELECT * WHERE { ?s ?p ?o FILTER(?o = 'x') }", False),
    ],
)
def test_names_dataset_sees_only_the_keyword(text: str, named: bool):
    names_dataset.cache_clear()
    assert names_dataset(text) is named
    assert names_dataset(text) is named  # remembered, same answer


def test_names_dataset_cache_is_bounded_and_keyed_by_text():
    names_dataset.cache_clear()
    assert names_dataset.cache_info().maxsize == 256
    for i in range(300):
        names_dataset(f"SELECT * FROM <urn:g{i}> WHERE {{ ?s ?p ?o }}")
    info = names_dataset.cache_info()
    assert info.currsize == 256 and info.hits == 0
    assert names_dataset("SELECT * FROM <urn:g299> WHERE { ?s ?p ?o }") is True
    assert names_dataset("SELECT * WHERE { ?s ?p ?o }") is False  # a new text, a new answer
    assert names_dataset.cache_info().hits == 1

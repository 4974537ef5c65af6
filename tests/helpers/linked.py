"""Helpers of the linked-data tests: canonical comparison, raptor, pyld (a plain module)."""

from __future__ import annotations

import subprocess

import pyoxigraph as ox
import requests

BASE = "https://w3id.org/vetgraph/"


def canonical(quads: object) -> set[ox.Quad]:
    """Quads with blank nodes relabelled canonically (RDFC-1.0): equal sets = isomorphic."""
    dataset = ox.Dataset(quads)  # type: ignore[arg-type]
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def as_default_graph(quads: object) -> list[ox.Quad]:
    return [ox.Quad(q.subject, q.predicate, q.object) for q in quads]  # type: ignore[attr-defined]


def union(quads: list[ox.Quad]) -> set[ox.Quad]:
    return canonical({ox.Quad(q.subject, q.predicate, q.object) for q in quads})


def rapper(data: bytes, syntax: str, out: str = "ntriples") -> bytes:
    """Parse with Debian's raptor (an independent parser) and write N-Triples or N-Quads."""
    result = subprocess.run(
        ["rapper", "-q", "-i", syntax, "-o", out, "-", "http://example.org/base/"],
        input=data, capture_output=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def jsonld_quads(doc: object, loader: object) -> list[ox.Quad]:
    """Expand and convert a JSON-LD document with pyld, then read its N-Quads."""
    from pyld import jsonld

    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": loader})
    return list(ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS))


def json_of(response: requests.Response) -> object:
    import json

    return json.loads(response.content)

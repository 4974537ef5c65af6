"""Linked-data publishing over the remote backend (a real Virtuoso): descriptions, the JSON-LD
context, the dataset's counts and the dumps come out as they do from the embedded stores.

The reference is the memory backend (rdflib keeps every literal as written); Virtuoso, like
Oxigraph, writes decimals canonically ("97.20" comes back "97.2"), so dumps are compared with
decimals read as numbers.
"""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
import pytest
from helpers.support import REPO, needs_real_tree, run_cli, settings_for

from vetgraph.dataset import read_sources, to_dataset
from vetgraph.infer import infer_sources, load_rules
from vetgraph.linked import describe as ld_describe
from vetgraph.linked import export as ld_export
from vetgraph.linked import formats as ld_formats
from vetgraph.linked import jsonld as ld_jsonld
from vetgraph.linked import void as ld_void
from vetgraph.shacl.graph import add_validation
from vetgraph.shacl.validate import validate_sources
from vetgraph.store.memory import MemoryStore

remote_backend = pytest.importorskip("vetgraph.store.remote")
pytestmark = needs_real_tree
BASE = "https://w3id.org/vetgraph/"
DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"


@pytest.fixture(scope="module")
def sources():
    """The sources with their inferred and validation graphs, as `vetgraph build --backend
    remote` loads them."""
    settings = settings_for(REPO)
    read = read_sources(settings)
    infer_sources(read, load_rules(settings))
    add_validation(read, validate_sources(read))
    return read


@pytest.fixture(scope="module")
def remote(request, sources):
    """The project's data loaded into the session's Virtuoso by ``vetgraph build``."""
    try:
        virtuoso = request.getfixturevalue("virtuoso")
    except pytest.FixtureLookupError:
        pytest.skip("no Virtuoso fixture in this tree")
    done = run_cli("build", "--backend", "remote", *virtuoso.flags(), "--root", str(REPO))
    assert done.returncode == 0, done.stderr
    return remote_backend.RemoteStore(virtuoso.query_url)


@pytest.fixture(scope="module")
def memory(sources) -> MemoryStore:
    return MemoryStore(to_dataset(sources))


def canonical(quads) -> set[ox.Quad]:
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def decimals_as_numbers(quads):
    for q in quads:
        o = q.object
        if isinstance(o, ox.Literal) and o.datatype.value == DECIMAL:
            o = ox.Literal(str(Decimal(o.value).normalize()), datatype=o.datatype)
        yield ox.Quad(q.subject, q.predicate, o, q.graph_name)


@pytest.mark.parametrize("iri", [
    BASE + "id/school/benxi-health-school",
    BASE + "id/agreement/benxi-health-school-3-2-joint-programme",  # qualified parties
    BASE + "ontology#locatedIn",  # an owl:unionOf list under a blank node
    BASE + "code/industry-cluster/biomedical-cluster",
])
def test_descriptions_follow_blank_nodes_without_binding_them(remote, memory, iri):
    def quads(store):
        return [ox.Quad(*t) for t in ld_describe.triples_to_ox(ld_describe.describe(store, iri))]

    found = quads(remote)
    assert any(isinstance(q.object, ox.BlankNode) for q in found) == ("school/" not in iri
                                                                       and "cluster/" not in iri)
    assert canonical(found) == canonical(quads(memory))


def test_context_and_counts(remote, memory, sources):
    assert ld_jsonld.jsonld_context(remote) == ld_jsonld.jsonld_context(memory)
    theirs = ld_void.dataset_facts(remote, BASE)
    ours = ld_void.dataset_facts(memory, BASE)
    assert theirs.triples == ours.triples == sum(sources.counts().values())
    assert (theirs.entities, theirs.classes, theirs.licenses, theirs.sources) == (
        ours.entities, ours.classes, ours.licenses, ours.sources)


def test_dumps_equal_the_sources(remote, sources, tmp_path):
    quads = ld_formats.store_quads(remote)
    expected = canonical(decimals_as_numbers(sources.iter_quads()))
    assert canonical(decimals_as_numbers(quads)) == expected
    trig = ld_export.export(remote, ld_formats.FORMATS["trig"])
    parsed = ox.parse(trig, format=ox.RdfFormat.TRIG)
    assert canonical(decimals_as_numbers(parsed)) == expected

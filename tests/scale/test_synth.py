"""vetgraph synth: small synthetic sets conform to the shapes, are deterministic and stay apart."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pytest
from support import REPO, needs_real_tree, run_cli, settings_for

from vetgraph.synth import synthesize
from vetgraph.validate import validate

pytestmark = needs_real_tree


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.ttl"))
    }


def _synthetic_quads(folder: Path) -> list[ox.Quad]:
    quads: list[ox.Quad] = []
    for path in sorted(folder.glob("synth-*.ttl")):
        quads += ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    return quads


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "small"
    synthesize(out, schools=4, years=2, seed=7, settings=settings_for(REPO))
    return out


def test_small_set_validates_without_violation(small: Path) -> None:
    report = validate(settings_for(REPO).replace(data_dir=small))
    violations = [r for r in report.results if r.severity == "Violation"]
    assert report.conforms, violations[:5]
    assert not violations


def test_same_seed_is_byte_identical_other_seed_differs(small: Path, tmp_path: Path) -> None:
    settings = settings_for(REPO)
    synthesize(tmp_path / "again", schools=4, years=2, seed=7, settings=settings)
    synthesize(tmp_path / "other", schools=4, years=2, seed=8, settings=settings)
    assert _digests(tmp_path / "again") == _digests(small)
    other = _digests(tmp_path / "other")
    assert other.keys() == _digests(small).keys()
    assert {k for k in other if other[k] != _digests(small)[k]}  # synthetic files differ
    # ... while the copied seed files are the seed's, byte for byte.
    for path in (REPO / "data" / "ttl").glob("*.ttl"):
        assert (small / f"seed-{path.name}").read_bytes() == path.read_bytes()


def test_structure_and_marking(small: Path) -> None:
    quads = _synthetic_quads(small)
    seed_iris = set()
    for path in (REPO / "data" / "ttl").glob("*.ttl"):
        for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if isinstance(q.subject, ox.NamedNode):
                seed_iris.add(q.subject.value)
    subjects = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
    assert not subjects & seed_iris  # no synthetic IRI collides with the seed's
    assert all("synth" in s for s in subjects)

    store = ox.Store()
    store.extend(quads)

    def count(pattern: str) -> int:
        rows = list(store.query(f"PREFIX vet: <https://w3id.org/vetgraph/ontology#> "
                                f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"))
        return int(rows[0]["n"].value)

    assert count("?s a vet:School") == 4
    assert count("?o a vet:MajorOffering") >= 4 * 3
    assert count("?a a vet:CooperationAgreement") >= 4 * 2
    assert count("?b a vet:TrainingBase") >= 4
    # every table's observations per school and year: 8 (table 1.1) + 2 (table 1.4.1)
    assert count("?o a <http://purl.org/linked-data/cube#Observation>") == 4 * 2 * 10
    # every synthetic label says so
    labels = [
        q.object for q in quads
        if q.predicate.value == "http://www.w3.org/2000/01/rdf-schema#label"
        and q.subject.value.startswith("https://w3id.org/vetgraph/id/")
    ]
    assert labels and all(
        ("合成" in lab.value) if lab.language == "zh" else ("ynthetic" in lab.value)
        for lab in labels
    )
    # every entity derives from the synthetic source
    rows = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://www.w3.org/ns/prov#wasDerivedFrom> ?p "
        "FILTER (!STRSTARTS(STR(?p), 'https://w3id.org/vetgraph/source/synthetic/')) }"
    )
    assert int(next(iter(rows))["n"].value) == 0


def test_cli_writes_and_refuses_the_data_folder(tmp_path: Path) -> None:
    done = run_cli("synth", "--schools", "2", "--seed", "1", "--out", str(tmp_path / "s"),
                   "--root", str(REPO))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "s" / "synth-schools-0000.ttl").is_file()
    refused = run_cli("synth", "--schools", "2", "--out", str(REPO / "data" / "ttl"),
                      "--root", str(REPO))
    assert refused.returncode == 2
    assert not list((REPO / "data" / "ttl").glob("synth-*"))

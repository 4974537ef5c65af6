"""vetgraph synth: small synthetic sets conform to the shapes, raise no data-quality warning of
their own, reproduce every statistics table of the seed, are deterministic and stay apart."""

from __future__ import annotations

import hashlib
import re
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers.support import REPO, needs_real_tree, run_cli, settings_for

from vetgraph.shacl.validate import ValidationResult, validate
from vetgraph.synth import synthesize

pytestmark = needs_real_tree

SCHOOLS, YEARS = 3, 2
QB = "http://purl.org/linked-data/cube#"
VET = "https://w3id.org/vetgraph/ontology#"
PREFIXES = (
    "PREFIX vet: <https://w3id.org/vetgraph/ontology#> "
    "PREFIX qb: <http://purl.org/linked-data/cube#> "
    "PREFIX sdmxd: <http://purl.org/linked-data/sdmx/2009/dimension#> "
    "PREFIX sdmxa: <http://purl.org/linked-data/sdmx/2009/attribute#> "
    "PREFIX sdmxm: <http://purl.org/linked-data/sdmx/2009/measure#> "
    "PREFIX prov: <http://www.w3.org/ns/prov#> "
)


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.ttl"))
    }


def _store(paths: list[Path]) -> ox.Store:
    store = ox.Store()
    for path in paths:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def _synthetic_quads(folder: Path) -> list[ox.Quad]:
    quads: list[ox.Quad] = []
    for path in sorted(folder.glob("synth-*.ttl")):
        quads += ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    return quads


def _rows(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    return [
        tuple("" if v is None else v.value for v in row) for row in store.query(PREFIXES + query)
    ]


def _count(store: ox.Store, pattern: str) -> int:
    return int(_rows(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")[0][0])


def _cells(store: ox.Store) -> list[tuple[str, ...]]:
    """Every observation: table key, subject kind, subject, year, indicator, category, kind,
    unit and status."""
    rows = _rows(store, """
        SELECT ?ds ?s ?y ?ind ?cat ?kind ?unit ?status WHERE {
            ?o a qb:Observation ; qb:dataSet ?ds ; vet:refSubject ?s ; sdmxd:refPeriod ?y ;
               vet:indicator ?ind ; vet:valueKind ?kind ; sdmxa:unitMeasure ?unit ;
               sdmxa:obsStatus ?status .
            OPTIONAL { ?o vet:category ?cat }
            FILTER (CONTAINS(STR(?ds), "/dataset/table-") || CONTAINS(STR(?ds), "/synth-table-"))
        }""")
    cells = []
    for ds, s, y, ind, cat, kind, unit, status in rows:
        table = re.sub(r".*/(synth-)?table-", "", ds)
        who = "school" if "/id/school/" in s else "area"
        cells.append((table, who, s, y, ind, cat, kind, unit, status))
    return cells


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "small"
    synthesize(out, schools=SCHOOLS, years=YEARS, seed=7, settings=settings_for(REPO))
    return out


def _finding(r: ValidationResult) -> tuple:
    # GROUP_CONCAT lists parts in no fixed order: compare a message's words as a multiset.
    words = tuple(sorted(w for m in r.messages for w in re.split(r"[、;，,\s]+", m)))
    return (r.severity, r.source_shape, r.focus_node, words)


def test_small_set_conforms_and_adds_no_warning(small: Path) -> None:
    report = validate(settings_for(REPO).replace(data_dir=small))
    violations = [r for r in report.results if r.severity == "Violation"]
    assert report.conforms, violations[:5]
    assert not violations
    seed = validate(settings_for(REPO))
    assert report.counts == seed.counts  # the seed's 14 warnings, no more
    assert sorted(map(_finding, report.results)) == sorted(map(_finding, seed.results))
    assert not [r for r in report.results if "synth" in r.focus_node]


def test_every_seed_table_for_every_synthetic_subject_and_year(small: Path) -> None:
    seed = _cells(_store(sorted((REPO / "data" / "ttl").glob("stats-table-*.ttl"))))
    synthetic = _cells(_store(sorted(small.glob("synth-*.ttl"))))
    tables = {c[0] for c in seed}
    assert len(tables) == 10 and {c[0] for c in synthetic} == tables

    # What each seed table states per subject kind: (indicator, category, value kind) → unit.
    shape: dict[tuple[str, str], dict[tuple[str, str, str], str]] = defaultdict(dict)
    statuses: dict[str, set[str]] = defaultdict(set)
    for table, who, _s, _y, ind, cat, kind, unit, status in seed:
        shape[table, who][ind, cat, kind] = unit
        statuses[table].add(status)
    schools = {c[2] for c in synthetic if c[1] == "school"}
    cities = {c[2] for c in synthetic if c[1] == "area"}
    assert len(schools) == SCHOOLS and len(cities) == 1
    years = [str(2024 - YEARS + 1 + i) for i in range(YEARS)]

    found: dict[tuple, dict[tuple[str, str, str], str]] = defaultdict(dict)
    for table, who, s, y, ind, cat, kind, unit, status in synthetic:
        assert status in statuses[table], (table, status)
        key = (ind, cat, kind)
        assert key not in found[table, who, s, y], ("stated twice", table, s, y, key)
        found[table, who, s, y][key] = unit
    expected_total = 0
    for (table, who), cells in shape.items():
        for subject in schools if who == "school" else cities:
            for i, year in enumerate(years):
                # changes (from the year before) exist from the second synthetic year on
                wanted = {k: u for k, u in cells.items() if i or k[2].endswith("/level")}
                assert found[table, who, subject, year] == wanted, (table, subject, year)
                expected_total += len(wanted)
    assert len(synthetic) == expected_total
    # Per school and year: 53 observations (67 with the changes); per city and year 8 + 16.
    assert expected_total == SCHOOLS * (53 * YEARS + 14 * (YEARS - 1)) + 24 * YEARS


def test_figures_agree_with_each_other(small: Path) -> None:
    store = _store(sorted(small.glob("synth-*.ttl")))
    # the city's 合计 row is the sum of its schools
    rows = _rows(store, """
        SELECT ?ind ?y ?total (SUM(?v) AS ?sum) WHERE {
            ?t vet:refSubject ?city ; vet:indicator ?ind ; sdmxd:refPeriod ?y ;
               sdmxm:obsValue ?total .
            ?city a vet:AdministrativeArea .
            ?o vet:refSubject ?school ; vet:indicator ?ind ; sdmxd:refPeriod ?y ;
               sdmxm:obsValue ?v .
            ?school vet:locatedIn ?city .
            FILTER NOT EXISTS { ?t vet:category ?c }
        } GROUP BY ?ind ?y ?total""")
    assert len(rows) == 6 * YEARS
    assert all(float(total) == float(total_sum) for _i, _y, total, total_sum in rows)
    # new partner enterprises (table 6.3) are those of the school's agreements of the year
    rows = _rows(store, """
        SELECT ?school ?y ?v (COUNT(DISTINCT ?e) AS ?n) WHERE {
            ?o vet:refSubject ?school ; sdmxd:refPeriod ?y ; sdmxm:obsValue ?v ;
               vet:category <https://w3id.org/vetgraph/code/category/new-partner-enterprises> .
            OPTIONAL { ?a a vet:CooperationAgreement ; prov:wasAssociatedWith ?school , ?e ;
                          vet:year ?ay . ?e a vet:Enterprise . FILTER (STR(?ay) = STR(?y)) }
        } GROUP BY ?school ?y ?v""")
    assert len(rows) == SCHOOLS * YEARS
    assert all(v == n for _s, _y, v, n in rows)


def test_distributions_follow_the_seed(tmp_path: Path) -> None:
    """Per-school counts of a larger set fall where the module docstring says they do."""
    synthesize(tmp_path / "many", schools=240, years=1, seed=5, settings=settings_for(REPO))
    store = _store(sorted((tmp_path / "many").glob("synth-schools-*.ttl")))

    def per_school(pattern: str) -> list[int]:
        counts = Counter(s for (s,) in _rows(store, f"SELECT ?s WHERE {{ {pattern} }}"))
        schools = [s for (s,) in _rows(store, "SELECT ?s WHERE { ?s a vet:School }")]
        return [counts[s] for s in schools]

    majors = per_school("?o vet:offeredBy ?s")
    assert min(majors) >= 1 and max(majors) <= 12 and 2 <= statistics.median(majors) <= 4
    agreements = per_school("?a vet:agreementKind ?k ; prov:wasAssociatedWith ?s . "
                            "?s a vet:School FILTER (?k != <https://w3id.org/vetgraph/code/"
                            "agreement-kind/articulation-3-2>)")
    assert min(agreements) >= 2 and 3 <= statistics.median(agreements) <= 5
    bases = per_school("?b vet:owner ?s")
    assert 0.2 < bases.count(0) / len(bases) < 0.45 and max(bases) <= 12
    with_pathways = per_school("?p vet:fromSchool ?s")
    assert 0.35 < sum(1 for n in with_pathways if n) / len(with_pathways) < 0.65
    partners = per_school("?a prov:wasAssociatedWith ?s , ?e . ?s a vet:School "
                          "FILTER (CONTAINS(STR(?e), '/synth-enterprise-'))")
    assert 2 <= statistics.mean(partners) <= 7


def test_same_seed_is_byte_identical_other_seed_differs(small: Path, tmp_path: Path) -> None:
    settings = settings_for(REPO)
    synthesize(tmp_path / "again", schools=SCHOOLS, years=YEARS, seed=7, settings=settings)
    synthesize(tmp_path / "other", schools=SCHOOLS, years=YEARS, seed=8, settings=settings)
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
    assert _count(store, "?s a vet:School") == SCHOOLS
    assert _count(store, "?o a vet:MajorOffering") >= SCHOOLS
    assert _count(store, "?a a vet:CooperationAgreement") >= SCHOOLS * 2
    # one data set and structure per seed table
    assert _count(store, "?d a qb:DataSet ; qb:structure ?s . "
                         "?s a qb:DataStructureDefinition") == 10
    # synthetic schools are of synthetic school types, in synthetic cities
    assert _count(store, "?s a vet:School ; vet:schoolType ?t ; vet:locatedIn ?c FILTER "
                         "(CONTAINS(STR(?t), '/synth-') && CONTAINS(STR(?c), '/synth-city-'))"
                  ) == SCHOOLS
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
    assert _count(store, "?s prov:wasDerivedFrom ?p FILTER (!STRSTARTS(STR(?p), "
                         "'https://w3id.org/vetgraph/source/synthetic/'))") == 0


def test_cli_writes_and_refuses_the_data_folder(tmp_path: Path) -> None:
    done = run_cli("synth", "--schools", "2", "--seed", "1", "--out", str(tmp_path / "s"),
                   "--root", str(REPO))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "s" / "synth-schools-0000.ttl").is_file()
    refused = run_cli("synth", "--schools", "2", "--out", str(REPO / "data" / "ttl"),
                      "--root", str(REPO))
    assert refused.returncode == 2
    assert not list((REPO / "data" / "ttl").glob("synth-*"))

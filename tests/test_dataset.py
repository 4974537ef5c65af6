"""Reading the sources: named graphs, exact syntax-error positions, version hash, settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers.support import FIXTURE_COUNTS, FIXTURE_TREE, edit, settings_for
from rdflib import RDF, BNode, URIRef
from rdflib.namespace import SH

from vetgraph import config
from vetgraph.config import GRAPHS, Settings
from vetgraph.dataset import (
    SourceError,
    dataset_version,
    load_dataset,
    read_sources,
    source_files,
)


def test_four_named_graphs_with_exact_sizes():
    ds = load_dataset(settings_for(FIXTURE_TREE))
    sizes = {str(g.identifier): len(g) for g in ds.graphs() if len(g)}
    derived = (GRAPHS["inferred"], GRAPHS["validation"])  # made by the build, after reading
    read = {g: n for g, n in FIXTURE_COUNTS.items() if g not in derived}
    assert sizes == read
    # The default graph is the union of the named ones.
    assert len(set(ds.triples((None, None, None)))) == sum(read.values())


def test_shapes_stay_in_their_own_graph():
    ds = load_dataset(settings_for(FIXTURE_TREE))
    shapes = ds.graph(URIRef(GRAPHS["shapes"]))
    data = ds.graph(URIRef(GRAPHS["data"]))
    assert len(list(shapes.subjects(RDF.type, SH.NodeShape))) == 3
    assert not list(data.subjects(RDF.type, SH.NodeShape))
    assert not list(data.triples((None, SH.path, None)))


def test_files_of_each_graph_are_listed_in_order(tree: Path):
    (tree / "data" / "ttl" / "a-first.ttl").write_text("", encoding="utf-8")
    (tree / "data" / "ttl" / "notes.txt").write_text("not turtle", encoding="utf-8")
    files = source_files(settings_for(tree))
    assert [p.name for p in files[GRAPHS["data"]]] == ["a-first.ttl", "schools.ttl",
                                                       "statistics.ttl"]
    assert list(files) == [GRAPHS["ontology"], GRAPHS["codes"], GRAPHS["data"],
                           GRAPHS["shapes"]]


def test_blank_nodes_of_two_files_stay_apart(tree: Path):
    for name in ("x1.ttl", "x2.ttl"):
        (tree / "data" / "ttl" / name).write_text(
            f'_:b <https://w3id.org/vetgraph/ontology#note> "{name}" .\n', encoding="utf-8"
        )
    ds = load_dataset(settings_for(tree))
    data = ds.graph(URIRef(GRAPHS["data"]))
    subjects = set(data.subjects(URIRef("https://w3id.org/vetgraph/ontology#note"), None))
    assert len(subjects) == 2 and all(isinstance(s, BNode) for s in subjects)


def test_syntax_error_names_file_line_and_column(tree: Path):
    path = tree / "data" / "ttl" / "schools.ttl"
    edit(path, "    vet:studentCount 800 ;", "    vet:studentCount foo:x ;")
    lines = path.read_text(encoding="utf-8").splitlines()
    line_no = next(i for i, line in enumerate(lines, 1) if "foo:x" in line)
    column = lines[line_no - 1].index("foo:x") + 1
    with pytest.raises(SourceError) as caught:
        read_sources(settings_for(tree))
    err = caught.value
    assert (err.path, err.line, err.column) == (path, line_no, column)
    assert err.message == "The prefix foo: has not been declared"
    assert str(err) == f"{path}:{line_no}:{column}: The prefix foo: has not been declared"


def test_unterminated_statement_points_at_its_line(tree: Path):
    path = tree / "ontology" / "vetgraph.ttl"
    edit(path, '    rdfs:label "专业"@zh, "Major"@en .', '    rdfs:label "专业"@zh, "Major"@en')
    lines = path.read_text(encoding="utf-8").splitlines()
    next_subject = next(i for i, line in enumerate(lines, 1) if line.startswith("vet:offersMajor"))
    # The statement runs on into the next subject, where the parser wants the missing dot.
    with pytest.raises(SourceError) as caught:
        read_sources(settings_for(tree))
    expected = f"{path}:{next_subject}:1: A dot is expected at the end of statements"
    assert str(caught.value) == expected


def test_missing_sources_are_errors_without_position(tree: Path):
    (tree / "ontology" / "vetgraph.ttl").unlink()
    with pytest.raises(SourceError) as caught:
        read_sources(settings_for(tree))
    assert str(caught.value) == f"{tree / 'ontology' / 'vetgraph.ttl'}: no such file"
    shutil.rmtree(tree / "ontology")
    (tree / "ontology" / "codes").mkdir(parents=True)
    (tree / "ontology" / "vetgraph.ttl").write_text("", encoding="utf-8")
    with pytest.raises(SourceError, match="shapes: no such directory"):
        read_sources(settings_for(tree))


def test_version_is_stable_and_follows_content(tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(FIXTURE_TREE, a)
    shutil.copytree(FIXTURE_TREE, b)
    version = dataset_version(settings_for(a))
    assert len(version) == 16 and int(version, 16) >= 0
    assert dataset_version(settings_for(a)) == version
    assert dataset_version(settings_for(b)) == version  # location does not matter
    edit(b / "data" / "ttl" / "statistics.ttl", "vet:studentCount 400", "vet:studentCount 401")
    assert dataset_version(settings_for(b)) != version
    # Renaming a file is a change too.
    (a / "data" / "ttl" / "schools.ttl").rename(a / "data" / "ttl" / "schools-2024.ttl")
    assert dataset_version(settings_for(a)) != version


def test_settings_defaults_follow_design():
    s = settings_for(FIXTURE_TREE)
    assert s.root == FIXTURE_TREE
    assert s.ontology_file == FIXTURE_TREE / "ontology" / "vetgraph.ttl"
    assert s.codes_dir == FIXTURE_TREE / "ontology" / "codes"
    assert s.shapes_dir == FIXTURE_TREE / "ontology" / "shapes"
    assert s.data_dir == FIXTURE_TREE / "data" / "ttl"
    assert s.queries_dir == FIXTURE_TREE / "queries"
    assert s.store_dir == FIXTURE_TREE / "var" / "store"
    assert s.base_iri == "https://w3id.org/vetgraph/"
    assert (s.query_timeout, s.max_query_length, s.max_body, s.max_rows,
            s.max_concurrent_queries) == (30.0, 102400, 1048576, 10000, 4)


def test_settings_env_and_overrides(tmp_path: Path):
    env = {
        "VETGRAPH_ROOT": str(FIXTURE_TREE),
        "VETGRAPH_STORE": str(tmp_path / "elsewhere"),
        "VETGRAPH_MAX_ROWS": "50",
        "VETGRAPH_QUERY_TIMEOUT": "2.5",
        "VETGRAPH_BASE_IRI": "http://localhost:8000/",
    }
    s = Settings.load(env=env)
    assert s.root == FIXTURE_TREE and s.data_dir == FIXTURE_TREE / "data" / "ttl"
    assert s.store_dir == tmp_path / "elsewhere"
    assert (s.max_rows, s.query_timeout, s.base_iri) == (50, 2.5, "http://localhost:8000/")
    # An explicit value (a CLI flag) beats the environment; None means "not given".
    s = Settings.load(env=env, max_rows=7, store_dir=None)
    assert s.max_rows == 7 and s.store_dir == tmp_path / "elsewhere"
    with pytest.raises(ValueError, match="VETGRAPH_MAX_ROWS"):
        Settings.load(env={**env, "VETGRAPH_MAX_ROWS": "many"})
    with pytest.raises(ValueError, match="must be positive"):
        Settings.load(env={**env, "VETGRAPH_MAX_BODY": "0"})
    with pytest.raises(TypeError, match="unknown settings: colour"):
        Settings.load(env=env, colour="red")


def test_store_path_keeps_its_symlink(tmp_path: Path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    s = Settings.load(env={}, root=FIXTURE_TREE, store_dir=tmp_path / "link")
    assert s.store_dir == tmp_path / "link"  # not resolved: builds swap this link


def test_find_root_walks_up_then_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    shutil.copytree(FIXTURE_TREE, tmp_path / "tree")
    nested = tmp_path / "tree" / "data" / "ttl" / "schools.ttl"
    assert config.find_root(nested) == tmp_path / "tree"
    # Outside any tree, a wheel's packaged copy is used when it exists.
    packaged = tmp_path / "site" / "vetgraph" / "_resources"
    shutil.copytree(FIXTURE_TREE, packaged)
    monkeypatch.setattr(config, "RESOURCES", packaged)
    assert config.find_root(tmp_path / "nowhere" / "x.py") == packaged
    s = Settings.load(env={"VETGRAPH_ROOT": str(packaged)})
    assert s.store_dir == Path.cwd() / "var" / "store"  # never inside site-packages


def test_fixture_counts_agree_with_an_independent_parser():
    """rapper (raptor2) counts the same triples per graph as the hand count and pyoxigraph."""
    import shutil
    import subprocess

    rapper = shutil.which("rapper")
    assert rapper, "scripts/test.sh installs raptor2-utils"
    files = source_files(settings_for(FIXTURE_TREE))
    for graph, paths in files.items():
        total = 0
        for path in paths:
            out = subprocess.run([rapper, "-q", "-i", "turtle", "-o", "ntriples", str(path)],
                                 capture_output=True, text=True, check=True).stdout
            total += len([line for line in out.splitlines() if line.strip()])
        assert total == FIXTURE_COUNTS[graph], graph


def test_sources_carry_the_version_of_what_was_parsed(tree: Path):
    settings = settings_for(tree)
    assert read_sources(settings).version == dataset_version(settings)

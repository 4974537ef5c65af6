"""`vetgraph validate`: exit codes, and reports that name the entity a steward must fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.support import FIXTURE_TREE, REPO, edit, needs_real_tree, run_cli, settings_for
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH, XSD

from vetgraph import __version__
from vetgraph.cli import main
from vetgraph.shacl import validate as validation
from vetgraph.shacl.validate import memory_warning, validate

SCHOOL = Namespace("https://w3id.org/vetgraph/id/school/")
VET = Namespace("https://w3id.org/vetgraph/ontology#")
VSH = Namespace("https://w3id.org/vetgraph/shapes#")


def inject_violations(tree: Path) -> None:
    """A negative student count and a school without its Chinese name."""
    schools = tree / "data" / "ttl" / "schools.ttl"
    edit(schools, "vet:studentCount 800", "vet:studentCount -800")
    edit(schools, '"本溪市卫生学校"@zh, "Benxi Health School"@en', '"Benxi Health School"@en')


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_fixture_tree_conforms_with_one_warning(capsys):
    code, out, err = cli(capsys, "validate", "--root", FIXTURE_TREE)
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0] == "vetgraph validate: conforms (0 violations, 1 warning, 0 infos)"
    assert lines[2] == "Warning (1)"
    assert lines[3].startswith(
        "  桓仁满族自治县职业教育中心 <https://w3id.org/vetgraph/id/school/huanren> "
    )
    assert "缺少英文名称 / no rdfs:label in English" in lines[3]
    assert "vsh:OrganizationEnglishLabelShape" in lines[3]


def test_broken_turtle_exits_2_with_position(tree: Path):
    path = tree / "data" / "ttl" / "statistics.ttl"
    edit(path, "    qb:dataSet ds:graduates ;", "    qb:dataSet ds:graduates ;;; ]")
    lines = path.read_text(encoding="utf-8").splitlines()
    line_no = next(i for i, line in enumerate(lines, 1) if ";;; ]" in line)
    column = lines[line_no - 1].index("]") + 1
    result = run_cli("validate", "--root", tree)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith(f"{path}:{line_no}:{column}: ")


def test_violations_exit_1_and_name_the_entity(tree: Path):
    inject_violations(tree)
    result = run_cli("validate", "--root", tree)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "vetgraph validate: does not conform (2 violations, 1 warning, 0 infos)"
    assert lines[2] == "Violation (2)"
    county = next(line for line in lines if "benxi-county" in line)
    assert county.startswith(
        "  本溪满族自治县中等职业技术教育中心 / Benxi County Vocational Education Centre "
        "<https://w3id.org/vetgraph/id/school/benxi-county> path vet:studentCount value -800: "
        "在校生数不能为负 / student count must not be negative"
    )
    health = next(line for line in lines if "benxi-health" in line)
    assert health.startswith(
        "  Benxi Health School <https://w3id.org/vetgraph/id/school/benxi-health> "
    )
    assert "缺少中文名称 / no rdfs:label in Chinese" in health
    # Violations are listed before the warning.
    assert lines.index(county) < lines.index("Warning (1)")


def test_json_report_structure(tree: Path, capsys):
    inject_violations(tree)
    code, out, _ = cli(capsys, "validate", "--root", tree, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["conforms"] is False
    assert report["counts"] == {"Violation": 2, "Warning": 1, "Info": 0}
    assert [r["severity"] for r in report["results"]] == ["Violation", "Violation", "Warning"]
    county = next(r for r in report["results"] if r["focus_node"].endswith("benxi-county"))
    assert county == {
        "severity": "Violation",
        "focus_node": str(SCHOOL["benxi-county"]),
        "labels": {"zh": "本溪满族自治县中等职业技术教育中心",
                   "en": "Benxi County Vocational Education Centre"},
        "path": str(VET.studentCount),
        "value": {"type": "literal", "value": "-800", "datatype": str(XSD.integer)},
        "messages": ["在校生数不能为负 / student count must not be negative"],
        # A blank property shape is reported by the node shape holding it; that shape
        # targets schema:EducationalOrganization, so the subclass link was followed.
        "source_shape": str(VSH.OrganizationShape),
        "source_constraint_component": str(SH.MinInclusiveConstraintComponent),
    }


def test_ttl_report_is_a_shacl_report(tree: Path, capsys):
    inject_violations(tree)
    code, out, _ = cli(capsys, "validate", "--root", tree, "--format", "ttl")
    assert code == 1
    g = Graph().parse(data=out, format="turtle")
    report = g.value(None, RDF.type, SH.ValidationReport, any=False)
    assert report is not None
    assert g.value(report, SH.conforms) == Literal(False)
    results = list(g.objects(report, SH.result))
    assert len(results) == 3
    violations = {
        (g.value(r, SH.focusNode), g.value(r, SH.value))
        for r in results
        if g.value(r, SH.resultSeverity) == SH.Violation
    }
    assert (SCHOOL["benxi-county"], Literal(-800)) in violations
    assert len(violations) == 2


def test_ttl_report_of_a_conforming_tree(capsys):
    code, out, _ = cli(capsys, "validate", "--root", FIXTURE_TREE, "--format", "ttl")
    assert code == 0
    g = Graph().parse(data=out, format="turtle")
    report = g.value(None, RDF.type, SH.ValidationReport, any=False)
    assert g.value(report, SH.conforms) == Literal(True)  # warnings allowed
    assert len(list(g.objects(report, SH.result))) == 1


def test_observation_rules_reach_statistics(tree: Path):
    edit(tree / "data" / "ttl" / "statistics.ttl",
         "qb:dataSet ds:graduates ; vet:school school:benxi-health ; vet:studentCount 400 .",
         "vet:school school:benxi-health ; vet:studentCount 400 .")
    report = validate(settings_for(tree))
    assert not report.conforms
    [result] = [r for r in report.results if r.severity == "Violation"]
    assert result.focus_node == "https://w3id.org/vetgraph/dataset/graduates-health"
    assert result.path == "http://purl.org/linked-data/cube#dataSet"
    assert result.source_constraint_component == str(SH.MinCountConstraintComponent)


def test_missing_ontology_exits_2(tree: Path):
    (tree / "ontology" / "vetgraph.ttl").unlink()
    result = run_cli("validate", "--root", tree)
    assert result.returncode == 2
    assert result.stderr.strip() == f"{tree / 'ontology' / 'vetgraph.ttl'}: no such file"


def test_bad_setting_exits_2(capsys):
    code, _, err = cli(capsys, "validate", "--root", FIXTURE_TREE, "--max-rows", "0")
    assert code == 2
    assert "must be positive" in err


def test_version_and_help():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"vetgraph {__version__}"
    result = run_cli("--help")
    for name in ("validate", "build", "stats"):
        assert name in result.stdout


def test_console_script_is_installed():
    import shutil
    import subprocess

    exe = shutil.which("vetgraph")
    assert exe, "`pip install -e .` should install the vetgraph command"
    result = subprocess.run([exe, "validate", "--root", str(FIXTURE_TREE), "--format", "json"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["Warning"] == 1


def test_memory_warning_names_the_sizes():
    # The national set: 1.46 GiB of Turtle, 16.0 GiB peak when validated on a 23 GiB machine.
    assert memory_warning(1_570_970_375, 12 << 30) == (
        "validating 1.5 GiB of data needs about 16.1 GiB of memory (11x the Turtle, as measured "
        "at 1,000 and 9,000 schools), and 12.0 GiB is available: the process may be killed for "
        "lack of memory before it reports anything (a build then leaves the store as it was)"
    )
    assert memory_warning(1_570_970_375, 17 << 30) is None
    assert memory_warning(1_570_970_375, None) is None  # no /proc/meminfo: nothing to say


def test_validation_warns_first_when_the_data_may_not_fit(monkeypatch, caplog, tmp_path):
    """Held in memory (as asked) when it may not fit: a warning first, then the report."""
    settings = settings_for(FIXTURE_TREE).replace(store_dir=tmp_path / "store")
    data_bytes = sum(p.stat().st_size for p in settings.data_dir.glob("*.ttl"))
    assert data_bytes > 1000
    monkeypatch.setattr(validation, "available_memory", lambda: data_bytes * 11 - 1)
    caplog.set_level("WARNING", logger="vetgraph.shacl.validate")
    _, report = validation.validate_tree(settings, on_disk=False)
    (record,) = caplog.records
    assert record.getMessage() == memory_warning(data_bytes, data_bytes * 11 - 1)
    assert record.getMessage().startswith(f"validating {data_bytes / 1024:.1f} KiB of data")
    assert report.counts == {"Violation": 0, "Warning": 1, "Info": 0}  # it still validates

    caplog.clear()
    monkeypatch.setattr(validation, "available_memory", lambda: data_bytes * 11)
    validation.validate_tree(settings, on_disk=False)
    assert caplog.records == []


def test_validation_goes_to_disk_when_memory_is_short(monkeypatch, caplog, tmp_path):
    """By default a store on disk, beside the store, when the data would take more than half
    the memory available: the same report, no warning, and no directory left behind."""
    settings = settings_for(FIXTURE_TREE).replace(store_dir=tmp_path / "store")
    data_bytes = sum(p.stat().st_size for p in settings.data_dir.glob("*.ttl"))
    in_memory = validate(settings)
    monkeypatch.setattr(validation, "available_memory", lambda: data_bytes * 11 * 2 - 1)
    caplog.set_level("INFO", logger="vetgraph.shacl.validate")
    on_disk = validate(settings)
    (record,) = caplog.records
    assert record.levelname == "INFO" and "in a store on disk" in record.getMessage()
    assert str(tmp_path) in record.getMessage()
    assert on_disk.counts == in_memory.counts == {"Violation": 0, "Warning": 1, "Info": 0}
    assert on_disk.results == in_memory.results and on_disk.results
    assert list(tmp_path.iterdir()) == []  # the scratch store is gone
    monkeypatch.setattr(validation, "available_memory", lambda: data_bytes * 11 * 2)
    caplog.clear()
    validate(settings)
    assert caplog.records == []  # enough memory: in memory, nothing said


@pytest.mark.slow
@needs_real_tree
def test_real_tree_validates():
    result = run_cli("validate", "--root", REPO)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_real_tree_is_found_by_default():
    from vetgraph.config import find_root

    root = find_root()
    if (REPO / "ontology" / "vetgraph.ttl").is_file():
        assert root == REPO
    else:
        assert root != FIXTURE_TREE and isinstance(root, Path)
    assert URIRef  # rdflib terms imported for the report checks above

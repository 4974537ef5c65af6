"""Shared by the workbook tests: the 2024 data read once, and a blank template."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.support import REPO, settings_for
from rdflib import Graph

from vetgraph.workbook.model import Names, extract
from vetgraph.workbook.steward import current_graphs, latest_report


@pytest.fixture(scope="session")
def data_2024(tmp_path_factory: pytest.TempPathFactory) -> tuple[Graph, dict[str, set]]:
    """The data graph of data/ttl/ and the triples each sheet holds."""
    settings = settings_for(REPO, tmp_path_factory.mktemp("nostore") / "store")
    data, codes = current_graphs(settings)
    held = extract(data, Names.from_graphs(data, codes, latest_report(data)))[1]
    return data, held


@pytest.fixture(scope="session")
def blank_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``vetgraph template`` without data: the sheets, headers and drop-downs only."""
    from vetgraph.workbook.steward import make_template

    path = tmp_path_factory.mktemp("template") / "blank.xlsx"
    make_template(settings_for(REPO, path.parent / "store"), path)
    return path

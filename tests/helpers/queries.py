"""Helpers for the named-query tests: the project's store, answers as plain Python values."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Node

from helpers.support import REPO, settings_for
from vetgraph.config import Settings
from vetgraph.dataset import read_sources
from vetgraph.infer import infer_sources, load_rules
from vetgraph.queries import get_query, run
from vetgraph.store.oxigraph import OxigraphStore

SCHOOL = "https://w3id.org/vetgraph/id/school/"
CLUSTER = "https://w3id.org/vetgraph/code/industry-cluster/"

#: The six schools of 表 1.1 by slug, with their full names.
SCHOOLS = {
    "huanren-vocational-education-centre": "桓仁满族自治县职业教育中心",
    "benxi-county-vocational-education-centre": "本溪满族自治县中等职业技术教育中心",
    "benxi-commerce-and-trade-school": "本溪市商贸服务学校",
    "benxi-health-school": "本溪市卫生学校",
    "benxi-chemical-industry-school": "本溪市化学工业学校",
    "benxi-electromechanical-school": "本溪市机电工程学校",
}


def project_settings(store: Path | None = None) -> Settings:
    return settings_for(REPO, store)


def load_store(settings: Settings, target: Path | None = None) -> OxigraphStore:
    """The project's sources in Oxigraph (on disk when ``target`` is given), no build gate:
    these tests are about the queries; validation has its own tests. The inferred graph is
    there, as a build makes it: the queries are answered over the union default graph."""
    sources = read_sources(settings)
    infer_sources(sources, load_rules(settings))
    if target is None:
        return OxigraphStore.in_memory(sources.iter_quads())
    store = ox.Store(str(target))
    store.bulk_extend(sources.iter_quads())
    store.flush()
    del store
    return OxigraphStore.open(target)


def value(term: Node | None) -> Any:
    """int / Decimal / str for a term; IRIs as their string."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return str(term)
    assert isinstance(term, Literal)
    datatype = str(term.datatype or "")
    if datatype.endswith("#integer"):
        return int(term)
    if datatype.endswith("#decimal"):
        return Decimal(str(term))
    return str(term)


def answer(
    store: OxigraphStore, settings: Settings, name: str, **params: str
) -> list[dict[str, Any]]:
    """A named query's rows as dicts of plain values (unbound columns left out)."""
    result = run(store, get_query(settings, name), params, max_rows=10_000)
    assert not result.truncated
    return [{k: value(v) for k, v in row.items()} for row in result.dicts()]


def column(rows: list[dict[str, Any]], name: str) -> list[Any]:
    return [row.get(name) for row in rows]


def parts(text: str | None) -> set[str]:
    """A GROUP_CONCAT list (separator 、) as a set: its order is not defined."""
    return set(text.split("、")) if text else set()


def half_up(number: Decimal, places: int) -> Decimal:
    """SPARQL ROUND semantics (ties away from zero for positives) at ``places`` decimals."""
    from decimal import ROUND_HALF_UP

    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)

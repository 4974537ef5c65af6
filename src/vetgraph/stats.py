"""What is in the store: triples per graph, entities per class, observations per data set.

Everything is asked through the :class:`~vetgraph.store.base.Store` interface, so the numbers
are the ones every surface sees.
"""

from __future__ import annotations

import json
from typing import Any

from .config import GRAPH_DATA
from .namespaces import sparql_prologue
from .store.base import Store


def _labelled(counting: str) -> str:
    """Wrap a ``?x ?n`` counting subquery with the zh/en labels of ``?x``.

    Labels come from subqueries rather than MIN() over OPTIONALs: rdflib fails on MIN of
    a variable that is unbound in every row.
    """
    label = """
  OPTIONAL {{ SELECT ?x (MIN(STR(?l)) AS ?{lang}) WHERE {{
    ?x rdfs:label ?l FILTER(langMatches(lang(?l), "{lang}"))
  }} GROUP BY ?x }}"""
    return sparql_prologue("rdfs", "qb") + f"""\
SELECT ?x ?n ?zh ?en WHERE {{
  {{ {counting} }}{label.format(lang="zh")}{label.format(lang="en")}
}} ORDER BY DESC(?n) STR(?x)"""


CLASSES_QUERY = _labelled(
    f"SELECT ?x (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{GRAPH_DATA}> {{ ?s a ?x }} }} "
    "GROUP BY ?x"
)
# Both count what the data states: the derived observations of graph/inferred (sums,
# coverage) are not the report's, and counting them would make the two disagree.
DATASETS_QUERY = _labelled(
    f"SELECT ?x (COUNT(DISTINCT ?o) AS ?n) WHERE {{ GRAPH <{GRAPH_DATA}> {{ ?o qb:dataSet ?x }} }} "
    "GROUP BY ?x"
)


def _rows(store: Store, sparql: str, key: str, count: str) -> list[dict[str, Any]]:
    out = []
    for row in store.query(sparql).dicts():
        out.append(
            {
                key: str(row["x"]),
                "label_zh": str(row["zh"]) if "zh" in row else None,
                "label_en": str(row["en"]) if "en" in row else None,
                count: int(row["n"]),
            }
        )
    return out


def collect(store: Store) -> dict[str, Any]:
    """The statistics as a JSON-ready dict (the ``--format json`` output)."""
    graphs = {g: store.triple_count(g) for g in store.graph_names()}
    return {
        "graphs": graphs,
        "triples": sum(graphs.values()),
        "classes": _rows(store, CLASSES_QUERY, "class", "count"),
        "datasets": _rows(store, DATASETS_QUERY, "dataset", "observations"),
    }


def format_json(stats: dict[str, Any]) -> str:
    return json.dumps(stats, ensure_ascii=False, indent=2) + "\n"


def _label(row: dict[str, Any]) -> str:
    return " / ".join(x for x in (row["label_zh"], row["label_en"]) if x)


def format_text(stats: dict[str, Any]) -> str:
    lines = ["Triples per graph"]
    for graph, n in stats["graphs"].items():
        lines.append(f"  {n:>8}  {graph}")
    lines.append(f"  {stats['triples']:>8}  total")
    lines += ["", "Entities per class (data graph)"]
    for row in stats["classes"]:
        lines.append(f"  {row['count']:>8}  {row['class']}  {_label(row)}".rstrip())
    lines += ["", "Observations per data set"]
    for row in stats["datasets"]:
        lines.append(f"  {row['observations']:>8}  {row['dataset']}  {_label(row)}".rstrip())
    return "\n".join(lines) + "\n"


FORMATTERS = {"text": format_text, "json": format_json}

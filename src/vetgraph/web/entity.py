"""What a resource page shows, gathered from the store: labels, types, properties with labelled
values, incoming links grouped by property, statistics observations, sources in the report, and
a small neighbourhood graph laid out on the server (an inline SVG: no JavaScript needed).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .. import namespaces as ns
from ..linked import describe as ld_describe
from ..linked import jsonld as ld_jsonld
from ..store.base import Store

VET = ns.VET
RDF_TYPE = URIRef(ns.RDF_TYPE)
RDFS_LABEL = URIRef(ns.RDFS_LABEL)
SKOS_PREFLABEL = URIRef(ns.SKOS_PREFLABEL)
SKOS_ALTLABEL = URIRef(ns.SKOS + "altLabel")
DERIVED_FROM = URIRef(ns.PROV + "wasDerivedFrom")
QB_OBSERVATION = URIRef(ns.QB + "Observation")
QB_DATASET = URIRef(ns.QB + "DataSet")
XSD = ns.XSD

PREFIXES = ns.sparql_prologue("vet", "rdfs", "skos", "prov", "dcterms", "qb", "sdmx-dimension",
                              "sdmx-measure", "sdmx-attribute")

LABELS_QUERY = PREFIXES + """SELECT ?s ?rank ?label WHERE {
  { ?s rdfs:label ?label BIND(0 AS ?rank) } UNION { ?s skos:prefLabel ?label BIND(1 AS ?rank) }
  FILTER(isIRI(?s))
}"""

PARTS_QUERY = PREFIXES + """SELECT ?part ?type ?title ?page ?parent WHERE {
  ?part a ?type .
  VALUES ?type { vet:Report vet:ReportSection vet:ReportTable vet:ReportFigure vet:CaseStudy }
  OPTIONAL { ?part dcterms:title ?title }
  OPTIONAL { ?part vet:startPage ?page }
  OPTIONAL { ?part dcterms:isPartOf ?parent }
}"""

#: Links into the resource; a link from a blank node (a qualified association) is shown as
#: coming from the resource holding that blank node, ``?via`` being the property between.
INCOMING_QUERY = PREFIXES + """SELECT ?iri ?s ?p ?via ?source WHERE {
  { ?s ?p ?iri . FILTER(isIRI(?s)) }
  UNION
  { ?b ?p ?iri . FILTER(isBlank(?b)) ?s ?via ?b . FILTER(isIRI(?s)) }
  OPTIONAL { ?s prov:wasDerivedFrom ?source }
}"""
MAX_INCOMING_ROWS = 5000
MAX_PER_GROUP = 60

OBSERVATIONS_QUERY = PREFIXES + """SELECT ?iri ?obs ?dataset ?subject ?indicator ?category
       ?period ?kind ?value ?unit ?status ?basePeriod ?source WHERE {
  { ?obs vet:refSubject ?iri } UNION { ?obs qb:dataSet ?iri }
  ?obs a qb:Observation .
  OPTIONAL { ?obs qb:dataSet ?dataset }
  OPTIONAL { ?obs vet:refSubject ?subject }
  OPTIONAL { ?obs vet:indicator ?indicator }
  OPTIONAL { ?obs vet:category ?category }
  OPTIONAL { ?obs sdmx-dimension:refPeriod ?period }
  OPTIONAL { ?obs vet:valueKind ?kind }
  OPTIONAL { ?obs sdmx-measure:obsValue ?value }
  OPTIONAL { ?obs sdmx-attribute:unitMeasure ?unit }
  OPTIONAL { ?obs sdmx-attribute:obsStatus ?status }
  OPTIONAL { ?obs vet:basePeriod ?basePeriod }
  OPTIONAL { ?obs prov:wasDerivedFrom ?source }
}"""
MAX_OBSERVATION_ROWS = 5000


# --- labels ---------------------------------------------------------------------------------


#: Words for the RDF and RDFS terms every page shows, which no vocabulary in the store labels.
BUILTIN_LABELS = {
    str(RDF_TYPE): {"zh": "类型", "en": "Type"},
    str(RDFS_LABEL): {"zh": "名称", "en": "Label"},
    ns.RDFS + "comment": {"zh": "说明", "en": "Comment"},
    ns.RDFS + "seeAlso": {"zh": "参见", "en": "See also"},
    ns.RDFS + "isDefinedBy": {"zh": "定义于", "en": "Defined by"},
    ns.RDFS + "subClassOf": {"zh": "上位类", "en": "Subclass of"},
    ns.RDFS + "subPropertyOf": {"zh": "上位属性", "en": "Subproperty of"},
    ns.RDFS + "domain": {"zh": "定义域", "en": "Domain"},
    ns.RDFS + "range": {"zh": "值域", "en": "Range"},
    # Classes of the reused vocabularies that the data instantiates (en: each vocabulary's own
    # rdfs:label, in sentence case), so that type badges and per-class counts are never bare IRIs.
    str(QB_OBSERVATION): {"zh": "观测值", "en": "Observation"},
    str(QB_DATASET): {"zh": "数据集", "en": "Data set"},
    ns.QB + "DataStructureDefinition": {"zh": "数据结构定义", "en": "Data structure definition"},
    ns.PROV + "Association": {"zh": "关联", "en": "Association"},
    ns.PROV + "Role": {"zh": "角色", "en": "Role"},
    ns.ORG + "OrganizationalUnit": {"zh": "组织单元", "en": "Organizational unit"},
    ns.SKOS + "Concept": {"zh": "概念", "en": "Concept"},
    ns.SKOS + "ConceptScheme": {"zh": "概念体系", "en": "Concept scheme"},
}


class Labels:
    """rdfs:label (else skos:prefLabel) of every IRI, by language; falls back sensibly."""

    def __init__(self, rows: Iterable[dict[str, Node]]):
        found: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
        for row in rows:
            label = row["label"]
            lang = (label.language or "") if isinstance(label, Literal) else ""
            lang = lang.split("-")[0].lower()
            rank = int(row["rank"])
            current = found[str(row["s"])].get(lang)
            if current is None or (rank, str(label)) < current:
                found[str(row["s"])][lang] = (rank, str(label))
        self.by_iri = {iri: dict(words) for iri, words in BUILTIN_LABELS.items()}
        self.by_iri.update({iri: {lang: v[1] for lang, v in langs.items()}
                            for iri, langs in found.items()})

    @classmethod
    def load(cls, store: Store) -> Labels:
        return cls(store.query(LABELS_QUERY).dicts())

    def get(self, iri: str, lang: str) -> str | None:
        langs = self.by_iri.get(iri)
        if not langs:
            return None
        other = "en" if lang == "zh" else "zh"
        for choice in (lang, other, ""):
            if choice in langs:
                return langs[choice]
        return next(iter(langs.values()))

    def text(self, iri: str, lang: str) -> str:
        """A label, else a compact IRI, else the IRI's last segment."""
        label = self.get(iri, lang)
        if label:
            return label
        compact = ld_jsonld.compact_iri(iri)
        if compact != iri:
            return compact
        tail = iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        return tail or iri

    def both(self, iri: str) -> dict[str, str]:
        return dict(self.by_iri.get(iri, {}))


@dataclass
class Part:
    """A part of the report (or the report): what a fact's provenance points at."""

    iri: str
    type: str
    titles: dict[str, str] = field(default_factory=dict)
    page: str | None = None
    parent: str | None = None


def load_parts(store: Store) -> dict[str, Part]:
    parts: dict[str, Part] = {}
    for row in store.query(PARTS_QUERY).dicts():
        iri = str(row["part"])
        part = parts.setdefault(iri, Part(iri, str(row["type"])))
        title = row.get("title")
        if isinstance(title, Literal):
            part.titles.setdefault((title.language or "zh").split("-")[0], str(title))
        if "page" in row:
            part.page = str(row["page"])
        if "parent" in row:
            part.parent = str(row["parent"])
    return parts


# --- the page model ---------------------------------------------------------------------------


@dataclass
class Value:
    """A property value as the page shows it."""

    kind: str  # "iri" | "bnode" | "literal"
    text: str
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None
    children: list[PropertyRow] = field(default_factory=list)


@dataclass
class PropertyRow:
    iri: str
    label: str
    values: list[Value]


@dataclass
class Link:
    iri: str
    label: str
    sources: list[str] = field(default_factory=list)


@dataclass
class IncomingGroup:
    key: str
    label: str
    links: list[Link]
    total: int


@dataclass
class ObservationRow:
    iri: str
    cells: dict[str, Any]
    sources: list[str]


@dataclass
class ObservationTable:
    dataset: str | None
    label: str
    columns: list[tuple[str, str]]  # (key, heading)
    rows: list[ObservationRow]


@dataclass
class Grid:
    """A statistics table laid out as the report prints it: one row per subject (and
    category), one column per indicator, year and kind of value (levels, then changes)."""

    dataset: str
    row_heading: str
    columns: list[str]
    rows: list[tuple[str, str, list[str]]]  # (subject IRI, row heading, cells)


def grid_of(table: ObservationTable, lang: str) -> Grid:
    """The observations of one data set as a grid; an empty cell is a cell the table lacks."""
    def text(cells: dict[str, Any], key: str) -> str:
        cell = cells.get(key)
        return cell[1] if isinstance(cell, tuple) else str(cell or "")

    rows: dict[tuple[str, str], dict[tuple[str, str, str], str]] = {}
    columns: dict[tuple[str, str, str], str] = {}
    for row in table.rows:
        c = row.cells
        subject = c.get("subject", ("", ""))[0]
        heading = text(c, "subject") + (f" · {text(c, 'category')}" if c.get("category") else "")
        kind_iri = c.get("kind", ("", ""))[0]
        change = not kind_iri.endswith("/level")
        col = (text(c, "indicator"), "1" if change else "0", text(c, "period"))
        label = f"{col[0]} {col[2]}"
        if change:
            base = c.get("basePeriod")
            label += f" ({text(c, 'kind')}{' ' + base + '→' + col[2] if base else ''})"
        columns[col] = label
        rows.setdefault((subject, heading), {})[col] = str(c.get("value", ""))
    order = list(dict.fromkeys(k[0] for k in columns))  # indicators in table order
    ordered = sorted(columns, key=lambda k: (order.index(k[0]), k[1], k[2]))
    heading = {"zh": "对象", "en": "subject"}[lang]
    return Grid(
        dataset=table.dataset or "", row_heading=heading,
        columns=[columns[k] for k in ordered],
        rows=[(s, h, [cells.get(k, "") for k in ordered]) for (s, h), cells in rows.items()],
    )


@dataclass
class SourceItem:
    iri: str
    label: str
    title: str | None
    page: str | None
    parents: list[tuple[str, str]]  # (iri, label) from the report down


@dataclass
class GraphNode:
    iri: str
    label: str
    x: float
    y: float
    incoming: bool
    edge: str
    short: str = ""  # the label as drawn, cut to fit its column
    anchor: str = "start"  # text-anchor of the label
    label_x: float = 0.0


@dataclass
class Neighbourhood:
    """The neighbourhood picture: the resource in the middle, what links to it in a column on
    the left, what it links to on the right, each label beside its node, outward, cut to the
    room it has (so no label overlaps another or leaves the picture)."""

    width: float
    height: float
    cx: float
    cy: float
    title: str
    nodes: list[GraphNode]

    def __bool__(self) -> bool:
        return bool(self.nodes)


@dataclass
class Page:
    iri: str
    lang: str
    labels: dict[str, str]
    alt_labels: list[Value]
    types: list[Value]
    properties: list[PropertyRow]
    incoming: list[IncomingGroup]
    incoming_truncated: bool
    observations: list[ObservationTable]
    observations_truncated: bool
    sources: list[SourceItem]
    graph: Neighbourhood
    is_dataset: bool
    grid: Grid | None = None


def _literal_value(term: Literal, labels: Labels, lang: str) -> Value:
    datatype = None
    if term.datatype is not None and str(term.datatype) != XSD + "string":
        datatype = ld_jsonld.compact_iri(str(term.datatype))
    return Value("literal", str(term), lang=term.language, datatype=datatype)


def _value(term: Node, by_subject: dict[Node, list[tuple[Node, Node]]], labels: Labels,
           lang: str, seen: frozenset[Node]) -> Value:
    if isinstance(term, URIRef):
        return Value("iri", labels.text(str(term), lang), iri=str(term))
    if isinstance(term, BNode):
        rows = [] if term in seen else _rows(term, by_subject, labels, lang, seen | {term})
        return Value("bnode", "", children=rows)
    assert isinstance(term, Literal)
    return _literal_value(term, labels, lang)


def _value_key(value: Value) -> tuple:
    return (value.kind != "iri", value.text.lower(), value.lang or "", value.iri or "")


def _rows(node: Node, by_subject: dict[Node, list[tuple[Node, Node]]], labels: Labels,
          lang: str, seen: frozenset[Node]) -> list[PropertyRow]:
    grouped: dict[Node, list[Node]] = defaultdict(list)
    for p, o in by_subject.get(node, []):
        grouped[p].append(o)
    rows = []
    for p, objects in grouped.items():
        values = sorted((_value(o, by_subject, labels, lang, seen) for o in objects),
                        key=_value_key)
        rows.append(PropertyRow(str(p), labels.text(str(p), lang), values))
    order = {str(RDF_TYPE): 0, str(RDFS_LABEL): 1, str(SKOS_PREFLABEL): 2, str(SKOS_ALTLABEL): 3}
    rows.sort(key=lambda r: (order.get(r.iri, 9), r.label.lower()))
    return rows


def _source_item(iri: str, parts: dict[str, Part], labels: Labels, lang: str) -> SourceItem:
    part = parts.get(iri)
    chain: list[tuple[str, str]] = []
    parent = part.parent if part else None
    while parent and len(chain) < 8:
        chain.insert(0, (parent, labels.text(parent, lang)))
        parent = parts[parent].parent if parent in parts else None
    title = None
    if part and part.titles:
        title = part.titles.get(lang) or next(iter(part.titles.values()))
    return SourceItem(iri, labels.text(iri, lang), title, part.page if part else None, chain)


OBS_COLUMNS = (
    ("subject", {"zh": "统计对象", "en": "Subject"}),
    ("indicator", {"zh": "指标", "en": "Indicator"}),
    ("category", {"zh": "分类项", "en": "Category"}),
    ("period", {"zh": "年份", "en": "Period"}),
    ("kind", {"zh": "数值类型", "en": "Value kind"}),
    ("value", {"zh": "数值", "en": "Value"}),
    ("unit", {"zh": "单位", "en": "Unit"}),
    ("status", {"zh": "状态", "en": "Status"}),
)


def _observations(rows: list[dict[str, Node]], iri: str, labels: Labels, lang: str,
                  is_dataset: bool) -> list[ObservationTable]:
    by_obs: dict[str, dict[str, Any]] = {}
    sources: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        obs = str(row["obs"])
        if "source" in row:
            sources[obs].add(str(row["source"]))
        if obs in by_obs:
            continue
        cells: dict[str, Any] = {}
        for key in ("dataset", "subject", "indicator", "category", "kind", "unit", "status"):
            term = row.get(key)
            if isinstance(term, URIRef):
                cells[key] = (str(term), labels.text(str(term), lang))
        for key in ("period", "value", "basePeriod"):
            if key in row:
                cells[key] = str(row[key])
        by_obs[obs] = cells
    tables: dict[str | None, list[ObservationRow]] = defaultdict(list)
    for obs, cells in by_obs.items():
        dataset = cells.get("dataset", (None,))[0]
        if is_dataset and dataset != iri:
            continue
        if not is_dataset and cells.get("subject", (None,))[0] != iri:
            continue
        tables[dataset].append(ObservationRow(obs, cells, sorted(sources[obs])))

    def sort_key(row: ObservationRow) -> tuple:
        c = row.cells
        return tuple(
            c[k][1] if isinstance(c.get(k), tuple) else str(c.get(k, ""))
            for k in ("subject", "indicator", "category", "kind", "period")
        ) + (row.iri,)

    out = []
    for dataset, table_rows in tables.items():
        table_rows.sort(key=sort_key)
        present = {k for r in table_rows for k in r.cells}
        columns = [
            (key, heading[lang]) for key, heading in OBS_COLUMNS
            if key in present and not (key == "subject" and not is_dataset)
        ]
        label = labels.text(dataset, lang) if dataset else "—"
        out.append(ObservationTable(dataset, label, columns, table_rows))
    out.sort(key=lambda t: t.label)
    return out


def _incoming(rows: list[dict[str, Node]], skip: set[str], labels: Labels,
              lang: str) -> list[IncomingGroup]:
    groups: dict[str, dict[str, Link]] = defaultdict(dict)
    names: dict[str, str] = {}
    for row in rows:
        subject = str(row["s"])
        if subject in skip:
            continue
        p = str(row["p"])
        via = str(row["via"]) if "via" in row else None
        key = f"{via} {p}" if via else p
        if key not in names:
            names[key] = (
                f"{labels.text(via, lang)} → {labels.text(p, lang)}" if via
                else labels.text(p, lang)
            )
        link = groups[key].setdefault(subject, Link(subject, labels.text(subject, lang)))
        if "source" in row and str(row["source"]) not in link.sources:
            link.sources.append(str(row["source"]))
    out = []
    for key, links in groups.items():
        ordered = sorted(links.values(), key=lambda link: (link.label.lower(), link.iri))
        for link in ordered:
            link.sources.sort()
        out.append(IncomingGroup(key, names[key], ordered[:MAX_PER_GROUP], len(ordered)))
    out.sort(key=lambda g: g.label.lower())
    return out


def _neighbourhood(iri: str, properties: list[PropertyRow], incoming: list[IncomingGroup],
                   limit: int = 16) -> list[GraphNode]:
    """Up to ``limit`` neighbours on a circle around the resource: what it links to, then
    what links to it, entities (``/id/``) before code-list concepts."""
    candidates: dict[str, tuple[str, bool, str]] = {}
    skip = {str(RDF_TYPE), str(DERIVED_FROM)}
    for row in properties:
        if row.iri in skip:
            continue
        for value in row.values:
            if value.kind == "iri" and value.iri and value.iri != iri:
                candidates.setdefault(value.iri, (value.text, False, row.label))
            for child in value.children:
                for v in child.values:
                    if v.kind == "iri" and v.iri and v.iri != iri and child.iri not in skip:
                        candidates.setdefault(v.iri, (v.text, False, child.label))
    for group in incoming:
        for link in group.links:
            candidates.setdefault(link.iri, (link.label, True, group.label))
    ranked = sorted(candidates.items(),  # what it links to first (few), then entities
                    key=lambda kv: (kv[1][1], "/id/" not in kv[0], kv[1][0]))[:limit]
    return [GraphNode(target, label, 0.0, 0.0, inbound, edge)
            for target, (label, inbound, edge) in ranked]


#: The picture's geometry (SVG user units = CSS px at full size; labels are 11 px).
GRAPH_WIDTH, GRAPH_ROW, GRAPH_MARGIN, GRAPH_FONT = 900.0, 24.0, 10.0, 11.0
GRAPH_COLUMN = 170.0  # distance of each column of neighbours from the centre


_NARROW = frozenset("ijlrtfI.,:;'|!()[] -")


def text_width(text: str, size: float = GRAPH_FONT) -> float:
    """An upper bound of the drawn width in Noto Sans: wide and ambiguous (CJK) characters
    1 em, capitals, m and w 0.75 em, narrow letters and punctuation 0.35 em, the rest 0.58 em."""
    def em(ch: str) -> float:
        if unicodedata.east_asian_width(ch) in "WFA":  # ambiguous ones (“ — ) wide in CJK fonts
            return 1.0
        if ch in _NARROW:
            return 0.35
        return 0.75 if ch.isupper() or ch in "mwMW" else 0.58

    return size * sum(em(ch) for ch in text)


def fit_text(text: str, room: float, size: float = GRAPH_FONT) -> str:
    """``text`` cut (with an ellipsis) to be at most ``room`` wide."""
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def layout_neighbourhood(nodes: list[GraphNode], title: str) -> Neighbourhood:
    """Place the nodes in two columns (incoming left, outgoing right) around the resource."""
    left = [n for n in nodes if n.incoming]
    right = [n for n in nodes if not n.incoming]
    rows = max(len(left), len(right), 1)
    height = max(160.0, rows * GRAPH_ROW + 2 * GRAPH_MARGIN + 20)
    cx, cy = GRAPH_WIDTH / 2, height / 2
    room = GRAPH_WIDTH / 2 - GRAPH_COLUMN - 12 - GRAPH_MARGIN  # from a node to the edge
    for column, side in ((left, -1), (right, 1)):
        top = cy - len(column) * GRAPH_ROW / 2
        for i, node in enumerate(column):
            node.x = round(cx + side * GRAPH_COLUMN, 1)
            node.y = round(top + (i + 0.5) * GRAPH_ROW, 1)
            node.label_x = round(node.x + side * 12, 1)
            node.anchor = "end" if side < 0 else "start"
            node.short = fit_text(node.label, room)
    # The resource's own name, above its node, within the gap between the columns.
    short_title = fit_text(title, 2 * (GRAPH_COLUMN - 24), GRAPH_FONT + 1)
    return Neighbourhood(GRAPH_WIDTH, height, cx, cy, short_title, nodes)


def build_page(store: Store, iri: str, lang: str, labels: Labels, parts: dict[str, Part],
               triples: list[tuple[Node, Node, Node]]) -> Page:
    """Everything the resource template shows, from the description and two more queries."""
    by_subject: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    for s, p, o in triples:
        by_subject[s].append((p, o))
    subject = URIRef(iri)
    properties = _rows(subject, by_subject, labels, lang, frozenset({subject}))
    mine = by_subject.get(subject, [])
    types = sorted((Value("iri", labels.text(str(o), lang), iri=str(o))
                    for p, o in mine if p == RDF_TYPE and isinstance(o, URIRef)), key=_value_key)
    alt = sorted((_literal_value(o, labels, lang) for p, o in mine
                  if p == SKOS_ALTLABEL and isinstance(o, Literal)), key=_value_key)
    is_dataset = any(p == RDF_TYPE and o == QB_DATASET for p, o in mine)

    bound = {"iri": subject}
    stated = ld_describe.stated_graphs(store)  # stated facts, as the RDF description
    obs_result = store.query(OBSERVATIONS_QUERY, bindings=bound, max_rows=MAX_OBSERVATION_ROWS,
                             default_graph_uris=stated)
    obs_rows = obs_result.dicts()
    observations = _observations(obs_rows, iri, labels, lang, is_dataset)
    shown_obs = {r.iri for t in observations for r in t.rows}

    inc_result = store.query(INCOMING_QUERY, bindings=bound, max_rows=MAX_INCOMING_ROWS,
                             default_graph_uris=stated)
    incoming = _incoming(inc_result.dicts(), shown_obs, labels, lang)

    own_sources = sorted({str(o) for p, o in mine if p == DERIVED_FROM})
    obs_sources = sorted({s for t in observations for r in t.rows for s in r.sources})
    sources = [_source_item(s, parts, labels, lang)
               for s in own_sources + [s for s in obs_sources if s not in own_sources]]
    return Page(
        iri=iri, lang=lang, labels=labels.both(iri), alt_labels=alt, types=types,
        properties=properties, incoming=incoming, incoming_truncated=inc_result.truncated,
        observations=observations, observations_truncated=obs_result.truncated,
        sources=sources, is_dataset=is_dataset,
        graph=layout_neighbourhood(_neighbourhood(iri, properties, incoming),
                                   labels.text(iri, lang)),
        grid=grid_of(observations[0], lang) if is_dataset and len(observations) == 1 else None,
    )

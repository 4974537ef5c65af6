"""Rows to triples and back, following the declarations of :mod:`.spec`.

``extract`` reads the data graph into rows (what ``template --from-store`` writes) and reports
the triples no sheet holds; ``emit`` turns rows back into one graph per sheet (what ``import``
writes), resolving names to IRIs through :class:`Names` and collecting every problem as an
:class:`Issue` tied to its cell. A row is a dict from column key to cell text (several values
joined by line breaks), ``int`` for whole-number columns, or ``None`` for an empty cell.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ..config import BASE_IRI
from .spec import (
    CLUSTER_LINKS,
    DATASETS,
    OBSERVATIONS,
    PARTIES,
    PREFIXES,
    PROV,
    QB,
    SDMX_ATTR,
    SDMX_DIM,
    SDMX_MEASURE,
    SHEETS,
    VET,
    Column,
    Sheet,
)

Row = dict[str, Any]
Triple = tuple[Node, Node, Node]
SEP = "\n"
_INT = re.compile(r"^[+-]?\d+$")
_DEC = re.compile(r"^[+-]?(\d*\.\d+|\d+\.)$")
_COMPONENT = re.compile(
    r"^(dimension|measure|attribute)\s+(\S+)\s+(\d+)(?:\s+(required|optional))?$")


@dataclass(frozen=True)
class Issue:
    """One problem with a cell (or a whole sheet when ``row`` is None), in zh and en."""

    sheet: str
    row: int | None
    column: str | None
    zh: str
    en: str

    def text(self, cell: str | None = None) -> str:
        where = f"{self.sheet}!{cell}" if cell else self.sheet
        return f"{where}: {self.zh} / {self.en}"


@dataclass
class Names:
    """How references are written in cells and read back: labels, code names, report parts."""

    report: str
    entity_keys: dict[str, set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    entity_name: dict[URIRef, str] = field(default_factory=dict)
    code_keys: dict[str, dict[str, set[URIRef]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    code_name: dict[URIRef, str] = field(default_factory=dict)
    scheme_keys: dict[str, set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    scheme_name: dict[URIRef, str] = field(default_factory=dict)
    known: set[URIRef] = field(default_factory=set)
    parts: set[URIRef] = field(default_factory=set)

    @classmethod
    def from_graphs(cls, data: Graph, codes: Graph, report: str) -> Names:
        names = cls(report=report)
        for s, o in data.subject_objects(RDFS.label):
            if isinstance(s, URIRef):
                names.add_entity(s, str(o), preferred=o.language == "zh")
        for s, o in data.subject_objects(SKOS.altLabel):
            if isinstance(s, URIRef):
                names.add_entity(s, str(o))
        for cls_ in (VET.ReportSection, VET.ReportTable, VET.ReportFigure, VET.CaseStudy,
                     VET.Report):
            names.parts.update(s for s in data.subjects(RDF.type, cls_) if isinstance(s, URIRef))
        names.known.update(s for s in data.subjects() if isinstance(s, URIRef))
        for concept, scheme in codes.subject_objects(SKOS.inScheme):
            keys = names.code_keys[str(scheme)]
            keys[str(concept)].add(concept)
            keys[str(concept).rsplit("/", 1)[-1]].add(concept)
            for label in codes.objects(concept, SKOS.prefLabel):
                keys[str(label)].add(concept)
            names.known.add(concept)
        for keys in names.code_keys.values():
            for concept in {c for cs in keys.values() for c in cs}:
                zh = [str(x) for x in codes.objects(concept, SKOS.prefLabel) if x.language == "zh"]
                unique = zh and len(keys[zh[0]]) == 1
                names.code_name[concept] = zh[0] if unique else str(concept).rsplit("/", 1)[-1]
        for scheme in codes.subjects(RDF.type, SKOS.ConceptScheme):
            if isinstance(scheme, URIRef):
                names.add_scheme(scheme, codes)
        return names

    def add_scheme(self, scheme: URIRef, codes: Graph) -> None:
        """A code list named in cells by its Chinese name, its slug or its IRI."""
        slug_ = str(scheme).rstrip("/").rsplit("/", 1)[-1]
        zh = [str(x) for x in codes.objects(scheme, SKOS.prefLabel) if x.language == "zh"]
        for key in (str(scheme), slug_, *zh):
            self.scheme_keys[key].add(scheme)
        self.scheme_name[scheme] = slug_

    def add_entity(self, iri: URIRef, label: str, preferred: bool = False) -> None:
        self.entity_keys[label].add(iri)
        self.known.add(iri)
        if preferred and iri not in self.entity_name:
            self.entity_name[iri] = label

    # --- writing cells -------------------------------------------------------------------

    def ref_text(self, iri: Node) -> str:
        name = self.entity_name.get(iri)  # type: ignore[call-overload]
        if name is not None and self.entity_keys.get(name) == {iri}:
            return name
        return str(iri)

    def code_text(self, iri: Node) -> str:
        return self.code_name.get(iri, str(iri))  # type: ignore[call-overload]

    def code_text_in(self, iri: Node, schemes: tuple[str, ...]) -> str:
        """A code's name in a column drawing from several lists: the IRI if the name is not
        unique across them."""
        text = self.code_text(iri)
        return text if self.code_in(schemes, text)[0] == iri else str(iri)

    def scheme_text(self, iri: Node) -> str:
        return self.scheme_name.get(iri, str(iri))  # type: ignore[call-overload]

    def part_text(self, iri: Node) -> str:
        text = str(iri)
        return text[len(self.report) + 1:] if text.startswith(self.report + "/") else text

    # --- reading cells -------------------------------------------------------------------

    def ref(self, text: str) -> tuple[URIRef | None, str | None, str | None]:
        """The entity a cell names, or (None, zh, en) saying why not (closest names given)."""
        found = self.entity_keys.get(text, set())
        if len(found) == 1:
            return next(iter(found)), None, None
        if len(found) > 1:
            iris = ", ".join(sorted(str(i) for i in found))
            return None, f"名称“{text}”不唯一，请写IRI：{iris}", \
                f"name '{text}' is ambiguous, write the IRI: {iris}"
        if text.startswith(("http://", "https://")) and URIRef(text) in self.known:
            return URIRef(text), None, None
        close = difflib.get_close_matches(text, list(self.entity_keys), n=3, cutoff=0.5)
        hint_zh = f"；最接近的名称：{'、'.join(close)}" if close else ""
        hint_en = f"; closest names: {', '.join(close)}" if close else ""
        return None, f"找不到名为“{text}”的实体{hint_zh}", f"no entity named '{text}'{hint_en}"

    def code(self, scheme: str, text: str) -> tuple[URIRef | None, str | None, str | None]:
        found = self.code_keys.get(scheme, {}).get(text, set())
        if len(found) == 1:
            return next(iter(found)), None, None
        listed = sorted({self.code_name[c] for cs in self.code_keys.get(scheme, {}).values()
                         for c in cs})
        close = difflib.get_close_matches(text, listed, n=3, cutoff=0.4)
        hint = "、".join(close) if close else "、".join(listed[:8])
        return None, f"代码表 {scheme.rsplit('/', 1)[-1]} 中没有“{text}”（可选：{hint}）", \
            f"'{text}' is not in code list {scheme.rsplit('/', 1)[-1]} (try: {hint})"

    def code_in(self, schemes: tuple[str, ...], text: str
                ) -> tuple[URIRef | None, str | None, str | None]:
        """A code of any of ``schemes`` (one scheme: as :meth:`code`)."""
        if len(schemes) == 1:
            return self.code(schemes[0], text)
        found = {c for s in schemes for c in self.code_keys.get(s, {}).get(text, set())}
        if len(found) == 1:
            return next(iter(found)), None, None
        slugs = [s.rsplit("/", 1)[-1] for s in schemes]
        lists, lists_en = "、".join(slugs), ", ".join(slugs)
        if found:
            iris = ", ".join(sorted(map(str, found)))
            return None, f"“{text}”在代码表 {lists} 中不唯一，请写IRI：{iris}", \
                f"'{text}' is ambiguous in code lists {lists_en}, write the IRI: {iris}"
        listed = sorted({self.code_name[c] for s in schemes
                         for cs in self.code_keys.get(s, {}).values() for c in cs})
        close = difflib.get_close_matches(text, listed, n=3, cutoff=0.4)
        hint = "、".join(close) if close else "、".join(listed[:8])
        return None, f"代码表 {lists} 中没有“{text}”（可选：{hint}）", \
            f"'{text}' is not in code lists {lists_en} (try: {hint})"

    def scheme(self, text: str) -> tuple[URIRef | None, str | None, str | None]:
        found = self.scheme_keys.get(text, set())
        if len(found) == 1:
            return next(iter(found)), None, None
        listed = "、".join(sorted(set(self.scheme_name.values())))
        return None, f"没有名为“{text}”的代码表（可选：{listed}）", \
            f"no code list '{text}' (try: {listed})"

    def part(self, text: str) -> tuple[URIRef | None, str | None, str | None]:
        iri = URIRef(text if text.startswith(("http://", "https://")) else f"{self.report}/{text}")
        if iri in self.parts:
            return iri, None, None
        return None, f"报告中没有来源“{text}”（见 sections/tables/figures/cases 表）", \
            f"no report part '{text}' (see the sections, tables, figures and cases sheets)"


def turtle(graph: Graph) -> bytes:
    """Turtle that keeps every literal's lexical form ("100"^^xsd:decimal stays 100, not
    100.0 as rdflib writes it), written by Oxigraph in a stable order."""
    import pyoxigraph as ox

    from ..store.base import to_oxigraph

    triples = sorted(graph, key=lambda t: tuple(n.n3() for n in t))
    return ox.serialize((ox.Triple(*(to_oxigraph(n) for n in t)) for t in triples),
                        format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def slug(text: str) -> str:
    """Lowercase ASCII words joined by hyphens: the IRI slug of a new entity."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def compact(iri: Node) -> str:
    for prefix, namespace in PREFIXES.items():
        if str(iri).startswith(namespace):
            return f"{prefix}:{str(iri)[len(namespace):]}"
    return str(iri)


def expand(text: str) -> URIRef | None:
    prefix, _, local = text.partition(":")
    if prefix in PREFIXES and local and not local.startswith("//"):
        return URIRef(PREFIXES[prefix] + local)
    return URIRef(text) if text.startswith(("http://", "https://")) else None


# --- the graph into rows ---------------------------------------------------------------------


def _matches(column: Column, term: Node) -> bool:
    if column.kind in ("text", "string", "int", "number", "year"):
        if not isinstance(term, Literal):
            return False
        if column.kind == "text":
            return term.language == column.lang
        if column.kind == "string":
            return term.language is None and term.datatype in (None, XSD.string)
        allowed = {"int": {XSD.integer}, "year": {XSD.gYear},
                   "number": {XSD.integer, XSD.decimal}}[column.kind]
        return term.datatype in allowed
    return isinstance(term, URIRef)


def _cell(column: Column, values: list[Node], names: Names) -> Any:
    if not values:
        return None
    if column.kind in ("int", "year"):
        return int(str(values[0])) if len(values) == 1 else SEP.join(map(str, sorted(values)))
    if column.kind == "number":
        return SEP.join(_number_text(v) for v in values)
    render = {"ref": names.ref_text, "code": names.code_text, "part": names.part_text,
              "type": compact, "choice": compact, "scheme": names.scheme_text}.get(column.kind, str)
    if column.kind == "code" and column.also:
        schemes = column.code_schemes()
        return SEP.join(sorted(names.code_text_in(v, schemes) for v in values))
    return SEP.join(sorted(render(v) for v in values))


def _number_text(value: Node) -> str:
    """A number as written; a decimal written without decimals gets a trailing point (100.)."""
    text = str(value)
    if isinstance(value, Literal) and value.datatype == XSD.decimal and "." not in text:
        return text + "."
    return text


def _components_text(data: Graph, structure: Node) -> str:
    lines = []
    for component in data.objects(structure, QB.component):
        for role in ("dimension", "measure", "attribute"):
            prop = data.value(component, QB[role])
            if prop is not None:
                required = data.value(component, QB.componentRequired)
                order = data.value(component, QB.order)
                flag = "" if required is None else (
                    " required" if required.toPython() else " optional")
                lines.append((int(order), f"{role} {compact(prop)} {order}{flag}"))
    return SEP.join(line for _, line in sorted(lines))


def extract(data: Graph, names: Names) -> tuple[dict[str, list[Row]], dict[str, set[Triple]]]:
    """Every sheet's rows from the data graph, and the data triples each sheet holds.

    The data triples in none of the sets are what the workbook does not cover.
    """
    rows: dict[str, list[Row]] = {}
    held: dict[str, set[Triple]] = {}
    taken: set[Node] = set()
    for sheet in SHEETS:
        covered = held[sheet.name] = set()
        if sheet is PARTIES:
            rows[sheet.name] = _extract_parties(data, names, covered)
            continue
        subjects = sorted({s for c in sheet.classes for s in data.subjects(RDF.type, c)} - taken,
                          key=str)
        taken.update(subjects)
        out = []
        for subject in subjects:
            row: Row = {}
            has_type_column = any(c.kind == "type" for c in sheet.columns)
            if not has_type_column:
                for cls in data.objects(subject, RDF.type):
                    if cls in sheet.classes[:1]:
                        covered.add((subject, RDF.type, cls))
            for column in sheet.columns:
                if column.kind == "iri":
                    row[column.key] = str(subject)
                    continue
                values = [o for o in data.objects(subject, column.predicate)
                          if _matches(column, o)]
                covered.update((subject, column.predicate, o) for o in values)
                if column.kind == "components" and values:
                    covered.update(_structure_triples(data, values[0]))
                    row[column.key] = _components_text(data, values[0])
                    continue
                row[column.key] = _cell(column, values, names)
            if sheet is CLUSTER_LINKS:
                target, cluster = data.value(subject, VET.linkSubject), data.value(subject,
                                                                                   VET.cluster)
                covered.add((target, VET.servesCluster, cluster))
                covered.add((target, VET.qualifiedClusterLink, subject))
            out.append(row)
        rows[sheet.name] = out
    return rows, held


def _structure_triples(data: Graph, structure: Node) -> set[Triple]:
    found = set(data.triples((structure, None, None)))
    for component in data.objects(structure, QB.component):
        found.update(data.triples((component, None, None)))
    return found


def _extract_parties(data: Graph, names: Names, covered: set[Triple]) -> list[Row]:
    out = []
    for agreement, association in sorted(data.subject_objects(PROV.qualifiedAssociation),
                                         key=lambda p: (str(p[0]), str(data.value(p[1],
                                                                                   PROV.agent)))):
        agent = data.value(association, PROV.agent)
        roles = list(data.objects(association, PROV.hadRole))
        covered.update({(agreement, PROV.qualifiedAssociation, association),
                        (agreement, PROV.wasAssociatedWith, agent),
                        (association, RDF.type, PROV.Association),
                        (association, PROV.agent, agent)})
        covered.update((association, PROV.hadRole, r) for r in roles)
        out.append({"agreement": names.ref_text(agreement), "party": names.ref_text(agent),
                    "roles": SEP.join(sorted(names.code_text(r) for r in roles))})
    return out


# --- rows into triples ------------------------------------------------------------------------


@dataclass
class Emitted:
    """What ``emit`` made: one graph per sheet, where each subject came from, the problems."""

    graphs: dict[str, Graph]
    issues: list[Issue]
    origin: dict[Node, tuple[str, int]]


def values_of(cell: Any, multi: bool) -> list[Any]:
    if cell is None or cell == "":
        return []
    if isinstance(cell, str):
        parts = [p.strip() for p in cell.split(SEP)] if multi else [cell.strip()]
        return [p for p in parts if p]
    return [cell]


def number_literal(value: Any) -> Literal | None:
    """A cell's number as written: 1340 -> xsd:integer, "97.20" -> xsd:decimal 97.20, and
    "100." -> xsd:decimal 100 (the report wrote a share without decimals)."""
    text = str(value).strip()
    if _INT.match(text):
        return Literal(text, datatype=XSD.integer)
    if _DEC.match(text):
        try:
            Decimal(text)
        except InvalidOperation:
            return None
        return Literal(text.rstrip(".") if text.endswith(".") else text, datatype=XSD.decimal)
    return None


def _new_iri(sheet: Sheet, row: Row, names: Names, datasets: dict[str, URIRef]) -> str | None:
    if sheet is OBSERVATIONS:
        text = str(row.get("dataset") or "")
        dataset = datasets.get(text) or (names.ref(text)[0] if text else None)
        if dataset is None:
            return None
        resolved = []
        for key in ("subject", "indicator", "category", "value_kind"):
            text = row.get(key)
            if not text:
                continue
            iri = (names.ref(str(text))[0] if key == "subject"
                   else names.code(OBSERVATIONS.column(key).code_scheme(), str(text))[0])
            if iri is None:
                return None
            last = str(iri).rstrip("/").rsplit("/", 1)[-1]
            if (key, last) not in (("category", "total"), ("value_kind", "level")):
                resolved.append(last)
        periods = [str(row[k]) for k in ("base_period", "period") if row.get(k)]
        return f"{dataset}/obs/{'-'.join(resolved + periods)}"
    if sheet.classes[0] in (VET.ReportSection, VET.ReportTable, VET.ReportFigure, VET.CaseStudy):
        segment = {VET.ReportSection: "section", VET.ReportTable: "table",
                   VET.ReportFigure: "figure", VET.CaseStudy: "case"}[sheet.classes[0]]
        return f"{names.report}/{segment}/{slug(str(row.get('number') or '').replace('.', '-'))}"
    name = row.get("name_en")
    if not name or not sheet.id_path:
        return None
    return BASE_IRI + sheet.id_path + slug(str(name))


def emit(rows: dict[str, list[tuple[int, Row]]], names: Names) -> Emitted:
    """Triples for every sheet's rows (row numbers as the sheet shows them).

    Subjects are named first (IRI column, exact name of an existing entity, or a new slug), so
    that rows may refer to entities other rows add; then each cell is read.
    """
    issues: list[Issue] = []
    origin: dict[Node, tuple[str, int]] = {}
    subjects: dict[tuple[str, int], URIRef] = {}
    datasets: dict[str, URIRef] = {}
    for sheet in SHEETS:
        if sheet is PARTIES:
            continue
        for number, row in rows.get(sheet.name, []):
            iri = _subject(sheet, row, names, datasets)
            if iri is None:
                if sheet is not OBSERVATIONS:
                    issues.append(Issue(sheet.name, number, "name_en",
                                        "缺少英文名称，无法生成IRI",
                                        "no English name to make the IRI"))
                continue
            if iri in origin and origin[iri][0] == sheet.name:
                first = origin[iri][1]
                issues.append(Issue(sheet.name, number, "iri",
                                    f"与第 {first} 行重复：{iri}",
                                    f"duplicate of row {first}: {iri}"))
                continue
            origin[iri] = (sheet.name, number)
            subjects[(sheet.name, number)] = iri
            for column in sheet.columns:  # rows may name this entity by label or short form
                if column.predicate in (RDFS.label, SKOS.altLabel):
                    for text in values_of(row.get(column.key), column.multi):
                        names.add_entity(iri, text, preferred=column.predicate == RDFS.label
                                         and column.lang == "zh")
            if sheet is DATASETS:
                datasets[str(iri)] = iri
                for key in ("name_zh", "name_en"):
                    if row.get(key):
                        datasets[str(row[key])] = iri
            if sheet.name in ("sections", "tables", "figures", "cases", "report"):
                names.parts.add(iri)
    graphs = {sheet.name: Graph() for sheet in SHEETS}
    for sheet in SHEETS:
        graph = graphs[sheet.name]
        for number, row in rows.get(sheet.name, []):
            if sheet is PARTIES:
                _emit_party(row, number, names, graph, issues)
                continue
            if sheet is OBSERVATIONS and (sheet.name, number) not in subjects:
                # no IRI: a cell names something unknown (say which), else the data set is
                before = len(issues)
                _check_cells(sheet, row, number, names, issues)
                if len(issues) == before:
                    issues.append(Issue(sheet.name, number, "dataset",
                                        "无法确定统计表，无法生成IRI",
                                        "the data set is unknown: no IRI"))
                continue
            subject = subjects.get((sheet.name, number))
            if subject is None:
                continue
            _emit_row(sheet, row, number, subject, names, graph, issues)
        if sheet is DATASETS:
            _default_structures(graph, rows.get(OBSERVATIONS.name, []))
    for sheet in SHEETS:
        for prefix, namespace in PREFIXES.items():
            graphs[sheet.name].bind(prefix, namespace)
    return Emitted(graphs, issues, origin)


def _subject(sheet: Sheet, row: Row, names: Names, datasets: dict[str, URIRef]) -> URIRef | None:
    given = row.get("iri")
    if given:
        return URIRef(str(given).strip())
    if sheet is not OBSERVATIONS:
        for key in ("name_zh", "name_en"):
            text = row.get(key)
            if text and len(found := names.entity_keys.get(str(text), set())) == 1:
                existing = next(iter(found))
                if str(existing).startswith(BASE_IRI + sheet.id_path) and sheet.id_path:
                    return existing
        if sheet is DATASETS and row.get("name_en"):
            return URIRef(BASE_IRI + "dataset/" + slug(str(row["name_en"]).split(":")[0]))
    made = _new_iri(sheet, row, names, datasets)
    return URIRef(made) if made else None


def _check_cells(sheet: Sheet, row: Row, number: int, names: Names, issues: list[Issue]) -> None:
    _emit_row(sheet, row, number, BNode(), names, Graph(), issues)


def _term(column: Column, value: Any, names: Names) -> tuple[Node | None, str, str]:
    """One value of a cell as an RDF term, or None with the reason in zh and en."""
    kind = column.kind
    text = str(value).strip()
    if kind == "text":
        return Literal(text, lang=column.lang), "", ""
    if kind == "string":
        return Literal(text), "", ""
    if kind in ("int", "year"):
        if isinstance(value, bool) or not _INT.match(text if not isinstance(value, float)
                                                     or not value.is_integer()
                                                     else str(int(value))):
            return None, f"应为整数，实为“{text}”", f"expected a whole number, found '{text}'"
        number = int(float(text)) if isinstance(value, float) else int(text)
        if kind == "year":
            if not 1900 <= number <= 2100:
                return None, f"应为四位年份，实为“{text}”", \
                    f"expected a four-digit year, found '{text}'"
            return Literal(str(number), datatype=XSD.gYear), "", ""
        return Literal(str(number), datatype=XSD.integer), "", ""
    if kind == "number":
        literal = number_literal(text)
        if literal is None:
            return None, f"应为数字，实为“{text}”", f"expected a number, found '{text}'"
        return literal, "", ""
    if kind == "ref":
        iri, zh, en = names.ref(text)
        return iri, zh or "", en or ""
    if kind == "code":
        iri, zh, en = names.code_in(column.code_schemes(), text)
        return iri, zh or "", en or ""
    if kind == "scheme":
        iri, zh, en = names.scheme(text)
        return iri, zh or "", en or ""
    if kind == "choice":
        iri = expand(text)
        if iri not in column.choices:
            allowed = [compact(c) for c in column.choices]
            return None, f"“{text}”不可用（可选：{'、'.join(allowed)}）", \
                f"'{text}' is not allowed (choose one of: {', '.join(allowed)})"
        return iri, "", ""
    if kind == "part":
        iri, zh, en = names.part(text)
        return iri, zh or "", en or ""
    if kind == "type":
        iri = expand(text)
        if iri is None:
            return None, f"无法识别的类“{text}”", f"unknown class '{text}'"
        return iri, "", ""
    return None, "不支持的列", "unsupported column"


def _emit_row(sheet: Sheet, row: Row, number: int, subject: Node, names: Names, graph: Graph,
              issues: list[Issue]) -> None:
    if not any(c.kind == "type" for c in sheet.columns):
        graph.add((subject, RDF.type, sheet.classes[0]))
    for column in sheet.columns:
        if column.kind == "iri":
            continue
        values = values_of(row.get(column.key), column.multi)
        if not values:
            if column.required:
                issues.append(Issue(sheet.name, number, column.key, "必填列为空",
                                    "required column is empty"))
            continue
        if column.kind == "components":
            _emit_components(sheet, row, number, subject, graph, issues)
            continue
        for value in values:
            term, zh, en = _term(column, value, names)
            if term is None:
                issues.append(Issue(sheet.name, number, column.key, zh, en))
                continue
            graph.add((subject, column.predicate, term))
        if column.kind == "type" and not any(expand(str(v)) in sheet.classes for v in values):
            allowed = ", ".join(map(compact, sheet.classes))
            issues.append(Issue(sheet.name, number, column.key, f"本表的类型应含 {allowed} 之一",
                                f"this sheet's rows must have one of the types {allowed}"))
    if sheet is CLUSTER_LINKS:
        target = graph.value(subject, VET.linkSubject)
        cluster = graph.value(subject, VET.cluster)
        if target is not None and cluster is not None:
            graph.add((target, VET.servesCluster, cluster))
            graph.add((target, VET.qualifiedClusterLink, subject))


def _emit_components(sheet: Sheet, row: Row, number: int, dataset: Node, graph: Graph,
                     issues: list[Issue]) -> None:
    structure = URIRef(f"{dataset}/structure")
    _structure_head(graph, dataset, structure, row)
    for line in values_of(row.get("structure"), True):
        found = _COMPONENT.match(line)
        prop = expand(found.group(2)) if found else None
        if found is None or prop is None:
            issues.append(Issue(sheet.name, number, "structure",
                                f"无法读取“{line}”（应为：dimension vet:refSubject 1）",
                                f"cannot read '{line}' (expected: dimension vet:refSubject 1)"))
            continue
        component = BNode()
        graph.add((structure, QB.component, component))
        graph.add((component, QB[found.group(1)], prop))
        graph.add((component, QB.order, Literal(int(found.group(3)))))
        if found.group(4):
            graph.add((component, QB.componentRequired, Literal(found.group(4) == "required")))


def _structure_head(graph: Graph, dataset: Node, structure: URIRef, row: Row) -> None:
    graph.add((dataset, QB.structure, structure))
    graph.add((structure, RDF.type, QB.DataStructureDefinition))
    if row.get("name_zh"):
        graph.add((structure, RDFS.label, Literal(f"{row['name_zh']}：数据结构", lang="zh")))
    if row.get("name_en"):
        graph.add((structure, RDFS.label, Literal(f"Structure of {row['name_en']}", lang="en")))


def _default_structures(graph: Graph, observations: list[tuple[int, Row]]) -> None:
    """Data sets whose structure cell is empty get the usual one (as table 1.3.3's): a category
    dimension, base period and stated text when their observations have them."""
    for dataset in set(graph.subjects(RDF.type, QB.DataSet)):
        if graph.value(dataset, QB.structure) is not None:
            continue
        mine = [row for _, row in observations
                if names_dataset(row, dataset, graph)]
        dims = [VET.refSubject, SDMX_DIM.refPeriod, VET.indicator, VET.valueKind]
        if any(row.get("category") for row in mine):
            dims.append(VET.category)
        row = {"name_zh": _label(graph, dataset, "zh"), "name_en": _label(graph, dataset, "en")}
        structure = URIRef(f"{dataset}/structure")
        _structure_head(graph, dataset, structure, row)
        parts = [("dimension", d, False) for d in dims] + [
            ("measure", SDMX_MEASURE.obsValue, False), ("attribute", SDMX_ATTR.unitMeasure, True),
            ("attribute", SDMX_ATTR.obsStatus, True)]
        for key, prop in (("base_period", VET.basePeriod), ("stated_text_zh", VET.statedText)):
            if any(row.get(key) for row in mine):
                parts.append(("attribute", prop, False))
        for order, (role, prop, required) in enumerate(parts, start=1):
            component = BNode()
            graph.add((structure, QB.component, component))
            graph.add((component, QB[role], prop))
            graph.add((component, QB.order, Literal(order)))
            if required or prop in (VET.basePeriod, VET.statedText):
                graph.add((component, QB.componentRequired, Literal(required)))


def names_dataset(row: Row, dataset: Node, graph: Graph) -> bool:
    cell = str(row.get("dataset") or "")
    return cell == str(dataset) or any(cell == str(o) for o in graph.objects(dataset, RDFS.label))


def _label(graph: Graph, node: Node, lang: str) -> str | None:
    return next((str(o) for o in graph.objects(node, RDFS.label) if o.language == lang), None)


def _emit_party(row: Row, number: int, names: Names, graph: Graph, issues: list[Issue]) -> None:
    found: dict[str, list[Node]] = {}
    for column in PARTIES.columns:
        values = values_of(row.get(column.key), column.multi)
        if not values and column.required:
            issues.append(Issue(PARTIES.name, number, column.key, "必填列为空",
                                "required column is empty"))
        found[column.key] = []
        for value in values:
            term, zh, en = _term(column, value, names)
            if term is None:
                issues.append(Issue(PARTIES.name, number, column.key, zh, en))
            else:
                found[column.key].append(term)
    if not (found["agreement"] and found["party"] and found["roles"]):
        return
    agreement, agent = found["agreement"][0], found["party"][0]
    association = BNode()
    graph.add((agreement, PROV.qualifiedAssociation, association))
    graph.add((agreement, PROV.wasAssociatedWith, agent))
    graph.add((association, RDF.type, PROV.Association))
    graph.add((association, PROV.agent, agent))
    for role in found["roles"]:
        graph.add((association, PROV.hadRole, role))

"""Human documentation of the ontology and of the SHACL shapes, generated from their graphs.

The ontology page documents every class and property (labels, comments, hierarchy, domains and
ranges, which properties apply to a class); the shapes page states every rule in plain words in
Chinese or English (``at least 1 value``, ``each value is a School`` ...), with its message.
Rendering needs nothing but the graphs, so it works offline (no pyLODE, no network).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from ..config import BASE_IRI
from ..linked import jsonld as ld_jsonld
from ..namespaces import DCTERMS, VANN, VET
from .entity import Labels


def _text(g: Graph, node: Node, prop: URIRef, lang: str) -> str | None:
    """A literal of ``node`` in ``lang``, else in the other language, else untagged."""
    found: dict[str, str] = {}
    for value in g.objects(node, prop):
        if isinstance(value, Literal):
            found.setdefault((value.language or "").split("-")[0], str(value))
    other = "en" if lang == "zh" else "zh"
    for choice in (lang, other, ""):
        if choice in found:
            return found[choice]
    return next(iter(found.values()), None)


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@dataclass
class Ref:
    """A term shown as a link with its label."""

    iri: str
    label: str
    anchor: str | None = None  # set when the term is documented on the same page


def _members(g: Graph, node: Node) -> list[Node]:
    """The classes a domain/range names: itself, or the members of an owl:unionOf."""
    if isinstance(node, BNode):
        union = g.value(node, OWL.unionOf)
        if union is not None:
            return list(Collection(g, union))
    return [node]


# --- ontology ------------------------------------------------------------------------------------


@dataclass
class TermDoc:
    iri: str
    anchor: str
    label: str
    other_label: str | None
    comment: str | None
    kinds: list[Ref] = field(default_factory=list)
    parents: list[Ref] = field(default_factory=list)
    children: list[Ref] = field(default_factory=list)
    domain: list[Ref] = field(default_factory=list)
    range: list[Ref] = field(default_factory=list)
    applies: list[Ref] = field(default_factory=list)  # classes: properties with it as domain
    targets: list[Ref] = field(default_factory=list)  # classes: properties with it as range


@dataclass
class OntologyDoc:
    iri: str
    title: str | None
    description: str | None
    comment: str | None
    version: str | None
    license: str | None
    created: str | None
    namespace: str | None
    prefix: str | None
    classes: list[TermDoc]
    properties: list[TermDoc]
    reused: list[TermDoc]


def ontology_doc(g: Graph, labels: Labels, lang: str) -> OntologyDoc:
    """Every class and property of the ontology graph, ready for ``ontology.html``."""
    onto = next(iter(g.subjects(RDF.type, OWL.Ontology)), None)
    namespace = VET
    documented = {
        str(s) for s in g.subjects(RDFS.isDefinedBy, None) if str(s).startswith(namespace)
    } | {str(s) for s in g.subjects(RDF.type, None)
         if isinstance(s, URIRef) and str(s).startswith(namespace)}

    def ref(node: Node) -> Ref:
        iri = str(node)
        anchor = _local(iri) if iri in documented else None
        return Ref(iri, labels.text(iri, lang), anchor)

    def refs(nodes: Any) -> list[Ref]:
        out: dict[str, Ref] = {}
        for node in nodes:
            for member in _members(g, node):
                if isinstance(member, URIRef):
                    out.setdefault(str(member), ref(member))
        return sorted(out.values(), key=lambda r: r.label.lower())

    other = "en" if lang == "zh" else "zh"

    def term(iri: URIRef) -> TermDoc:
        label_here = _text(g, iri, RDFS.label, lang) or _local(str(iri))
        label_other = None
        for value in g.objects(iri, RDFS.label):
            if isinstance(value, Literal) and (value.language or "").startswith(other):
                label_other = str(value)
        kinds = [ref(k) for k in sorted(g.objects(iri, RDF.type)) if isinstance(k, URIRef)]
        return TermDoc(
            iri=str(iri), anchor=_local(str(iri)), label=label_here, other_label=label_other,
            comment=_text(g, iri, RDFS.comment, lang), kinds=kinds,
        )

    class_iris = sorted({s for s in g.subjects(RDF.type, OWL.Class)
                         if isinstance(s, URIRef) and str(s).startswith(namespace)})
    property_types = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                      RDF.Property)
    prop_iris = sorted({s for t in property_types for s in g.subjects(RDF.type, t)
                        if isinstance(s, URIRef) and str(s).startswith(namespace)})
    applies: dict[str, list[Node]] = defaultdict(list)
    targets: dict[str, list[Node]] = defaultdict(list)
    for p in prop_iris:
        for d in g.objects(p, RDFS.domain):
            for member in _members(g, d):
                applies[str(member)].append(p)
        for r in g.objects(p, RDFS.range):
            for member in _members(g, r):
                targets[str(member)].append(p)

    classes = []
    for c in class_iris:
        doc = term(c)
        doc.parents = refs(g.objects(c, RDFS.subClassOf))
        doc.children = refs(g.subjects(RDFS.subClassOf, c))
        doc.applies = refs(applies.get(str(c), []))
        doc.targets = refs(targets.get(str(c), []))
        classes.append(doc)
    properties = []
    for p in prop_iris:
        doc = term(p)
        doc.parents = refs(g.objects(p, RDFS.subPropertyOf))
        doc.children = refs(g.subjects(RDFS.subPropertyOf, p))
        doc.domain = refs(g.objects(p, RDFS.domain))
        doc.range = refs(g.objects(p, RDFS.range))
        properties.append(doc)
    reused = []
    for s in sorted({s for s in g.subjects(RDFS.label, None) if isinstance(s, URIRef)}):
        if str(s).startswith(namespace) or s == onto:
            continue
        doc = term(s)
        doc.anchor = ld_jsonld.compact_iri(str(s)).replace(":", "-")
        reused.append(doc)
    classes.sort(key=lambda d: d.anchor.lower())
    properties.sort(key=lambda d: d.anchor.lower())

    def meta(prop: str) -> str | None:
        if onto is None:
            return None
        return _text(g, onto, URIRef(prop), lang) or (
            str(next(iter(g.objects(onto, URIRef(prop))), "")) or None
        )

    return OntologyDoc(
        iri=str(onto) if onto is not None else BASE_IRI + "ontology",
        title=meta(DCTERMS + "title"), description=meta(DCTERMS + "description"),
        comment=meta(str(RDFS.comment)), version=meta(str(OWL.versionInfo)),
        license=meta(DCTERMS + "license"), created=meta(DCTERMS + "created"),
        namespace=meta(VANN + "preferredNamespaceUri"),
        prefix=meta(VANN + "preferredNamespacePrefix"),
        classes=classes, properties=properties, reused=reused,
    )


# --- shapes ------------------------------------------------------------------------------------

WORDS: dict[str, dict[str, str]] = {
    "min": {"zh": "至少 {n} 个值", "en": "at least {n} value(s)"},
    "max": {"zh": "至多 {n} 个值", "en": "at most {n} value(s)"},
    "exactly": {"zh": "恰好 {n} 个值", "en": "exactly {n} value(s)"},
    "none": {"zh": "不得有值", "en": "no value allowed"},
    "class": {"zh": "每个值都是 {x}", "en": "each value is a {x}"},
    "datatype": {"zh": "每个值的数据类型为 {x}", "en": "each value is a {x} literal"},
    "nodeKind": {"zh": "每个值都是 {x}", "en": "each value is {x}"},
    "pattern": {"zh": "须匹配正则表达式 {x}", "en": "matches the pattern {x}"},
    "languageIn": {"zh": "语言须为 {x}", "en": "in language {x}"},
    "uniqueLang": {"zh": "每种语言至多一个值", "en": "at most one value per language"},
    "qualified": {"zh": "{what}：{count}", "en": "{what}: {count}"},
    "or": {"zh": "满足以下之一：{x}", "en": "one of: {x}"},
    "node": {"zh": "符合约束 {x}", "en": "conforms to {x}"},
    "in": {"zh": "取值为 {x} 之一", "en": "one of the values {x}"},
    "minInclusive": {"zh": "不小于 {x}", "en": "at least {x}"},
    "maxInclusive": {"zh": "不大于 {x}", "en": "at most {x}"},
    "hasValue": {"zh": "须含值 {x}", "en": "has the value {x}"},
    "targetClass": {"zh": "适用于每个 {x}", "en": "applies to every {x}"},
    "targetSubjectsOf": {"zh": "适用于有属性 {x} 的每个资源",
                         "en": "applies to everything that has {x}"},
    "targetObjectsOf": {"zh": "适用于属性 {x} 的每个值", "en": "applies to every value of {x}"},
    "sparqlTarget": {"zh": "适用于 SPARQL 查询选出的资源",
                     "en": "applies to what a SPARQL query selects"},
    "sparql": {"zh": "由 SPARQL 查询检查", "en": "checked by a SPARQL query"},
    "or_words": {"zh": " 或 ", "en": " or "},
    "iri": {"zh": "IRI", "en": "an IRI"},
    "literal": {"zh": "字面量", "en": "a literal"},
    "bnode": {"zh": "空白节点", "en": "a blank node"},
    "this_iri": {"zh": "资源本身的 IRI 须匹配 {x}", "en": "the resource's own IRI matches {x}"},
    "this_kind": {"zh": "资源本身是 {x}", "en": "the resource itself is {x}"},
    "violation": {"zh": "违规（阻止构建）", "en": "violation (stops a build)"},
    "warning": {"zh": "警告", "en": "warning"},
    "info": {"zh": "提示", "en": "info"},
}
NODE_KINDS = {"IRI": "iri", "Literal": "literal", "BlankNode": "bnode"}


@dataclass
class PropertyRule:
    path: str
    path_refs: list[Ref]
    name: str | None
    rules: list[str]
    message: str | None


@dataclass
class ShapeDoc:
    iri: str
    anchor: str
    label: str | None
    comment: str | None
    severity: str
    targets: list[str]
    rules: list[str]
    properties: list[PropertyRule]
    sparql: list[tuple[str | None, str]]  # (message, query text)
    message: str | None
    used_by: list[Ref] = field(default_factory=list)


@dataclass
class ShapesDoc:
    iri: str
    label: str | None
    shapes: list[ShapeDoc]


def shapes_doc(g: Graph, labels: Labels, lang: str) -> ShapesDoc:
    """Every named node shape of the shapes graph with its rules in plain words."""

    def w(key: str, **values: Any) -> str:
        return WORDS[key][lang].format(**values)

    def name(node: Node) -> str:
        if isinstance(node, URIRef):
            text = labels.get(str(node), lang)
            compact = ld_jsonld.compact_iri(str(node))
            return f"{text} ({compact})" if text else compact
        return str(node)

    shape_iris = sorted({s for s in g.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)})
    anchors = {str(s): _local(str(s)) for s in shape_iris}

    def shape_name(node: Node) -> str:
        return anchors.get(str(node), name(node))

    def path_of(node: Node) -> tuple[str, list[Ref]]:
        if isinstance(node, URIRef):
            return name(node), [Ref(str(node), labels.text(str(node), lang))]
        alternatives = g.value(node, SH.alternativePath)
        if alternatives is not None:
            members = list(Collection(g, alternatives))
            return w("or_words").join(name(m) for m in members), [
                Ref(str(m), labels.text(str(m), lang)) for m in members
            ]
        inverse = g.value(node, SH.inversePath)
        if inverse is not None:
            return "^" + name(inverse), [Ref(str(inverse), labels.text(str(inverse), lang))]
        return str(node), []

    def constraint_words(node: Node, own_iri: bool = False) -> list[str]:
        """The constraints on ``node`` (a shape or a property shape) as sentences; on a node
        shape (``own_iri``) a pattern constrains the resource's own IRI."""
        out: list[str] = []
        low = g.value(node, SH.minCount)
        high = g.value(node, SH.maxCount)
        if low is not None and high is not None and int(low) == int(high):
            out.append(w("exactly", n=int(low)))
        else:
            if low is not None and int(low) > 0:
                out.append(w("min", n=int(low)))
            if high is not None:
                out.append(w("none") if int(high) == 0 else w("max", n=int(high)))
        for c in g.objects(node, SH["class"]):
            out.append(w("class", x=name(c)))
        for d in g.objects(node, SH.datatype):
            out.append(w("datatype", x=ld_jsonld.compact_iri(str(d))))
        for k in g.objects(node, SH.nodeKind):
            kind = w(NODE_KINDS.get(_local(str(k)), "iri"))
            out.append(w("this_kind", x=kind) if own_iri else w("nodeKind", x=kind))
        for p in g.objects(node, SH.pattern):
            out.append(w("this_iri" if own_iri else "pattern", x=f"“{p}”"))
        for langs in g.objects(node, SH.languageIn):
            out.append(w("languageIn", x=", ".join(str(x) for x in Collection(g, langs))))
        if g.value(node, SH.uniqueLang) == Literal(True):
            out.append(w("uniqueLang"))
        for key in ("minInclusive", "maxInclusive", "hasValue"):
            for v in g.objects(node, SH[key]):
                out.append(w(key, x=name(v) if isinstance(v, URIRef) else str(v)))
        for values in g.objects(node, SH["in"]):
            out.append(w("in", x=", ".join(name(v) for v in Collection(g, values))))
        for shape in g.objects(node, SH.node):
            out.append(w("node", x=shape_name(shape)))
        qualified = g.value(node, SH.qualifiedValueShape)
        if qualified is not None:
            what = "; ".join(constraint_words(qualified)) or shape_name(qualified)
            qlow, qhigh = g.value(node, SH.qualifiedMinCount), g.value(node, SH.qualifiedMaxCount)
            if qlow is not None and qhigh is not None and int(qlow) == int(qhigh):
                count = w("exactly", n=int(qlow))
            else:
                parts = []
                if qlow is not None:
                    parts.append(w("min", n=int(qlow)))
                if qhigh is not None:
                    parts.append(w("max", n=int(qhigh)))
                count = ", ".join(parts)
            out.append(w("qualified", what=what, count=count))
        for alternatives in g.objects(node, SH["or"]):
            options = []
            for option in Collection(g, alternatives):
                words = constraint_words(option)
                opath = g.value(option, SH.path)
                prefix = f"{path_of(opath)[0]}: " if opath is not None else ""
                options.append(prefix + ("; ".join(words) or shape_name(option)))
            out.append(w("or", x=w("or_words").join(f"({o})" for o in options)))
        return out

    def message(node: Node) -> str | None:
        return _text(g, node, SH.message, lang)

    docs = []
    for s in shape_iris:
        severity = g.value(s, SH.severity)
        sev_key = _local(str(severity)).lower() if severity is not None else "violation"
        targets = []
        for key in ("targetClass", "targetSubjectsOf", "targetObjectsOf"):
            for t in g.objects(s, SH[key]):
                targets.append(w(key, x=name(t)))
        for t in g.objects(s, SH.target):
            if (t, RDF.type, SH.SPARQLTarget) in g:
                targets.append(w("sparqlTarget"))
        rules = constraint_words(s, own_iri=True)
        properties = []
        for ps in g.objects(s, SH.property):
            path_node = g.value(ps, SH.path)
            path, path_refs = path_of(path_node) if path_node is not None else ("", [])
            properties.append(PropertyRule(
                path=path, path_refs=path_refs, name=_text(g, ps, SH.name, lang),
                rules=constraint_words(ps), message=message(ps),
            ))
        properties.sort(key=lambda r: r.path)
        sparql = []
        for c in g.objects(s, SH.sparql):
            select = g.value(c, SH.select)
            sparql.append((message(c), str(select).strip() if select else ""))
        docs.append(ShapeDoc(
            iri=str(s), anchor=anchors[str(s)], label=_text(g, s, RDFS.label, lang),
            comment=_text(g, s, RDFS.comment, lang), severity=w(sev_key) if sev_key in WORDS
            else sev_key, targets=targets, rules=rules, properties=properties, sparql=sparql,
            message=message(s),
        ))
    used: dict[str, list[Ref]] = defaultdict(list)
    for doc in docs:
        for other in g.objects(URIRef(doc.iri), SH.node):
            if str(other) in anchors:
                used[str(other)].append(Ref(doc.iri, doc.anchor, doc.anchor))
    for doc in docs:
        doc.used_by = used.get(doc.iri, [])
    onto = next(iter(g.subjects(RDF.type, OWL.Ontology)), None)
    return ShapesDoc(
        iri=str(onto) if onto is not None else BASE_IRI + "shapes",
        label=_text(g, onto, RDFS.label, lang) if onto is not None else None,
        shapes=docs,
    )


__all__ = ["OntologyDoc", "ShapesDoc", "XSD", "ontology_doc", "shapes_doc"]

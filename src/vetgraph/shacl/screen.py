"""Core SHACL screened with set-based SPARQL on Oxigraph, so pyshacl only sees what fails.

pyshacl walks every focus node in Python over an rdflib graph: at a thousand schools (hundreds
of thousands of observations) building that graph and walking it takes minutes. Here each
constraint of a shape with targets is compiled to a SPARQL pattern that holds exactly when a
focus node violates it, and one query per shape returns the focus nodes that fail::

    SELECT DISTINCT ?this WHERE { { <target> <fails 1> } UNION { <target> <fails 2> } … }

(The target is repeated in each branch so that the engine plans each join whole; a
``FILTER EXISTS`` per focus node is many times slower on Oxigraph.)

Only those nodes, with the part of the data their validation reads (:func:`neighbourhood`),
go to pyshacl (see ``vetgraph.shacl.validate``), which writes the report: messages, paths and
source shapes are its own. A clean data set never builds an rdflib copy of the data at all.

Compiled components: ``sh:class``, ``sh:datatype`` (lexical forms of the XSD types the project
uses are checked by regular expression), ``sh:nodeKind``, ``sh:pattern``/``sh:flags``,
``sh:min/maxInclusive``, ``sh:min/maxExclusive``, ``sh:min/maxLength``, ``sh:languageIn``,
``sh:in``, ``sh:uniqueLang``, ``sh:min/maxCount`` (up to 4), ``sh:qualifiedValueShape`` with
its counts, ``sh:node``, ``sh:property``, ``sh:and``, ``sh:or``, ``sh:not``; predicate,
sequence and alternative paths; targets by class (with ``rdfs:subClassOf*``), node, subjects
of and objects of. Anything else raises :class:`Unsupported` and the caller gives the whole
data to pyshacl, as before: slower, never different.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from ..store.base import to_oxigraph, to_rdflib

#: Predicates of a shape that check nothing themselves (or are read with another one).
_PASSIVE = {
    RDF.type, RDFS.label, RDFS.comment, RDFS.seeAlso, OWL.imports, SH.name, SH.description,
    SH.message, SH.severity, SH.order, SH.group, SH.defaultValue, SH.targetClass, SH.targetNode,
    SH.targetSubjectsOf, SH.targetObjectsOf, SH.deactivated, SH.flags, SH.path,
    SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.declare, SH.prefixes,
}
_LIMIT = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
_NODE_KINDS = {
    SH.IRI: "isIRI({x})",
    SH.BlankNode: "isBlank({x})",
    SH.Literal: "isLiteral({x})",
    SH.BlankNodeOrIRI: "(isBlank({x}) || isIRI({x}))",
    SH.BlankNodeOrLiteral: "(isBlank({x}) || isLiteral({x}))",
    SH.IRIOrLiteral: "(isIRI({x}) || isLiteral({x}))",
}
#: Lexical forms (XML Schema 1.1) of the datatypes the sources use; rdflib calls a literal
#: outside its form ill-typed and pyshacl's sh:datatype then fails it.
_LEXICAL = {
    XSD.integer: r"^[+-]?[0-9]+$",
    XSD.decimal: r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$",
    XSD.gYear: r"^-?([1-9][0-9]{3,}|0[0-9]{3})(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?$",
    XSD.date: r"^-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
              r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?$",
    XSD.boolean: r"^(true|false|1|0)$",
    XSD.string: None,
    XSD.anyURI: None,
    RDF.langString: None,
}
_MAX_COUNTED = 4


class Unsupported(Exception):
    """A shape uses something this module does not compile."""


def _sparql(term: Node) -> str:
    return str(to_oxigraph(term)) if not isinstance(term, BNode) else _unsupported(term)


def _unsupported(what: object) -> str:
    raise Unsupported(str(what))


def _string(text: str) -> str:
    return str(ox.Literal(text))


def _union(patterns: list[str]) -> str:
    return " UNION ".join(f"{{ {p} }}" for p in patterns)


class Compiler:
    """Turns shapes into "this node fails" patterns, with fresh variables for each use."""

    def __init__(self, shapes: Graph):
        self.shapes = shapes
        self._names = itertools.count(1)

    def var(self) -> str:
        return f"?v{next(self._names)}"

    def _list(self, node: Node) -> list[Node]:
        return list(Collection(self.shapes, node))

    def path(self, path: Node) -> str:
        """A SHACL path in SPARQL (predicates, sequences and alternatives only)."""
        if isinstance(path, URIRef):
            return _sparql(path)
        if (path, RDF.first, None) in self.shapes:
            return "/".join(self.path(p) for p in self._list(path))
        alternatives = self.shapes.value(path, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(p) for p in self._list(alternatives)) + ")"
        raise Unsupported(f"path {path}")

    def fails(self, shape: Node, x: str) -> list[str]:
        """Patterns, one per constraint, each true exactly when ``x`` violates it."""
        if Literal(True) in self.shapes.objects(shape, SH.deactivated):
            return []
        if (shape, SH.path, None) in self.shapes:
            return self._property_fails(shape, x)
        return self._value_fails(shape, x)

    def _value_fails(self, shape: Node, x: str, nested: bool = True) -> list[str]:
        """Constraints on the node itself (a focus node or one value node of a property);
        without ``nested``, not those of its sh:property, sh:node and sh:and shapes."""
        out: list[str] = []
        g = self.shapes
        for p, o in g.predicate_objects(shape):
            if p in _PASSIVE or p in (SH.minCount, SH.maxCount, SH.uniqueLang,
                                      SH.qualifiedValueShape, SH.property):
                continue
            if not nested and p in (SH.node, SH["and"]):
                continue
            if p == SH["class"]:
                out.append(f"FILTER NOT EXISTS {{ {x} {_sparql(RDF.type)}/"
                           f"{_sparql(RDFS.subClassOf)}* {_sparql(o)} }}")
            elif p == SH.datatype:
                out.append(f"FILTER(!{self._datatype_ok(x, o)})")
            elif p == SH.nodeKind:
                kind = _NODE_KINDS.get(o) or _unsupported(f"sh:nodeKind {o}")
                out.append(f"FILTER(!{kind.format(x=x)})")
            elif p == SH.pattern:
                flags = g.value(shape, SH.flags)
                args = _string(str(o)) + (f", {_string(str(flags))}" if flags else "")
                out.append(f"FILTER(isBlank({x}) || !REGEX(STR({x}), {args}))")
            elif p in _LIMIT:
                out.append(f"FILTER(!COALESCE({x} {_LIMIT[p]} {_sparql(o)}, false))")
            elif p in (SH.minLength, SH.maxLength):
                op = ">=" if p == SH.minLength else "<="
                out.append(f"FILTER(isBlank({x}) || !COALESCE(STRLEN(STR({x})) {op} {int(o)}, "
                           "false))")
            elif p == SH.languageIn:
                tests = " || ".join(f"langMatches(LANG({x}), {_string(str(t))})"
                                    for t in self._list(o))
                out.append(f"FILTER(!COALESCE({tests or 'false'}, false))")
            elif p == SH["in"]:
                tests = " || ".join(f"sameTerm({x}, {_sparql(t)})" for t in self._list(o))
                out.append(f"FILTER(!({tests or 'false'}))")
            elif p == SH.node:
                out.extend(self.fails(o, x))
            elif p == SH["and"]:
                for member in self._list(o):
                    out.extend(self.fails(member, x))
            elif p == SH["or"]:
                branches = [self.fails(member, x) for member in self._list(o)]
                if all(branches):
                    out.append("FILTER(" + " && ".join(
                        f"EXISTS {{ {_union(b)} }}" for b in branches) + ")")
            elif p == SH["not"]:
                inner = self.fails(o, x)
                out.append(f"FILTER NOT EXISTS {{ {_union(inner)} }}" if inner else "")
            else:
                raise Unsupported(f"{p} on {shape}")
        for prop in g.objects(shape, SH.property) if nested else ():
            out.extend(self.fails(prop, x))
        return [p for p in out if p]

    def _property_fails(self, shape: Node, x: str) -> list[str]:
        path = self.path(self.shapes.value(shape, SH.path))
        low, high = self.counts(shape)
        out: list[str] = []
        if low:
            out.append(f"FILTER NOT EXISTS {{ {self._distinct_values(x, path, low)} }}")
        if high is not None:
            out.append(self._distinct_values(x, path, high + 1))
        out += self.other_property_fails(shape, x)
        value = self.var()
        for check in self._value_fails(shape, value):
            out.append(f"{x} {path} {value} . {check}")
        return out

    def counts(self, shape: Node) -> tuple[int, int | None]:
        """A property shape's sh:minCount (0 if none) and sh:maxCount (None if none)."""
        low, high = self.shapes.value(shape, SH.minCount), self.shapes.value(shape, SH.maxCount)
        return (int(low) if low is not None else 0), (int(high) if high is not None else None)

    def other_property_fails(self, shape: Node, x: str) -> list[str]:
        """A property shape's constraints on its values together: sh:uniqueLang and
        qualified counts."""
        g = self.shapes
        path = self.path(g.value(shape, SH.path))
        out: list[str] = []
        if Literal(True) in g.objects(shape, SH.uniqueLang):
            a, b = self.var(), self.var()
            out.append(f"{x} {path} {a} , {b} . FILTER(!sameTerm({a}, {b}) && LANG({a}) != \"\" "
                       f"&& LCASE(LANG({a})) = LCASE(LANG({b})))")
        for qualified in g.objects(shape, SH.qualifiedValueShape):
            if Literal(True) in g.objects(shape, SH.qualifiedValueShapesDisjoint):
                raise Unsupported(f"sh:qualifiedValueShapesDisjoint on {shape}")
            q_low = g.value(shape, SH.qualifiedMinCount)
            q_high = g.value(shape, SH.qualifiedMaxCount)
            if q_low is not None and int(q_low) > 0:
                out.append("FILTER NOT EXISTS { "
                           + self._distinct_values(x, path, int(q_low), qualified) + " }")
            if q_high is not None:
                out.append(self._distinct_values(x, path, int(q_high) + 1, qualified))
        return out

    def value_fails(self, shape: Node, value: str) -> list[str]:
        """A property shape's constraints on each value alone, as patterns on ``value``."""
        return self._value_fails(shape, value)

    def node_fails(self, shape: Node, x: str) -> list[str]:
        """A node shape's constraints on the node itself, not those of its nested shapes."""
        return self._value_fails(shape, x, nested=False)

    def split(self, shape: Node) -> tuple[list[Node], list[Node]]:
        """The node shapes and the property shapes that apply to a focus node of ``shape``
        itself: ``shape`` and what it reaches through sh:node, sh:and and sh:property."""
        g = self.shapes
        nodes: list[Node] = []
        properties: list[Node] = []
        seen: set[Node] = set()

        def walk(s: Node) -> None:
            if s in seen or Literal(True) in g.objects(s, SH.deactivated):
                return
            seen.add(s)
            if (s, SH.path, None) in g:
                properties.append(s)
                return
            nodes.append(s)
            for nested in [*g.objects(s, SH.property), *g.objects(s, SH.node)]:
                walk(nested)
            for members in g.objects(s, SH["and"]):
                for member in self._list(members):
                    walk(member)

        walk(shape)
        return nodes, properties

    def _distinct_values(self, x: str, path: str, n: int, conforming: Node | None = None) -> str:
        """``x`` has ``n`` distinct values on ``path`` (each conforming to a shape, if given)."""
        if n > _MAX_COUNTED:
            raise Unsupported(f"a count of {n}")
        names = [self.var() for _ in range(n)]
        parts = [f"{x} {path} {v} ." for v in names]
        if conforming is not None:
            for v in names:
                inner = self.fails(conforming, v)
                if inner:
                    parts.append(f"FILTER NOT EXISTS {{ {_union(inner)} }}")
        distinct = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(names, 2)]
        if distinct:
            parts.append(f"FILTER({' && '.join(distinct)})")
        return " ".join(parts)

    def _datatype_ok(self, x: str, datatype: Node) -> str:
        if datatype not in _LEXICAL:
            raise Unsupported(f"sh:datatype {datatype}")
        test = f"isLiteral({x}) && sameTerm(DATATYPE({x}), {_sparql(datatype)})"
        form = _LEXICAL[datatype]
        if form is not None:
            test += f" && REGEX(STR({x}), {_string(form)})"
        return f"({test})"


def target_patterns(shapes: Graph, shape: Node, nodes: bool = True) -> list[str]:
    """Patterns binding ``?this`` to the shape's focus nodes, one per target; ``nodes``: with
    its sh:targetNode as a ``VALUES`` block. Raises :class:`Unsupported` for sh:target."""
    if (shape, SH.target, None) in shapes:
        raise Unsupported(f"sh:target on {shape}")
    found = []
    classes = list(shapes.objects(shape, SH.targetClass))
    if any((shape, RDF.type, k) in shapes for k in (RDFS.Class, OWL.Class)):
        classes.append(shape)
    for c in classes:
        found.append(f"?this {_sparql(RDF.type)}/{_sparql(RDFS.subClassOf)}* {_sparql(c)}")
    listed = [_sparql(n) for n in shapes.objects(shape, SH.targetNode)]
    if listed and nodes:
        found.append(f"VALUES ?this {{ {' '.join(listed)} }}")
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        found.append(f"?this {_sparql(p)} ?targetObject")
    for p in shapes.objects(shape, SH.targetObjectsOf):
        found.append(f"?targetSubject {_sparql(p)} ?this")
    return found


def shapes_with_targets(shapes: Graph) -> list[Node]:
    """Every shape with a target, in a stable order."""
    found = {
        s for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
                    SH.target)
        for s in shapes.subjects(p, None)
    }
    found |= {
        s for k in (RDFS.Class, OWL.Class) for s in shapes.subjects(RDF.type, k)
        if (s, RDF.type, SH.NodeShape) in shapes or (s, RDF.type, SH.PropertyShape) in shapes
    }
    return sorted(found, key=str)


#: A shape with more focus nodes than this has its property constraints checked a predicate
#: at a time, on the predicate's triples as a whole, each distinct value once. (Per focus
#: node, each constraint costs a few lookups: at 1,000 schools the 325,000 observations took
#: 100 s that way.)
LARGE_TARGET = 20_000
#: Distinct values checked per query.
_VALUES_CHUNK = 5_000


def failing_focus_nodes(store: ox.Store, shapes: Graph) -> dict[Node, set[Node]]:
    """Each shape with the focus nodes that violate one of its core constraints (shapes
    with none are left out). Raises :class:`Unsupported`.

    The store holds data, codes and ontology in its default graph.
    """
    compiler = Compiler(shapes)
    found: dict[Node, set[Node]] = {}
    for shape in shapes_with_targets(shapes):
        fails = compiler.fails(shape, "?this")
        if not fails:
            continue
        targets = target_patterns(shapes, shape)
        if _count(store, "DISTINCT ?this", _union(targets)) > LARGE_TARGET:
            nodes = _failing_by_predicate(store, compiler, shape, targets)
        else:
            nodes = _failing(store, targets, fails)
        if nodes:
            found[shape] = {to_rdflib(n) for n in nodes}
    return found


def _count(store: ox.Store, what: str, pattern: str) -> int:
    (row,) = store.query(f"SELECT (COUNT({what}) AS ?n) WHERE {{ {pattern} }}")
    return int(row["n"].value)


def _some_subject_repeats(store: ox.Store, predicate: str) -> bool:
    """Whether a subject has two values of ``predicate``: its triples outnumber its subjects
    (both counted in one pass over them, not one each)."""
    query = f"SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?d) WHERE {{ ?s {predicate} ?o }}"
    (row,) = store.query(query)
    return int(row["n"].value) != int(row["d"].value)


def _failing(store: ox.Store, targets: list[str], fails: list[str]) -> set:
    """Focus nodes (of any of ``targets``) for which one of ``fails`` holds: one query."""
    nodes: set = set()
    for target in targets if fails else ():
        branches = [f"{target} . {fail}" for fail in fails]
        query = f"SELECT DISTINCT ?this WHERE {{ {_union(branches)} }}"
        nodes.update(row["this"] for row in store.query(query))
    return nodes


def _failing_by_predicate(
    store: ox.Store, compiler: Compiler, shape: Node, targets: list[str]
) -> set:
    """:func:`failing_focus_nodes` for one shape with many focus nodes (see LARGE_TARGET):
    a value is checked once however many focus nodes have it, and counts above the maximum
    are found by grouping the predicate's triples, not by a lookup per focus node."""
    node_shapes, properties = compiler.split(shape)
    fails = [f for s in node_shapes for f in compiler.node_fails(s, "?this")]
    missing = []  # sh:minCount 1, all tested in one pass over the focus nodes
    for prop in properties:
        path = compiler.shapes.value(prop, SH.path)
        low, high = compiler.counts(prop)
        if not isinstance(path, URIRef) or low > 1:
            fails += compiler.fails(prop, "?this")
            continue
        predicate = _sparql(path)
        if low:
            missing.append(f"NOT EXISTS {{ ?this {predicate} {compiler.var()} }}")
        fails += compiler.other_property_fails(prop, "?this")
        value = compiler.var()
        checks = compiler.value_fails(prop, value)
        bad = _failing_values(store, predicate, value, checks)
        if bad is None:  # blank-node values: not allowed in VALUES
            fails += [f"?this {predicate} {value} . {check}" for check in checks]
        elif bad:
            fails.append(f"VALUES {value} {{ {' '.join(map(str, bad))} }} "
                         f"?this {predicate} {value} .")
        if high is not None and (high != 1 or _some_subject_repeats(store, predicate)):
            grouped = (f"SELECT ?this WHERE {{ ?this {predicate} ?o }} GROUP BY ?this "
                       f"HAVING (COUNT(?o) > {high})")
            fails.append(f"{{ {grouped} }}")
    if missing:
        fails.append(f"FILTER({' || '.join(missing)})")
    return _failing(store, targets, fails)


def _failing_values(store: ox.Store, predicate: str, value: str, checks: list[str]) -> set | None:
    """The distinct objects of ``predicate`` (of any subject) that fail one of ``checks``;
    None if some object is a blank node."""
    if not checks:
        return set()
    query = f"SELECT DISTINCT ?o WHERE {{ ?s {predicate} ?o }}"
    distinct = [row["o"] for row in store.query(query)]
    if any(isinstance(v, ox.BlankNode) for v in distinct):
        return None
    bad: set = set()
    for start in range(0, len(distinct), _VALUES_CHUNK):
        chunk = " ".join(str(v) for v in distinct[start:start + _VALUES_CHUNK])
        for check in checks:  # in the group of the VALUES: a FILTER sees only its group
            query = f"SELECT DISTINCT {value} WHERE {{ VALUES {value} {{ {chunk} }} {check} }}"
            bad.update(row[value[1:]] for row in store.query(query))
    return bad


def reach(shapes: Graph) -> int:
    """How many steps from a focus node validation may read: the deepest chain of paths
    through sh:property, sh:node, sh:or … plus one for the class of the last value."""

    def depth(shape: Node, seen: frozenset) -> int:
        if shape in seen:
            return 0
        seen = seen | {shape}
        steps = 0
        path = shapes.value(shape, SH.path)
        if path is not None:
            steps = len(list(Collection(shapes, path))) if (path, RDF.first, None) in shapes \
                else 1
        nested = [o for p in (SH.node, SH.property, SH.qualifiedValueShape, SH["not"])
                  for o in shapes.objects(shape, p)]
        for p in (SH["or"], SH["and"], SH.xone):
            for lst in shapes.objects(shape, p):
                nested.extend(Collection(shapes, lst))
        return steps + max((depth(n, seen) for n in nested), default=0)

    return 1 + max((depth(s, frozenset()) for s in shapes_with_targets(shapes)), default=0)


def neighbourhood(
    store: ox.Store, nodes: Iterable[Node], steps: int, prefixes: dict[str, str] | None = None
) -> Graph:
    """What validating ``nodes`` can read: triples ``steps`` links out from them (blank
    nodes followed to the end), and the types and labels of the last nodes reached."""
    graph = Graph()
    for prefix, namespace in (prefixes or {}).items():
        graph.bind(prefix, namespace, override=False)
    frontier = {to_oxigraph(n) for n in nodes}
    seen: set = set()
    for step in range(steps + 1):
        last = step == steps
        following: set = set()
        while frontier:
            node = frontier.pop()
            if node in seen or isinstance(node, ox.Literal):
                continue
            seen.add(node)
            for quad in store.quads_for_pattern(node, None, None):
                if last and quad.predicate.value not in (str(RDF.type), str(RDFS.label)):
                    continue
                graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate),
                           to_rdflib(quad.object)))
                if isinstance(quad.object, ox.BlankNode):
                    frontier.add(quad.object)
                elif isinstance(quad.object, ox.NamedNode):
                    following.add(quad.object)
        frontier = following - seen
    return graph

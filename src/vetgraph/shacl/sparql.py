"""SHACL-SPARQL constraints evaluated by Oxigraph instead of rdflib.

pyshacl evaluates ``sh:sparql`` constraints with rdflib's SPARQL engine, once per focus node;
the project's data-quality rules (joins, subqueries, aggregates) then take minutes. Here the
node shapes whose SPARQL constraints can be run exactly are taken out of the shapes graph
given to pyshacl and evaluated on a pyoxigraph store, with ``$this`` pre-bound per focus node
through Oxigraph's substitution (SEP-0007: the constant replaces the variable everywhere,
subqueries and EXISTS included, which is SHACL's pre-binding). Results are written into
pyshacl's report graph in the same SHACL vocabulary, so every formatter sees one report.

Pre-binding runs a query once per focus node: with thousands of observations that is
quadratic. A constraint whose ``$this`` can be joined instead of substituted (see
:func:`joinable`) runs once, unbound, and its solutions are grouped by ``?this`` and kept for
the focus nodes. That is the same answer when every subquery that mentions ``$this`` projects
it, ``$this`` is not re-bound (BIND, VALUES) nor used under MINUS, and every solution binds it;
a solution that leaves ``?this`` unbound sends the constraint back to pre-binding.

A shape stays with pyshacl (nothing is lost, only speed) unless: it is a node shape that no
other shape references, its targets are ``sh:targetNode``/``targetClass``/``targetSubjectsOf``/
``targetObjectsOf``/``sh:SPARQLTarget`` or implicit class targets, and each of its constraints
is an ``sh:select`` that projects ``$this`` and uses no ``$PATH``/``$currentShape``/
``$shapesGraph``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import SH
from rdflib.plugins.sparql.algebra import translateQuery, traverse
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from ..engine.lexer import insert_at, select_groups
from ..store.base import to_oxigraph, to_rdflib
from . import screen as shacl_screen

#: Shape predicates that are not constraints: a shape with only these left has nothing to check.
NOT_CONSTRAINTS = {
    RDF.type, RDFS.label, RDFS.comment, SH.target, SH.targetClass, SH.targetNode,
    SH.targetSubjectsOf, SH.targetObjectsOf, SH.severity, SH.message, SH.deactivated,
    SH.name, SH.description, SH.order, SH.group,
}
_UNSUPPORTED_VARS = re.compile(r"[?$](PATH|currentShape|shapesGraph)\b")
# The classes first, then their instances: Oxigraph evaluates ``?this a/rdfs:subClassOf* ?c``
# over every typed node (14 s for 325,000 observations, 0.3 s this way).
_SUBCLASSES = f"SELECT DISTINCT ?k ?c WHERE {{ ?k <{RDFS.subClassOf}>* ?c }}"
_INSTANCES = "SELECT ?this ?k WHERE { ?this a ?k }"
_TARGETS_SUBJECTS = "SELECT DISTINCT ?this ?p WHERE { ?this ?p ?o }"
_TARGETS_OBJECTS = "SELECT DISTINCT ?this ?p WHERE { ?s ?p ?this }"


class SparqlConstraintError(Exception):
    """A constraint query failed (syntax, evaluation, or it reported ``?failure``)."""


@dataclass(frozen=True)
class Constraint:
    node: Node  # the sh:SPARQLConstraint
    query: str  # with its PREFIX declarations
    joinable: bool = False  # may run once with $this unbound (see :func:`joinable`)
    binds_this_first: bool = False  # may run unrestricted (see :func:`binds_this_first`)


def _is_true(graph: Graph, node: Node, prop: URIRef) -> bool:
    return any(o == Literal(True) for o in graph.objects(node, prop))


def prefixes(shapes: Graph, node: Node) -> str:
    """PREFIX lines from ``sh:prefixes`` (following ``owl:imports``), as SHACL defines them."""
    lines: dict[str, str] = {}
    todo, seen = list(shapes.objects(node, SH.prefixes)), set()
    while todo:
        holder = todo.pop()
        if holder in seen:
            continue
        seen.add(holder)
        todo.extend(shapes.objects(holder, OWL.imports))
        for decl in shapes.objects(holder, SH.declare):
            prefix, namespace = shapes.value(decl, SH.prefix), shapes.value(decl, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.setdefault(str(prefix), f"PREFIX {prefix}: <{namespace}>")
    return "".join(line + "\n" for _, line in sorted(lines.items()))


def _algebra(query: str) -> CompValue | None:
    try:
        return translateQuery(parseQuery(query)).algebra
    except Exception:  # rdflib cannot read it: leave it to pyshacl, which uses rdflib too
        return None


def _projects_this(algebra: CompValue | None) -> bool:
    return (
        algebra is not None
        and algebra.name == "SelectQuery"
        and Variable("this") in algebra.get("PV", [])
    )


def _is_group_key(extend: CompValue) -> bool:
    """rdflib projects a GROUP BY variable as ``BIND(SAMPLE(?this) AS ?this)``: not a re-binding."""
    expr = extend.get("expr")
    return isinstance(expr, Variable) and str(expr).startswith("__agg_")


def joinable(algebra: CompValue) -> bool:
    """True when joining on an unbound ``?this`` gives what pre-binding ``$this`` gives.

    Pre-binding replaces ``$this`` everywhere, inside subqueries too; a join only reaches a
    subquery through its projection. So every subquery that mentions ``?this`` must project
    it, and ``?this`` must not be bound by BIND or VALUES nor appear under MINUS (which does
    not join). Runtime adds the last condition: every solution binds ``?this``.
    """
    this = Variable("this")
    safe = True
    top = algebra["p"]

    def visit(node: object) -> None:
        nonlocal safe
        if not isinstance(node, CompValue):
            return
        mentions = this in (node.get("_vars") or set())
        if node.name == "Project" and node is not top and mentions and this not in node["PV"]:
            safe = False
        elif node.name == "Extend" and node.get("var") == this and not _is_group_key(node):
            safe = False
        elif node.name == "Minus" and this in (node["p2"].get("_vars") or set()):
            safe = False
        elif node.name == "values":
            safe = False
        elif node.name == "Slice" and mentions:  # LIMIT/OFFSET: restricting rows changes them
            safe = False

    traverse(top, visitPre=visit)
    return safe


_UNARY = {
    "Filter", "Extend", "Project", "Distinct", "Reduced", "OrderBy", "ToMultiSet", "Group",
    "AggregateJoin",
}


def _first_bgp(node: object) -> CompValue | None:
    """The basic graph pattern a group pattern starts with, if it starts with one."""
    while isinstance(node, CompValue):
        if node.name == "BGP":
            return node
        if node.name in ("Join", "LeftJoin"):
            node = node["p1"]
        elif node.name in _UNARY:
            node = node["p"]
        else:
            return None
    return None


def binds_this_first(algebra: CompValue) -> bool:
    """True when every SELECT that mentions ``?this`` starts with a triple pattern binding it.

    Then ``?this`` is bound in every solution before a FILTER, EXISTS, OPTIONAL or aggregate
    of that SELECT sees it, so a joinable constraint run with ``?this`` unrestricted gives the
    focus nodes the rows it gives them restricted by ``VALUES ?this`` (the rows about other
    nodes are dropped). Not so for ``SELECT $this WHERE { FILTER NOT EXISTS { $this … } }``,
    which has no row at all unrestricted.
    """
    this = Variable("this")
    safe = True

    def visit(node: object) -> None:
        nonlocal safe
        if (
            isinstance(node, CompValue)
            and node.name == "Project"
            and this in (node.get("_vars") or set())
        ):
            first = _first_bgp(node["p"])
            if first is None or not any(this in triple for triple in first["triples"]):
                safe = False

    traverse(algebra["p"], visitPre=visit)
    return safe


def _constraints(shapes: Graph, shape: Node) -> list[Constraint] | None:
    """The shape's SPARQL constraints if all can run here, else None."""
    found = []
    for node in shapes.objects(shape, SH.sparql):
        if _is_true(shapes, node, SH.deactivated):
            continue
        selects = list(shapes.objects(node, SH.select))
        if len(selects) != 1 or _UNSUPPORTED_VARS.search(str(selects[0])):
            return None
        query = prefixes(shapes, node) + str(selects[0])
        algebra = _algebra(query)
        if not _projects_this(algebra):
            return None
        can_join = joinable(algebra)
        found.append(Constraint(node, query, can_join, can_join and binds_this_first(algebra)))
    return found


def _targets_supported(shapes: Graph, shape: Node) -> bool:
    for target in shapes.objects(shape, SH.target):
        if (target, RDF.type, SH.SPARQLTarget) not in shapes or len(
            list(shapes.objects(target, SH.select))
        ) != 1:
            return False
    return True


def delegable_shapes(shapes: Graph) -> dict[Node, list[Constraint]]:
    """Node shapes whose SPARQL constraints this module evaluates (see the module docstring)."""
    out = {}
    for shape in set(shapes.subjects(SH.sparql, None)):
        if (shape, SH.path, None) in shapes or (None, None, shape) in shapes:
            continue
        if not _targets_supported(shapes, shape):
            continue
        constraints = _constraints(shapes, shape)
        if constraints is not None:
            out[shape] = constraints
    return out


def closure(graph: Graph, node: Node, seen: set[Node] | None = None) -> Iterator[tuple]:
    """Triples about ``node`` and, recursively, the blank nodes it points to."""
    seen = set() if seen is None else seen
    if node in seen:
        return
    seen.add(node)
    for p, o in graph.predicate_objects(node):
        yield node, p, o
        if isinstance(o, BNode):
            yield from closure(graph, o, seen)


def without(shapes: Graph, delegated: Iterable[Node]) -> Graph:
    """A copy of the shapes graph with the delegated constraints (or whole shapes) removed."""
    copy = Graph()
    for prefix, namespace in shapes.namespaces():
        copy.bind(prefix, namespace, override=False)
    for triple in shapes:
        copy.add(triple)
    for shape in delegated:
        checks_more = any(p not in NOT_CONSTRAINTS | {SH.sparql} for p in shapes.predicates(shape))
        if checks_more:
            for constraint in list(shapes.objects(shape, SH.sparql)):
                copy.remove((shape, SH.sparql, constraint))
                for triple in closure(shapes, constraint):
                    copy.remove(triple)
        else:
            for triple in list(closure(shapes, shape)):
                copy.remove(triple)
    return copy


def _target_key(shapes: Graph, shape: Node) -> tuple | None:
    """What selects the shape's focus nodes, when that is not a SPARQL target (shapes with the
    same key have the same focus nodes: five shapes target every qb:Observation)."""
    if (shape, SH.target, None) in shapes:
        return None
    implicit = any((shape, RDF.type, k) in shapes for k in (RDFS.Class, OWL.Class))
    return implicit and shape, tuple(sorted(
        (p, o) for p in (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)
        for o in shapes.objects(shape, p)
    ))


def focus_nodes(
    store: ox.Store, shapes: Graph, shape: Node, cache: dict | None = None
) -> list[ox.NamedNode]:
    """The shape's focus nodes in the data, in a stable order (kept in ``cache`` if given)."""
    key = _target_key(shapes, shape) if cache is not None else None
    if key is not None and key in cache:
        return cache[key]
    nodes = _focus_nodes(store, shapes, shape)
    if key is not None:
        cache[key] = nodes
    return nodes


def _focus_nodes(store: ox.Store, shapes: Graph, shape: Node) -> list[ox.NamedNode]:
    found: set = {to_oxigraph(n) for n in shapes.objects(shape, SH.targetNode)}
    classes = list(shapes.objects(shape, SH.targetClass))
    if any((shape, RDF.type, k) in shapes for k in (RDFS.Class, OWL.Class)):
        classes.append(shape)
    for cls in classes:
        subs = {ox.Variable("c"): to_oxigraph(cls)}
        for row in store.query(_SUBCLASSES, substitutions=subs):
            instances = store.query(_INSTANCES, substitutions={ox.Variable("k"): row["k"]})
            found.update(solution["this"] for solution in instances)
    for query, values, var in (
        (_TARGETS_SUBJECTS, list(shapes.objects(shape, SH.targetSubjectsOf)), "p"),
        (_TARGETS_OBJECTS, list(shapes.objects(shape, SH.targetObjectsOf)), "p"),
    ):
        for value in values:
            subs = {ox.Variable(var): to_oxigraph(value)}
            found.update(row["this"] for row in store.query(query, substitutions=subs))
    for target in shapes.objects(shape, SH.target):
        query = prefixes(shapes, target) + str(shapes.value(target, SH.select))
        found.update(row["this"] for row in store.query(query) if row["this"] is not None)
    return sorted(found, key=str)


class FocusNodes:
    """A shape's focus nodes, listed (:func:`focus_nodes`) only when needed.

    A constraint run unrestricted (see :func:`_solutions_by_focus`) needs only to know which
    of the few nodes it reports are focus nodes: asked of the store, that spares listing,
    sorting and hashing every node of a declared target (325,000 observations at 1,000
    schools, five shapes that target them).
    """

    def __init__(
        self,
        store: ox.Store,
        shapes: Graph,
        shape: Node,
        cache: dict,
        lock: threading.RLock | None = None,
    ) -> None:
        self.store, self.shapes, self.shape, self.cache = store, shapes, shape, cache
        # Held while listing or counting, for constraints run in threads that share ``cache``.
        self.lock = lock or threading.RLock()
        self._listed: list[ox.NamedNode] | None = None

    def listed(self) -> list[ox.NamedNode]:
        """All of them, in a stable order (see :func:`focus_nodes`)."""
        with self.lock:
            if self._listed is None:
                self._listed = focus_nodes(self.store, self.shapes, self.shape, self.cache)
            return self._listed

    def more_than(self, limit: int) -> bool:
        """Whether there may be more than ``limit`` (a node in two targets counts twice)."""
        target = _target_key(self.shapes, self.shape)
        if self._listed is not None or target is None:
            return len(self.listed()) > limit
        with self.lock:
            if ("size", target) not in self.cache:
                self.cache["size", target] = _target_size(self.store, self.shapes, self.shape)
            size = self.cache["size", target]
        return (len(self.listed()) if size is None else size) > limit

    def among(self, candidates: set) -> set:
        """Those of ``candidates`` that are focus nodes."""
        branches = _target_patterns(self.shapes, self.shape)
        if (
            self._listed is not None
            or branches is None
            or len(candidates) > MAX_VALUES
            or any(isinstance(n, ox.BlankNode) for n in candidates)  # not allowed in VALUES
        ):
            return candidates & set(self.listed())
        named = {to_oxigraph(n) for n in self.shapes.objects(self.shape, SH.targetNode)}
        found = candidates & named
        rest = candidates - found
        if rest and branches:
            # EXISTS looks each candidate up; a join would list every node of the target.
            values = " ".join(str(n) for n in rest)
            union = " UNION ".join(f"{{ {b} }}" for b in branches)
            query = f"SELECT ?this WHERE {{ VALUES ?this {{ {values} }} " \
                    f"FILTER EXISTS {{ {union} }} }}"
            found.update(row["this"] for row in self.store.query(query))
        return found


def _target_patterns(shapes: Graph, shape: Node) -> list[str] | None:
    """Patterns binding ``?this`` to the shape's declared focus nodes, sh:targetNode aside
    (the screen's, see :func:`~vetgraph.shacl.screen.target_patterns`); None for a SPARQL
    target."""
    try:
        return shacl_screen.target_patterns(shapes, shape, nodes=False)
    except shacl_screen.Unsupported:
        return None


def _target_size(store: ox.Store, shapes: Graph, shape: Node) -> int | None:
    """How many focus nodes a declared target has, at most, counted by the store (None when
    :func:`_target_patterns` cannot say)."""
    branches = _target_patterns(shapes, shape)
    if branches is None:
        return None
    size = len(set(shapes.objects(shape, SH.targetNode)))
    for branch in branches:
        (row,) = store.query(f"SELECT (COUNT(DISTINCT ?this) AS ?n) WHERE {{ {branch} }}")
        size += int(row["n"].value)
    return size


def _message(template: Literal, bindings: dict[str, Node]) -> Literal:
    text = str(template)
    for name, value in bindings.items():
        text = re.sub(r"\{[?$]" + re.escape(name) + r"\}", lambda _m, v=value: str(v), text)
    return Literal(text, lang=template.language, datatype=template.datatype)


@dataclass(frozen=True)
class Started:
    """A delegated constraint whose solutions are being found (see :func:`start`)."""

    shape: Node
    constraint: Constraint
    solutions: Future  # of [(focus node, [bindings])], in the order of focus_nodes


def start(
    store: ox.Store, shapes: Graph, delegated: dict[Node, list[Constraint]], pool: Executor
) -> list[Started]:
    """Set every active delegated constraint running on ``pool``.

    Oxigraph lets go of the GIL while it evaluates a query, so a thread pool runs the
    constraints on as many cores as it has threads (at 1,000 schools they are about 33 s of
    CPU). Their results are added in this order by :func:`add_results`, whatever the order
    they finish in.
    """
    cache: dict = {}
    listing = threading.RLock()  # one listing of a target, however many constraints need it
    started = []
    for shape, constraints in sorted(delegated.items(), key=lambda item: str(item[0])):
        if _is_true(shapes, shape, SH.deactivated) or not constraints:
            continue
        nodes = FocusNodes(store, shapes, shape, cache, listing)
        # Unrestricted only for declared targets (a class, subjects of a property): a SPARQL
        # target picks a few of the nodes the constraint matches (BreakdownAddsUp: the first
        # observation of each group), and unrestricted the constraint would work through all.
        unrestrictable = _target_key(shapes, shape) is not None
        for c in constraints:
            solving = pool.submit(_solutions, store, c, shape, nodes, unrestrictable)
            started.append(Started(shape, c, solving))
    return started


def add_results(report: Graph, shapes: Graph, started: list[Started]) -> None:
    """Wait for the constraints :func:`start` set running and add their results to
    pyshacl's report graph."""
    root = report.value(None, RDF.type, SH.ValidationReport)
    for run in started:
        shape, c = run.shape, run.constraint
        severity = shapes.value(shape, SH.severity) or SH.Violation
        templates = list(shapes.objects(c.node, SH.message)) or list(
            shapes.objects(shape, SH.message)
        )
        description_copied = False
        for focus, solutions in run.solutions.result():
            for bindings in solutions:
                if not description_copied:
                    for triple in closure(shapes, c.node):
                        report.add(triple)
                    description_copied = True
                result = BNode()
                this = to_rdflib(focus)
                report.add((root, SH.result, result))
                report.add((result, RDF.type, SH.ValidationResult))
                report.add((result, SH.focusNode, this))
                report.add((result, SH.resultSeverity, severity))
                report.add((result, SH.sourceShape, shape))
                report.add((result, SH.sourceConstraint, c.node))
                report.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
                report.add((result, SH.value, bindings.get("value", this)))
                if "path" in bindings:
                    report.add((result, SH.resultPath, bindings["path"]))
                for template in templates:
                    if isinstance(template, Literal):
                        report.add((result, SH.resultMessage, _message(template, bindings)))


def _solutions(
    store: ox.Store, c: Constraint, shape: Node, nodes: FocusNodes, unrestrictable: bool
) -> list[tuple[ox.NamedNode, list[dict[str, Node]]]]:
    return list(_solutions_by_focus(store, c, shape, nodes, unrestrictable))


def _solutions_by_focus(
    store: ox.Store,
    c: Constraint,
    shape: Node,
    nodes: FocusNodes,
    unrestrictable: bool = False,
) -> Iterator[tuple[ox.NamedNode, list[dict[str, Node]]]]:
    """Each focus node with its distinct solutions, in the order of :func:`focus_nodes`: one
    joined query when the constraint allows it (see :func:`joinable`), else one pre-bound
    query per node."""
    if c.joinable:
        # A long VALUES list costs more (parsing it, joining through it) than it saves when the
        # focus nodes are most of what the constraint matches anyway (a targetClass of every
        # observation): then, if the query binds ?this first, it runs unrestricted and the
        # rows are kept for the focus nodes below, the same answer (see binds_this_first).
        unrestricted = unrestrictable and c.binds_this_first and nodes.more_than(MAX_VALUES)
        restrict = None if unrestricted else nodes.listed()
        rows = _rows(store, c, shape, {}, restrict_to=restrict)
        if all("this" in row for row in rows):
            grouped: dict[ox.NamedNode, list[dict[str, Node]]] = {}
            for row in rows:
                grouped.setdefault(to_oxigraph(row["this"]), []).append(row)
            found = set(grouped)
            kept = found & set(restrict) if restrict is not None else nodes.among(found)
            for focus in sorted(kept, key=str):
                yield focus, _distinct(grouped[focus])
            return
    for focus in nodes.listed():
        yield focus, _distinct(_rows(store, c, shape, {ox.Variable("this"): focus}))


def _distinct(rows: list[dict[str, Node]]) -> list[dict[str, Node]]:
    unique: list[dict[str, Node]] = []
    for row in rows:
        if row not in unique:
            unique.append(row)
    return unique


#: The most focus nodes given to a joinable constraint as ``VALUES ?this``.
MAX_VALUES = 5000

def restrict_this(query: str, pattern: str) -> str:
    """The query with ``pattern`` (binding ``?this``) first in the group of every SELECT that
    projects ``?this``, the outer one and subqueries alike, so the engine starts from the
    focus nodes instead of every candidate in the data (see :func:`select_groups`)."""
    return insert_at(query, [
        (offset, f" {pattern} ")
        for offset, projected in select_groups(query)
        if projected is None or "this" in projected
    ])


def _with_values(query: str, nodes: list[ox.NamedNode]) -> str:
    return restrict_this(query, "VALUES ?this { " + " ".join(str(n) for n in nodes) + " }")


def _rows(
    store: ox.Store,
    c: Constraint,
    shape: Node,
    substitutions: dict,
    restrict_to: list[ox.NamedNode] | None = None,
) -> list[dict]:
    """The query's solutions as {variable: rdflib term}; ``?failure`` true is an error."""
    query = c.query if restrict_to is None else _with_values(c.query, restrict_to)
    try:
        answer = store.query(query, substitutions=substitutions)
        names = [v.value for v in answer.variables]
        rows = [
            {n: to_rdflib(solution[i]) for i, n in enumerate(names) if solution[i] is not None}
            for solution in answer
        ]
    except (SyntaxError, RuntimeError, OSError, ValueError) as exc:
        raise SparqlConstraintError(f"SPARQL constraint of <{shape}>: {exc}") from exc
    if any("failure" in row and row["failure"] == Literal(True) for row in rows):
        raise SparqlConstraintError(f"SPARQL constraint of <{shape}> reported ?failure")
    return rows


def set_conforms(report: Graph) -> None:
    """sh:conforms after adding results: false only when a violation is present."""
    root = report.value(None, RDF.type, SH.ValidationReport)
    violation = any(
        report.value(r, SH.resultSeverity) == SH.Violation for r in report.objects(root, SH.result)
    )
    report.set((root, SH.conforms, Literal(not violation)))

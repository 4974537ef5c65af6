"""Materialised inference: the RDFS closure and the shortcut rules, into ``graph/inferred``.

An analyst who asks ``?x a vet:Organisation`` or ``?major vet:servesCluster ?c`` should get
every answer the model implies, not only what a steward wrote. ``vetgraph build`` computes
them once, on the loaded store, so queries stay plain SPARQL on every backend:

- the RDFS closure over the ontology's (and the aligned vocabularies') ``rdfs:subClassOf``,
  ``rdfs:subPropertyOf``, ``rdfs:domain`` and ``rdfs:range``, and ``owl:inverseOf`` both ways;
- the rules of ``ontology/rules/*.rq`` (SPARQL ``CONSTRUCT``, explained in their ``#+``
  header), repeated with the closure until nothing new appears;
- then, once, the aggregates of ``ontology/aggregates/*.rq``: figures the report does not state
  but analyses ask for again and again (sums of the schools' figures per school type and area,
  cluster coverage rolled up the hierarchy), as ``vet:DerivedObservation`` with
  ``prov:wasGeneratedBy`` a ``vet:Derivation`` that says how. An aggregate is not monotonic (a
  count changes when a fact is added), so it runs after the fixpoint, never inside it.

Only facts about named resources are derived (subject and object IRIs, or a literal object):
blank nodes do not keep their identity across a remote store's requests, so the inferred graph
is the same on every backend. Nothing derived is also asserted, so the union default graph
never yields a triple twice. The shapes graph is not read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox
import yaml

from .config import GRAPH_CODES, GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY, Settings
from .dataset import Sources, rule_files
from .namespaces import BASE_IRI, RDF, RDFS, VET, sparql_prologue

#: The graphs inference reads (besides its own output).
BASE_GRAPHS = (GRAPH_ONTOLOGY, GRAPH_CODES, GRAPH_DATA)
#: A guard against rules that keep producing (a fixpoint is reached in 3–4 rounds).
MAX_ROUNDS = 50

_USING = "".join(f"USING <{g}>\n" for g in (*BASE_GRAPHS, GRAPH_INFERRED))
_PREFIXES = sparql_prologue("rdf", "rdfs", "owl")

#: Types in RDF's and RDFS's own namespaces (``a rdfs:Resource``, true of everything; ``a
#: rdf:Property`` from a property whose range is rdf:Property …) tell an analyst nothing.
_NOT_RDF_CLASS = (f'!STRSTARTS(STR(?{{v}}), "{RDF}") && '
                  f'!STRSTARTS(STR(?{{v}}), "{RDFS}")')


@dataclass(frozen=True)
class RdfsRule:
    """One RDFS entailment rule as a SPARQL update: ``schema`` (read from every graph; the
    ontology's axioms, never derived here) joined with one ``instance`` premise."""

    template: str
    schema: str
    instance: str
    condition: str

    def update(self, *, derived_only: bool = False) -> str:
        """The update; ``derived_only`` reads the instance premise from ``graph/inferred``
        alone. That is enough after a first full round (semi-naive evaluation): every base fact
        has met the whole schema once, so only derived facts can yield something new, and the
        full scan of a 1,000-school store (26 s a round for domain and range) is not repeated."""
        instance = (f"GRAPH <{GRAPH_INFERRED}> {{ {self.instance} }}" if derived_only
                    else self.instance)
        using = _USING + (f"USING NAMED <{GRAPH_INFERRED}>\n" if derived_only else "")
        return (f"{_PREFIXES}INSERT {{ GRAPH <{GRAPH_INFERRED}> {{ {self.template} }} }}\n"
                f"{using}WHERE {{ {self.schema} {instance} FILTER({self.condition}) "
                f"FILTER NOT EXISTS {{ {self.template} }} }}")


#: The RDFS entailment rules that derive facts about instances (rdfs2, rdfs3, rdfs7, rdfs9)
#: and owl:inverseOf.
RDFS_RULES: dict[str, RdfsRule] = {
    "rdfs9 subClassOf": RdfsRule(
        "?x a ?super", "?class rdfs:subClassOf ?super .", "?x a ?class .",
        f"isIRI(?x) && isIRI(?super) && {_NOT_RDF_CLASS.format(v='super')}",
    ),
    "rdfs2 domain": RdfsRule(
        "?x a ?class", "?p rdfs:domain ?class .", "?x ?p ?y .",
        f"isIRI(?x) && isIRI(?class) && {_NOT_RDF_CLASS.format(v='class')}",
    ),
    "rdfs3 range": RdfsRule(
        "?y a ?class", "?p rdfs:range ?class .", "?x ?p ?y .",
        f"isIRI(?y) && isIRI(?class) && {_NOT_RDF_CLASS.format(v='class')}",
    ),
    "rdfs7 subPropertyOf": RdfsRule(
        "?x ?super ?y", "?p rdfs:subPropertyOf ?super .", "?x ?p ?y .",
        "isIRI(?x) && !isBlank(?y) && isIRI(?super)",
    ),
    "owl:inverseOf": RdfsRule(
        "?y ?q ?x", "{ ?p owl:inverseOf ?q } UNION { ?q owl:inverseOf ?p }", "?x ?p ?y .",
        "isIRI(?x) && isIRI(?y) && isIRI(?q)",
    ),
}


@dataclass(frozen=True)
class Rule:
    """One ``ontology/rules/*.rq`` or ``ontology/aggregates/*.rq`` file: a CONSTRUCT query
    and its zh/en explanation. ``kind`` is ``rule`` (run to a fixpoint) or ``aggregate``
    (run once, after it)."""

    name: str
    sparql: str
    label: dict[str, str]
    explanation: dict[str, str]
    kind: str = "rule"

    @property
    def derivation(self) -> str:
        """The ``vet:Derivation`` an aggregate's observations name as ``prov:wasGeneratedBy``."""
        return f"{BASE_IRI}id/derivation/{self.name}"


def load_rules(settings: Settings) -> list[Rule]:
    """The rules, then the aggregates, of the source tree by file name; a tree without the
    folders has none."""
    from .queries import split_header

    rules = []
    for path in rule_files({GRAPH_ONTOLOGY: [settings.ontology_file]}):
        text = path.read_text(encoding="utf-8")
        header = yaml.safe_load(split_header(text)[0]) or {}
        rules.append(Rule(
            name=path.stem,
            sparql=text,
            label={lang: str(header.get(f"label_{lang}", path.stem)) for lang in ("zh", "en")},
            explanation={lang: str(header.get(f"explanation_{lang}", "")) for lang in ("zh", "en")},
            kind="aggregate" if path.parent.name == "aggregates" else "rule",
        ))
    return rules


def _count(store: ox.Store) -> int:
    answer = store.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{GRAPH_INFERRED}> {{ ?s ?p ?o }} }}")
    return int(next(iter(answer))["n"].value)


def _derive(store: ox.Store, rule: Rule) -> None:
    """Add what ``rule`` constructs to ``graph/inferred``, less what is already there. An
    aggregate's ``?derivation`` is bound here to :attr:`Rule.derivation`, its one definition."""
    inferred = ox.NamedNode(GRAPH_INFERRED)
    graphs = [ox.NamedNode(g) for g in (*BASE_GRAPHS, GRAPH_INFERRED)]
    bound = ({ox.Variable("derivation"): ox.NamedNode(rule.derivation)}
             if rule.kind == "aggregate" else None)
    new = [
        ox.Quad(t.subject, t.predicate, t.object, inferred)
        for t in list(store.query(rule.sparql, default_graph=graphs, substitutions=bound))
        if isinstance(t.subject, ox.NamedNode) and not isinstance(t.object, ox.BlankNode)
        and not any(True for g in graphs
                    for _ in store.quads_for_pattern(t.subject, t.predicate, t.object, g))
    ]
    store.extend(new)  # read first, then written: no read while the store is written


def _describe_derivation(rule: Rule) -> list[ox.Quad]:
    """The ``vet:Derivation`` of an aggregate: its name and explanation, in zh and en."""
    node, graph = ox.NamedNode(rule.derivation), ox.NamedNode(GRAPH_INFERRED)
    quads = [ox.Quad(node, ox.NamedNode(f"{RDF}type"), ox.NamedNode(f"{VET}Derivation"), graph)]
    for lang in ("zh", "en"):
        quads.append(ox.Quad(node, ox.NamedNode(f"{RDFS}label"),
                             ox.Literal(rule.label[lang], language=lang), graph))
        if rule.explanation[lang]:
            quads.append(ox.Quad(node, ox.NamedNode(f"{RDFS}comment"),
                                 ox.Literal(rule.explanation[lang], language=lang), graph))
    return quads


def materialise(store: ox.Store, rules: Sequence[Rule] = (), *, rdfs: bool = True) -> int:
    """Fill ``graph/inferred`` of ``store`` (which holds the base graphs) up to a fixpoint,
    then add the aggregates among ``rules`` once; return its size. Without ``rules`` it is the
    RDFS closure alone (what the tests compare with a reference reasoner); ``rdfs=False`` runs
    the rules alone."""
    aggregates = [rule for rule in rules if rule.kind == "aggregate"]
    size = _fixpoint(store, [rule for rule in rules if rule.kind != "aggregate"], rdfs)
    if not aggregates:
        return size
    for rule in aggregates:
        _derive(store, rule)
        store.extend(_describe_derivation(rule))
    # The closure of the aggregates' own facts (their types: prov:Entity …).
    return _fixpoint(store, [], rdfs, derived_only=True)


def _fixpoint(store: ox.Store, rules: Sequence[Rule], rdfs: bool, *,
              derived_only: bool = False) -> int:
    """Run the RDFS updates and ``rules`` until ``graph/inferred`` stops growing; its size.
    The RDFS updates read every instance fact in the first round unless ``derived_only``,
    and only the derived ones after it (see :meth:`RdfsRule.update`)."""
    size = _count(store)
    for round_ in range(MAX_ROUNDS):
        if rdfs:
            for rule in RDFS_RULES.values():
                store.update(rule.update(derived_only=derived_only or round_ > 0))
        for rule in rules:
            _derive(store, rule)
        grown = _count(store)
        if grown == size:
            return size
        size = grown
    raise RuntimeError(f"inference did not reach a fixpoint in {MAX_ROUNDS} rounds")


def infer_sources(sources: Sources, rules: Sequence[Rule]) -> list[ox.Quad]:
    """Materialise the sources' inferences in memory; the quads are also added to
    ``sources.quads`` under ``graph/inferred`` (the memory and remote backends load them)."""
    store = ox.Store()
    store.extend(q for q in sources.iter_quads() if q.graph_name.value in BASE_GRAPHS)
    materialise(store, rules)
    quads = list(store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_INFERRED)))
    sources.quads[GRAPH_INFERRED] = [ox.Quad(q.subject, q.predicate, q.object) for q in quads]
    return quads

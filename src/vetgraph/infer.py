"""Materialised inference: the RDFS closure and the shortcut rules, into ``graph/inferred``.

An analyst who asks ``?x a vet:Organisation`` or ``?major vet:servesCluster ?c`` should get
every answer the model implies, not only what a steward wrote. ``vetgraph build`` computes
them once, on the loaded store, so queries stay plain SPARQL on every backend:

- the RDFS closure over the ontology's (and the aligned vocabularies') ``rdfs:subClassOf``,
  ``rdfs:subPropertyOf``, ``rdfs:domain`` and ``rdfs:range``, and ``owl:inverseOf`` both ways;
- the rules of ``ontology/rules/*.rq`` (SPARQL ``CONSTRUCT``, explained in their ``#+``
  header), repeated with the closure until nothing new appears.

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
from .namespaces import RDF, RDFS, sparql_prologue

#: The graphs inference reads (besides its own output).
BASE_GRAPHS = (GRAPH_ONTOLOGY, GRAPH_CODES, GRAPH_DATA)
#: A guard against rules that keep producing (a fixpoint is reached in 3–4 rounds).
MAX_ROUNDS = 50

_USING = "".join(f"USING <{g}>\n" for g in (*BASE_GRAPHS, GRAPH_INFERRED))
_PREFIXES = sparql_prologue("rdf", "rdfs", "owl")


def _update(template: str, where: str) -> str:
    return (f"{_PREFIXES}INSERT {{ GRAPH <{GRAPH_INFERRED}> {{ {template} }} }}\n{_USING}"
            f"WHERE {{ {where} FILTER NOT EXISTS {{ {template} }} }}")


#: Types in RDF's and RDFS's own namespaces (``a rdfs:Resource``, true of everything; ``a
#: rdf:Property`` from a property whose range is rdf:Property …) tell an analyst nothing.
_NOT_RDF_CLASS = (f'!STRSTARTS(STR(?{{v}}), "{RDF}") && '
                  f'!STRSTARTS(STR(?{{v}}), "{RDFS}")')

#: The RDFS entailment rules that derive facts about instances (rdfs2, rdfs3, rdfs7, rdfs9)
#: and owl:inverseOf, each a SPARQL update evaluated in the store.
RDFS_UPDATES: dict[str, str] = {
    "rdfs9 subClassOf": _update(
        "?x a ?super",
        "?x a ?class . ?class rdfs:subClassOf ?super . "
        f"FILTER(isIRI(?x) && isIRI(?super) && {_NOT_RDF_CLASS.format(v='super')})",
    ),
    "rdfs2 domain": _update(
        "?x a ?class",
        "?p rdfs:domain ?class . ?x ?p ?y . "
        f"FILTER(isIRI(?x) && isIRI(?class) && {_NOT_RDF_CLASS.format(v='class')})",
    ),
    "rdfs3 range": _update(
        "?y a ?class",
        "?p rdfs:range ?class . ?x ?p ?y . "
        f"FILTER(isIRI(?y) && isIRI(?class) && {_NOT_RDF_CLASS.format(v='class')})",
    ),
    "rdfs7 subPropertyOf": _update(
        "?x ?super ?y",
        "?p rdfs:subPropertyOf ?super . ?x ?p ?y . "
        "FILTER(isIRI(?x) && !isBlank(?y) && isIRI(?super))",
    ),
    "owl:inverseOf": _update(
        "?y ?q ?x",
        "{ ?p owl:inverseOf ?q } UNION { ?q owl:inverseOf ?p } ?x ?p ?y . "
        "FILTER(isIRI(?x) && isIRI(?y) && isIRI(?q))",
    ),
}


@dataclass(frozen=True)
class Rule:
    """One ``ontology/rules/*.rq`` file: a CONSTRUCT query and its zh/en explanation."""

    name: str
    sparql: str
    label: dict[str, str]
    explanation: dict[str, str]


def load_rules(settings: Settings) -> list[Rule]:
    """The rules of the source tree, by file name; a tree without the folder has none."""
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
        ))
    return rules


def _count(store: ox.Store) -> int:
    answer = store.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{GRAPH_INFERRED}> {{ ?s ?p ?o }} }}")
    return int(next(iter(answer))["n"].value)


def materialise(store: ox.Store, rules: Sequence[Rule] = (), *, rdfs: bool = True) -> int:
    """Fill ``graph/inferred`` of ``store`` (which holds the base graphs) up to a fixpoint;
    return its size. Without ``rules`` it is the RDFS closure alone (what the tests compare
    with a reference reasoner); ``rdfs=False`` runs the rules alone."""
    inferred = ox.NamedNode(GRAPH_INFERRED)
    graphs = [ox.NamedNode(g) for g in (*BASE_GRAPHS, GRAPH_INFERRED)]
    size = _count(store)
    for _ in range(MAX_ROUNDS):
        if rdfs:
            for update in RDFS_UPDATES.values():
                store.update(update)
        for rule in rules:
            new = [
                ox.Quad(t.subject, t.predicate, t.object, inferred)
                for t in list(store.query(rule.sparql, default_graph=graphs))
                if isinstance(t.subject, ox.NamedNode) and not isinstance(t.object, ox.BlankNode)
                and not any(True for g in graphs
                            for _ in store.quads_for_pattern(t.subject, t.predicate, t.object, g))
            ]
            store.extend(new)  # read first, then written: no read while the store is written
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

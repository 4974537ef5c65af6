"""Everything the views need, read from the store with a handful of SPARQL SELECTs.

The views never touch the Turtle files: they see what any backend (embedded Oxigraph, the
in-memory rdflib store, a remote endpoint) answers, so a planner's picture matches what an
analyst's query would find. Queries use DISTINCT because a union default graph may repeat a
triple held in two named graphs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Literal
from rdflib.term import Node

from ..linked.describe import stated_graphs
from ..store import Store
from .terms import PROLOGUE, VET, most_specific

#: The enrolment figure that weights schools: in-school students (表 1.1), latest year.
STUDENTS_INDICATOR = "https://w3id.org/vetgraph/code/indicator/in-school-students"
LEVEL = "https://w3id.org/vetgraph/code/value-kind/level"


@dataclass(frozen=True)
class Entity:
    """A node candidate: its IRI, most specific vet: type and labels."""

    iri: str
    type: str
    label_zh: str
    label_en: str
    alt_labels: tuple[str, ...] = ()
    derived_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class Alignment:
    """A vet:ClusterAlignment: the cluster, the SKOS relation, its target, basis and evidence."""

    iri: str
    cluster: str
    relation: str  # skos: local name (broader, closeMatch, relatedMatch ...)
    target: str
    basis: str  # code/alignment-basis IRI
    evidence: tuple[str, ...]
    note: str
    sources: tuple[str, ...]


@dataclass
class Facts:
    """The store's answers, grouped by relation; every value is an IRI string or a number."""

    entities: dict[str, Entity] = field(default_factory=dict)
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # any IRI -> (zh, en)
    derived_from: dict[str, tuple[str, ...]] = field(default_factory=dict)
    offerings: list[tuple[str, str, str]] = field(default_factory=list)  # offering, school, major
    pathways: list[dict[str, str]] = field(default_factory=list)
    cluster_links: list[tuple[str, str, str]] = field(default_factory=list)  # subj, cluster, link
    agreement_kinds: dict[str, list[str]] = field(default_factory=dict)
    agreement_parties: dict[str, list[str]] = field(default_factory=dict)
    agreement_majors: dict[str, list[str]] = field(default_factory=dict)
    base_owners: dict[str, list[str]] = field(default_factory=dict)
    base_partners: dict[str, list[str]] = field(default_factory=dict)
    base_majors: dict[str, list[str]] = field(default_factory=dict)
    base_agreements: dict[str, list[str]] = field(default_factory=dict)
    memberships: list[tuple[str, str, str]] = field(default_factory=list)  # collab, pred, org
    #: school -> (in-school students, year, observation IRI)
    enrolment: dict[str, tuple[float, str, str]] = field(default_factory=dict)
    triples: list[tuple[str, str, str]] = field(default_factory=list)  # among entities
    reports: list[str] = field(default_factory=list)  # the source reports (vet:Report)
    categories: dict[str, str] = field(default_factory=dict)  # cluster -> pillar/emerging code
    broader: dict[str, list[str]] = field(default_factory=dict)  # cluster -> broader clusters
    #: cluster -> catalogue categories/classes whose majors prepare for it (skos:relatedMatch)
    cluster_catalogue: dict[str, list[str]] = field(default_factory=dict)
    #: major -> its catalogue codes and their classes and categories (skos:broader*)
    major_catalogue: dict[str, list[str]] = field(default_factory=dict)
    alignments: list[Alignment] = field(default_factory=list)
    #: cluster link -> (basis, the report's words, sources)
    link_evidence: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=dict)

    def label(self, iri: str, lang: str = "zh") -> str:
        """A display label in ``lang`` (falling back to the other language, then the IRI)."""
        zh, en = self.labels.get(iri, ("", ""))
        first, second = (zh, en) if lang == "zh" else (en, zh)
        return first or second or iri.rsplit("/", 1)[-1]


def _select(store: Store, body: str) -> list[dict[str, Node]]:
    """Stated facts only: the inferred shortcuts (``vet:cooperatesWith`` …) would draw a
    second edge beside the path they summarise."""
    return store.query(PROLOGUE + body, default_graph_uris=stated_graphs(store)).dicts()


def _s(term: Node | None) -> str:
    return "" if term is None else str(term)


def _multi(rows: list[dict[str, Node]], key: str, value: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if value in row and str(row[value]) not in out[str(row[key])]:
            out[str(row[key])].append(str(row[value]))
    return {k: sorted(v) for k, v in out.items()}


def load_facts(store: Store) -> Facts:
    """Ask the store for every relation the views draw; small, fixed set of queries."""
    facts = Facts()
    _load_labels(store, facts)
    _load_entities(store, facts)
    facts.offerings = sorted(
        (_s(r["o"]), _s(r["school"]), _s(r["major"]))
        for r in _select(store, """SELECT DISTINCT ?o ?school ?major WHERE {
            ?o a vet:MajorOffering ; vet:offeredBy ?school ; vet:major ?major . }""")
    )
    facts.pathways = sorted(
        ({k: _s(v) for k, v in r.items()} for r in _select(store, """
        SELECT DISTINCT ?p ?school ?major ?institution ?agreement WHERE {
            ?p a vet:ArticulationPathway ; vet:fromSchool ?school .
            OPTIONAL { ?p vet:major ?major }
            OPTIONAL { ?p vet:toInstitution ?institution }
            OPTIONAL { ?p vet:establishedBy ?agreement } }""")),
        key=lambda d: (d["p"], d.get("major", ""), d.get("institution", "")),
    )
    # Direct links are the truth; the qualified link (if any) is the evidence.
    facts.cluster_links = sorted(
        (_s(r["subject"]), _s(r["cluster"]), _s(r.get("link")))
        for r in _select(store, """SELECT DISTINCT ?subject ?cluster ?link WHERE {
            ?subject vet:servesCluster ?cluster .
            OPTIONAL { ?subject vet:qualifiedClusterLink ?link .
                       ?link vet:linkSubject ?subject ; vet:cluster ?cluster . } }""")
    )
    rows = _select(store, """SELECT DISTINCT ?a ?kind ?party ?major WHERE {
        ?a a vet:CooperationAgreement .
        OPTIONAL { ?a vet:agreementKind ?kind }
        OPTIONAL { ?a prov:wasAssociatedWith ?party }
        OPTIONAL { ?a vet:concernsMajor ?major } }""")
    facts.agreement_kinds = _multi(rows, "a", "kind")
    facts.agreement_parties = _multi(rows, "a", "party")
    facts.agreement_majors = _multi(rows, "a", "major")
    for name, pred in (
        ("base_owners", "vet:owner"),
        ("base_partners", "vet:partner"),
        ("base_majors", "vet:coversMajor"),
        ("base_agreements", "vet:establishedBy"),
    ):
        rows = _select(store, f"""SELECT DISTINCT ?b ?x WHERE {{
            ?b a vet:TrainingBase ; {pred} ?x . }}""")
        setattr(facts, name, _multi(rows, "b", "x"))
    facts.memberships = sorted(
        (_s(r["c"]), _s(r["p"]), _s(r["o"]))
        for r in _select(store, """SELECT DISTINCT ?c ?p ?o WHERE {
            { ?c org:hasMember ?o . BIND(org:hasMember AS ?p) }
            UNION { ?o org:memberOf ?c . BIND(org:hasMember AS ?p) }
            UNION { ?c vet:hostedBy ?o . BIND(vet:hostedBy AS ?p) }
            UNION { ?c vet:ledBy ?o . BIND(vet:ledBy AS ?p) }
            ?c a vet:Collaboration . }""")
    )
    _load_enrolment(store, facts)
    _load_triples(store, facts)
    facts.categories = {
        _s(r["c"]): _s(r["k"])
        for r in _select(store, "SELECT DISTINCT ?c ?k WHERE { ?c vet:clusterCategory ?k }")
    }
    _load_hierarchy(store, facts)
    facts.reports = sorted(
        _s(r["r"]) for r in _select(store, "SELECT DISTINCT ?r WHERE { ?r a vet:Report }")
    )
    return facts


def _load_hierarchy(store: Store, facts: Facts) -> None:
    """Broader clusters, the alignments that qualify them, and the catalogue on both sides:
    what the gap analysis needs to roll coverage up and to suggest majors."""
    facts.broader = _multi(_select(store, """SELECT DISTINCT ?c ?b WHERE {
        ?c a vet:IndustryCluster ; skos:broader ?b . ?b a vet:IndustryCluster . }"""), "c", "b")
    facts.cluster_catalogue = _multi(_select(store, """SELECT DISTINCT ?c ?k WHERE {
        ?c a vet:IndustryCluster ; skos:relatedMatch ?k . ?k a vet:CatalogueGroup . }"""),
        "c", "k")
    facts.major_catalogue = _multi(_select(store, """SELECT DISTINCT ?m ?k WHERE {
        ?m a vet:Major . { ?m skos:exactMatch ?code } UNION { ?m skos:closeMatch ?code }
        ?code a vet:CatalogueMajor ; skos:broader* ?k . }"""), "m", "k")
    rows = _select(store, """SELECT DISTINCT ?a ?c ?rel ?t ?basis ?text ?note ?src WHERE {
        ?a a vet:ClusterAlignment ; vet:alignedCluster ?c ; vet:alignmentRelation ?rel ;
           vet:alignmentTarget ?t ; vet:alignmentBasis ?basis .
        OPTIONAL { ?a vet:evidenceText ?text }
        OPTIONAL { ?a skos:note ?note }
        OPTIONAL { ?a prov:wasDerivedFrom ?src } }""")
    texts, sources = _multi(rows, "a", "text"), _multi(rows, "a", "src")
    found: dict[str, Alignment] = {}
    for r in rows:
        iri = _s(r["a"])
        found.setdefault(iri, Alignment(
            iri, _s(r["c"]), _s(r["rel"]).rsplit("#", 1)[-1], _s(r["t"]), _s(r["basis"]),
            tuple(texts.get(iri, ())), _s(r.get("note")), tuple(sources.get(iri, ()))))
    facts.alignments = sorted(found.values(), key=lambda a: a.iri)
    rows = _select(store, """SELECT DISTINCT ?link ?basis ?text ?src WHERE {
        ?link a vet:ClusterLink ; vet:linkBasis ?basis .
        OPTIONAL { ?link vet:evidenceText ?text }
        OPTIONAL { ?link prov:wasDerivedFrom ?src } }""")
    texts, sources = _multi(rows, "link", "text"), _multi(rows, "link", "src")
    facts.link_evidence = {
        _s(r["link"]): (_s(r["basis"]), tuple(texts.get(_s(r["link"]), ())),
                        tuple(sources.get(_s(r["link"]), ())))
        for r in rows
    }


def _load_labels(store: Store, facts: Facts) -> None:
    rows = _select(store, """SELECT DISTINCT ?s ?l WHERE {
        ?s rdfs:label ?l . FILTER(isIRI(?s) && (LANGMATCHES(LANG(?l), "zh")
                                              || LANGMATCHES(LANG(?l), "en"))) }""")
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for row in sorted(rows, key=lambda r: (str(r["s"]), str(r["l"]))):
        lit = row["l"]
        assert isinstance(lit, Literal)
        lang = "zh" if (lit.language or "").lower().startswith("zh") else "en"
        labels[str(row["s"])].setdefault(lang, str(lit))
    facts.labels = {s: (d.get("zh", ""), d.get("en", "")) for s, d in labels.items()}


def _load_entities(store: Store, facts: Facts) -> None:
    rows = _select(store, f"""SELECT DISTINCT ?s ?t WHERE {{
        ?s a ?t . FILTER(isIRI(?s) && STRSTARTS(STR(?t), "{VET}")) }}""")
    types: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        types[str(row["s"])].add(str(row["t"]))
    alts = _multi(
        _select(store, "SELECT DISTINCT ?s ?a WHERE { ?s skos:altLabel ?a . FILTER(isIRI(?s)) }"),
        "s", "a",
    )
    facts.derived_from = {
        k: tuple(v)
        for k, v in _multi(
            _select(store, """SELECT DISTINCT ?s ?src WHERE {
                ?s prov:wasDerivedFrom ?src . FILTER(isIRI(?s) && isIRI(?src)) }"""),
            "s", "src",
        ).items()
    }
    for iri, found in types.items():
        kind = most_specific(found)
        if kind is None:
            continue
        zh, en = facts.labels.get(iri, ("", ""))
        facts.entities[iri] = Entity(
            iri, kind, zh, en, tuple(alts.get(iri, ())), facts.derived_from.get(iri, ())
        )


def _load_enrolment(store: Store, facts: Facts) -> None:
    """In-school students per school, the latest year reported (levels, no breakdown)."""
    rows = _select(store, f"""SELECT DISTINCT ?school ?year ?value ?obs WHERE {{
        ?obs vet:refSubject ?school ; vet:indicator <{STUDENTS_INDICATOR}> ;
             sdmx-dimension:refPeriod ?year ; sdmx-measure:obsValue ?value .
        ?school a vet:School .
        FILTER NOT EXISTS {{ ?obs vet:category ?category }}
        FILTER NOT EXISTS {{ ?obs vet:valueKind ?kind FILTER(?kind != <{LEVEL}>) }} }}""")
    # Latest year wins; two observations of one year (a table and the prose) give one value,
    # and sorting by IRI makes the choice of evidence stable.
    for row in sorted(rows, key=lambda r: (str(r["school"]), str(r["year"]), str(r["obs"]))):
        value = row["value"]
        assert isinstance(value, Literal)
        facts.enrolment[str(row["school"])] = (
            float(value.toPython()), str(row["year"]), str(row["obs"])
        )


def _load_triples(store: Store, facts: Facts) -> None:
    """IRI-to-IRI statements between two entities (kept in Python: a type join in SPARQL is
    slow on some engines, and the entity set is already known)."""
    rows = _select(store, """SELECT DISTINCT ?s ?p ?o WHERE {
        ?s ?p ?o . FILTER(isIRI(?s) && isIRI(?o) && ?p != rdf:type
                          && ?p != prov:wasDerivedFrom) }""")
    known = facts.entities
    facts.triples = sorted(
        {
            (str(r["s"]), str(r["p"]), str(r["o"]))
            for r in rows
            if str(r["s"]) in known and str(r["o"]) in known
        }
    )

"""Vocabulary the graph views rely on: namespaces, entity types, colours.

Kept in one place so that a view, the picture legend and the explorer agree on what a node
type is called and how it looks.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..namespaces import VET, prefixes

#: The vocabularies the views name, in the order curies prefer them.
PREFIXES = prefixes("vet", "rdf", "rdfs", "skos", "prov", "org", "qb", "schema", "dcterms",
                    "sdmx-dimension", "sdmx-measure")

#: SPARQL prologue every view query starts with.
PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def curie(iri: str) -> str:
    """``vet:offeredBy`` for a known namespace, else the IRI itself."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and "/" not in iri[len(ns):]:
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def expand(name: str) -> str:
    """Inverse of :func:`curie` (IRIs pass through)."""
    prefix, sep, local = name.partition(":")
    if sep and prefix in PREFIXES:
        return PREFIXES[prefix] + local
    return name


@dataclass(frozen=True)
class NodeType:
    """A kind of node: the ontology class, a colour and its place in a picture's legend."""

    name: str  # local name of the vet: class
    colour: str
    shape: str  # matplotlib marker; the explorer maps it to a Cytoscape shape

    @property
    def iri(self) -> str:
        return VET + self.name


# Most specific first: a node typed twice takes the first type listed here.
# Colours: Okabe–Ito palette and neighbours, readable in print and for colour-blind readers.
NODE_TYPES: tuple[NodeType, ...] = (
    NodeType("School", "#0072B2", "o"),
    NodeType("GeneralSchool", "#56B4E9", "o"),
    NodeType("HigherEducationInstitution", "#CC79A7", "o"),
    NodeType("Enterprise", "#E69F00", "o"),
    NodeType("Hospital", "#D55E00", "o"),
    NodeType("GovernmentBody", "#666666", "o"),
    NodeType("Association", "#999933", "o"),
    NodeType("Museum", "#882255", "o"),
    NodeType("ResearchInstitution", "#44AA99", "o"),
    NodeType("VocationalEducationGroup", "#332288", "h"),
    NodeType("IndustryEducationConsortium", "#117733", "h"),
    NodeType("Collaboration", "#88CCEE", "h"),
    NodeType("Organisation", "#BBBBBB", "o"),
    NodeType("IndustryCluster", "#009E73", "D"),
    NodeType("Major", "#F0E442", "s"),
    NodeType("MajorOffering", "#DDCC77", "s"),
    NodeType("ArticulationPathway", "#AA4499", "^"),
    NodeType("CooperationAgreement", "#E15759", "v"),
    NodeType("TrainingBase", "#8C564B", "p"),
    NodeType("Patent", "#9467BD", "*"),
    NodeType("Designation", "#BCBD22", "*"),
    NodeType("AdministrativeArea", "#A0A0A0", "8"),
    NodeType("Person", "#7F7F7F", "."),
    NodeType("CareerStage", "#C7C7C7", "."),
    NodeType("SchoolActivity", "#C7C7C7", "."),
)
TYPES_BY_NAME = {t.name: t for t in NODE_TYPES}
TYPE_RANK = {t.iri: rank for rank, t in enumerate(NODE_TYPES)}

#: Organisations that are not schools of the report: the "partners" of the views.
PARTNER_TYPES = frozenset(
    {
        "GeneralSchool",
        "HigherEducationInstitution",
        "Enterprise",
        "Hospital",
        "GovernmentBody",
        "Association",
        "Museum",
        "ResearchInstitution",
        "VocationalEducationGroup",
        "IndustryEducationConsortium",
        "Collaboration",
        "Organisation",
    }
)


def most_specific(type_iris: list[str] | set[str]) -> str | None:
    """The local name of the most specific known type, or None if none is known."""
    known = [iri for iri in type_iris if iri in TYPE_RANK]
    if not known:
        return None
    return min(known, key=TYPE_RANK.__getitem__)[len(VET):]

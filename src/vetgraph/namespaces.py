"""Every namespace and vocabulary IRI the code names, defined once.

Plain strings (no rdflib import), so the CLI, the engine's workers and the store backends can
use them without loading rdflib; wrap one in ``rdflib.Namespace`` where attribute access reads
better. :data:`PREFIXES` is the one prefix table: its order is a priority (when two
vocabularies share a local name, the earlier one gets the short JSON-LD key), and subsets of it
(:func:`prefixes`) serve the modules that declare fewer.
"""

from __future__ import annotations

from .config import BASE_IRI

VET = BASE_IRI + "ontology#"
#: Service-description terms the SPARQL SD vocabulary has no word for (limits, truncation).
VETSD = BASE_IRI + "ontology/service#"
VSH = BASE_IRI + "shapes#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
QB = "http://purl.org/linked-data/cube#"
SDMX_DIMENSION = "http://purl.org/linked-data/sdmx/2009/dimension#"
SDMX_MEASURE = "http://purl.org/linked-data/sdmx/2009/measure#"
SDMX_ATTRIBUTE = "http://purl.org/linked-data/sdmx/2009/attribute#"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
SH = "http://www.w3.org/ns/shacl#"
VANN = "http://purl.org/vocab/vann/"
SPDX = "http://spdx.org/rdf/terms#"
FOAF = "http://xmlns.com/foaf/0.1/"
SD = "http://www.w3.org/ns/sparql-service-description#"
#: W3C's unique URIs for file formats (the service description's result formats).
FILE_FORMATS = "http://www.w3.org/ns/formats/"

RDF_TYPE = RDF + "type"
RDF_LANGSTRING = RDF + "langString"
XSD_STRING = XSD + "string"
RDFS_LABEL = RDFS + "label"
SKOS_PREFLABEL = SKOS + "prefLabel"

#: Prefixes for every serialization and the JSON-LD context, in priority order.
PREFIXES: dict[str, str] = {
    "vet": VET,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "org": ORG,
    "schema": SCHEMA,
    "qb": QB,
    "sdmx-dimension": SDMX_DIMENSION,
    "sdmx-measure": SDMX_MEASURE,
    "sdmx-attribute": SDMX_ATTRIBUTE,
    "dcat": DCAT,
    "void": VOID,
    "sh": SH,
    "vann": VANN,
    "spdx": SPDX,
    "foaf": FOAF,
    "sd": SD,
    "vsh": VSH,
}


def prefixes(*names: str) -> dict[str, str]:
    """The entries of :data:`PREFIXES` named, in the order given (a KeyError names a typo)."""
    return {name: PREFIXES[name] for name in names}


def sparql_prologue(*names: str) -> str:
    """``PREFIX name: <iri>`` lines for a SPARQL query, one per name, in the order given."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in prefixes(*names).items())


def turtle_prologue(*names: str) -> str:
    """``@prefix name: <iri> .`` lines for a Turtle document, one per name."""
    return "".join(f"@prefix {name}: <{iri}> .\n" for name, iri in prefixes(*names).items())

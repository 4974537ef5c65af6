"""The alias tables of content negotiation: media types, the names a ``format`` parameter may
give, the file extensions of downloads, and the types clients send for registered ones.

Kept free of Flask; the Accept header itself is read by werkzeug in :mod:`.http`. The offered
formats are fixed per query form (SELECT/ASK give results formats, CONSTRUCT/DESCRIBE give RDF
formats); a client that accepts none of them gets 406 rather than a format it did not ask for.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..linked.formats import BY_MIME, FORMATS

RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
#: The RDF syntaxes are those of the one table, :data:`vetgraph.linked.formats.FORMATS`.
TURTLE = FORMATS["ttl"].mime
NTRIPLES = FORMATS["nt"].mime
JSONLD = FORMATS["jsonld"].mime
RDFXML = FORMATS["rdfxml"].mime
TRIG = FORMATS["trig"].mime
NQUADS = FORMATS["nq"].mime
HTML = "text/html"
JSON = "application/json"

#: Formats for SELECT and ASK, in the server's order of preference (first wins a tie).
RESULTS_FORMATS: tuple[str, ...] = (RESULTS_JSON, RESULTS_XML, CSV, TSV)
#: Formats for CONSTRUCT and DESCRIBE (and for RDF documents such as the service description).
GRAPH_FORMATS: tuple[str, ...] = (TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS)

#: Media types some clients send instead of the registered one; they get the registered one.
ALIASES: dict[str, str] = {
    JSON: RESULTS_JSON,
    "text/plain": NTRIPLES,
    "application/x-turtle": TURTLE,
    "application/turtle": TURTLE,
    "text/n3": TURTLE,
    "application/n3": TURTLE,
    "text/rdf+n3": TURTLE,
    "application/x-json+ld": JSONLD,
    "application/x-trig": TRIG,
    "text/x-nquads": NQUADS,
}

#: Short names for the ``format`` parameter; a name maps to one type per query form.
FORMAT_NAMES: dict[str, tuple[str | None, str | None]] = {
    # name: (results type, graph type)
    "json": (RESULTS_JSON, JSONLD),
    "srj": (RESULTS_JSON, None),
    "xml": (RESULTS_XML, RDFXML),
    "srx": (RESULTS_XML, None),
    "csv": (CSV, None),
    "tsv": (TSV, None),
    "ttl": (None, TURTLE),
    "turtle": (None, TURTLE),
    "nt": (None, NTRIPLES),
    "ntriples": (None, NTRIPLES),
    "n-triples": (None, NTRIPLES),
    "jsonld": (None, JSONLD),
    "json-ld": (None, JSONLD),
    "rdfxml": (None, RDFXML),
    "rdf": (None, RDFXML),
    "rdf+xml": (None, RDFXML),
    "n3": (None, TURTLE),
    "trig": (None, TRIG),
    "nq": (None, NQUADS),
    "nquads": (None, NQUADS),
    "n-quads": (None, NQUADS),
}

#: File extension of each media type (downloads' Content-Disposition, document URLs' suffixes):
#: the results formats' here, the RDF syntaxes' from the format table.
EXTENSIONS: dict[str, str] = {
    RESULTS_JSON: "srj",
    RESULTS_XML: "srx",
    CSV: "csv",
    TSV: "tsv",
    HTML: "html",
    **{mime: fmt.extension for mime, fmt in BY_MIME.items()},
}


class UnknownFormat(ValueError):
    """The ``format`` parameter names nothing this endpoint can produce."""


def from_format_param(value: str) -> tuple[str | None, str | None]:
    """Map a ``format`` parameter (short name or media type) to (results type, graph type)."""
    name = value.strip().lower()
    if name in FORMAT_NAMES:
        return FORMAT_NAMES[name]
    name = ALIASES.get(name, name)
    if name in RESULTS_FORMATS:
        return name, None
    if name in GRAPH_FORMATS:
        return None, name
    raise UnknownFormat(value)


@dataclass(frozen=True)
class Choice:
    """The types to answer with, one per query form family; None where nothing is acceptable."""

    results: str | None
    graph: str | None

    def for_kind(self, kind: str) -> str | None:
        return self.graph if kind == "graph" else self.results

    @classmethod
    def from_format_param(cls, value: str) -> Choice:
        """The format parameter, when given, wins over Accept (browsers cannot set Accept)."""
        return cls(*from_format_param(value))


"""Content negotiation for the SPARQL endpoint: Accept with q-values and a ``format`` parameter.

Kept free of Flask so it can be unit-tested and reused by other surfaces. The offered formats are
fixed per query form (SELECT/ASK give results formats, CONSTRUCT/DESCRIBE give RDF formats); a
client that accepts none of them gets 406 rather than a format it did not ask for.
"""

from __future__ import annotations

from dataclasses import dataclass

RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
TRIG = "application/trig"
NQUADS = "application/n-quads"
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

#: File extensions for Content-Disposition of downloads.
EXTENSIONS: dict[str, str] = {
    RESULTS_JSON: "srj",
    RESULTS_XML: "srx",
    CSV: "csv",
    TSV: "tsv",
    TURTLE: "ttl",
    NTRIPLES: "nt",
    JSONLD: "jsonld",
    RDFXML: "rdf",
    TRIG: "trig",
    NQUADS: "nq",
}


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header."""

    type: str
    subtype: str
    q: float
    params: tuple[tuple[str, str], ...] = ()

    def specificity(self) -> int:
        """3 for type/subtype;params, 2 for type/subtype, 1 for type/*, 0 for */*."""
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 3 if self.params else 2

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return (self.type in ("*", main)) and (self.subtype in ("*", sub))


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header; an absent or empty header means ``*/*``. Bad elements are skipped."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges: list[MediaRange] = []
    for element in header.split(","):
        parts = [p.strip() for p in element.split(";")]
        media = parts[0].lower()
        if "/" not in media:
            continue
        main, _, sub = media.partition("/")
        if not main or not sub:
            continue
        q = 1.0
        params: list[tuple[str, str]] = []
        for param in parts[1:]:
            key, _, value = param.partition("=")
            key = key.strip().lower()
            value = value.strip().strip('"')
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0)
            elif key:
                params.append((key, value))
        full = f"{main}/{sub}"
        if full in ALIASES:
            main, _, sub = ALIASES[full].partition("/")
        ranges.append(MediaRange(main, sub, q, tuple(params)))
    return ranges


def quality(ranges: list[MediaRange], media_type: str) -> float:
    """The q-value the client gives ``media_type``: that of the most specific matching range."""
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity() > best.specificity()):
            best = r
    return best.q if best else 0.0


def choose(accept: str | None, offered: tuple[str, ...] | list[str]) -> str | None:
    """Pick the offered type with the highest q (server order breaks ties); None means 406."""
    ranges = parse_accept(accept)
    best_type, best_q = None, 0.0
    for media_type in offered:
        q = quality(ranges, media_type)
        if q > best_q:
            best_type, best_q = media_type, q
    return best_type


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


def negotiate(accept: str | None, format_param: str | None) -> Choice:
    """The format parameter, when given, wins over Accept (browsers cannot set Accept)."""
    if format_param:
        results, graph = from_format_param(format_param)
        return Choice(results, graph)
    return Choice(choose(accept, RESULTS_FORMATS), choose(accept, GRAPH_FORMATS))

"""Settings: where the sources and the store are, and the limits a public endpoint keeps.

Every value comes, in this order of precedence, from an explicit override (a CLI flag),
a ``VETGRAPH_*`` environment variable, or a default derived from the project root.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASE_IRI = "https://w3id.org/vetgraph/"

#: Named graphs of the store, fixed by project convention (they do not follow ``--base-iri``).
GRAPH_ONTOLOGY = BASE_IRI + "graph/ontology"
GRAPH_CODES = BASE_IRI + "graph/codes"
GRAPH_DATA = BASE_IRI + "graph/data"
GRAPH_SHAPES = BASE_IRI + "graph/shapes"
#: What ``vetgraph build`` derives (RDFS closure and the rules of ``ontology/rules/``): part of
#: the union default graph; name the other graphs (``FROM``) to query without it.
GRAPH_INFERRED = BASE_IRI + "graph/inferred"
GRAPHS: dict[str, str] = {
    "ontology": GRAPH_ONTOLOGY,
    "codes": GRAPH_CODES,
    "data": GRAPH_DATA,
    "shapes": GRAPH_SHAPES,
    "inferred": GRAPH_INFERRED,
}

#: Folder holding the sources inside a wheel (see ``force-include`` in pyproject.toml).
RESOURCES = Path(__file__).resolve().parent / "_resources"
_MARKER = Path("ontology") / "vetgraph.ttl"


def find_root(start: Path | None = None) -> Path:
    """Locate the source tree: a checkout's root first, then the wheel's ``_resources``.

    A checkout wins so that an editable install always reads the files the steward edits.
    """
    here = (start or Path(__file__)).resolve()
    for parent in [here, *here.parents]:
        if (parent / _MARKER).is_file():
            return parent
    if (RESOURCES / _MARKER).is_file():
        return RESOURCES
    # No tree found: point at the checkout this module lives in (src/vetgraph/config.py),
    # so that errors name the file that is missing rather than a random directory.
    checkout = Path(__file__).resolve().parents[2]
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


@dataclass(frozen=True)
class Settings:
    """Paths, base IRI and limits; build one with :meth:`Settings.load`."""

    root: Path
    ontology_file: Path
    codes_dir: Path
    shapes_dir: Path
    data_dir: Path
    queries_dir: Path
    store_dir: Path
    base_iri: str = BASE_IRI
    query_timeout: float = 30.0  # seconds
    max_query_length: int = 100 * 1024  # bytes of SPARQL text
    max_body: int = 1024 * 1024  # bytes of request body
    max_rows: int = 10_000  # result rows (or triples) before truncation
    max_concurrent_queries: int = 4  # per process
    #: Costs counted by the guard's linear pre-scan before any parser sees a query (see
    #: :mod:`vetgraph.engine.guard`): a flat ``<p>|<p>|…`` of 12,000 ways overflows
    #: Oxigraph's stack, and parsers spend seconds on long operator or UNION chains.
    max_query_operators: int = 2_000  # + - * / = < > && || ! and path operators, signs
    max_query_alternatives: int = 1_000  # path alternatives: the ``|`` of property paths
    max_query_unions: int = 500  # UNION keywords
    #: Triple patterns and clauses, each a level of Oxigraph's algebra (4,000 BINDs, select
    #: expressions, DESCRIBE terms or triple patterns crash it): ``. ; , {`` and FILTER, BIND,
    #: OPTIONAL, MINUS, GRAPH, VALUES, AS, and the terms after DESCRIBE.
    max_query_patterns: int = 2_000
    #: Graph downloads (/network/{view}.png …): bytes of rendered files kept, renders at once.
    graph_cache_bytes: int = 64 * 1024 * 1024
    max_concurrent_renders: int = 2
    #: The remote backend (``--backend remote``): SPARQL 1.1 Protocol query and update URLs
    #: and HTTP credentials (Basic or Digest); see :mod:`vetgraph.store.remote`.
    remote_endpoint: str | None = None
    remote_update_endpoint: str | None = None
    remote_user: str | None = None
    remote_password: str | None = None

    #: Environment variable for each field; fields not listed use ``VETGRAPH_<FIELD>``.
    ENV_NAMES = {"store_dir": "VETGRAPH_STORE", "ontology_file": "VETGRAPH_ONTOLOGY"}

    @classmethod
    def env_name(cls, field: str) -> str:
        return cls.ENV_NAMES.get(field, "VETGRAPH_" + field.upper())

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Resolve settings from overrides, then ``env`` (default ``os.environ``), then defaults.

        Overrides whose value is ``None`` are ignored, so CLI code can pass every flag.
        """
        env = os.environ if env is None else env
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(given) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")

        def pick(name: str) -> Any:
            if name in given:
                return given[name]
            return env.get(cls.env_name(name)) or None

        root_value = pick("root")
        root = Path(root_value).absolute() if root_value else find_root()
        store_default = (Path.cwd() if root == RESOURCES else root) / "var" / "store"
        defaults: dict[str, Any] = {
            "root": root,
            "ontology_file": root / "ontology" / "vetgraph.ttl",
            "codes_dir": root / "ontology" / "codes",
            "shapes_dir": root / "ontology" / "shapes",
            "data_dir": root / "data" / "ttl",
            "queries_dir": root / "queries",
            "store_dir": store_default,
        }
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = root if field.name == "root" else pick(field.name)
            if raw is None:
                if field.name in defaults:
                    values[field.name] = defaults[field.name]
                continue  # dataclass default applies
            values[field.name] = _coerce(field, raw, cls.env_name(field.name))
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed (the dataclass is frozen)."""
        return dataclasses.replace(self, **changes)


def _coerce(field: dataclasses.Field[Any], raw: Any, env_name: str) -> Any:
    """Turn a flag or environment string into the field's type, naming the culprit on error."""
    kind = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
    try:
        if kind == "Path":
            # absolute() and not resolve(): the store path is a symlink that builds swap.
            return Path(raw).expanduser().absolute()
        if kind == "int":
            value: Any = int(raw)
        elif kind == "float":
            value = float(raw)
        else:
            return str(raw)
    except ValueError as exc:
        raise ValueError(f"{env_name}: cannot read {raw!r} as {kind}") from exc
    if value <= 0:
        raise ValueError(f"{env_name}: must be positive, got {raw!r}")
    return value

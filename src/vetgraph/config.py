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
#: The validation report of the build (``sh:ValidationReport``, one ``sh:ValidationResult`` per
#: finding, with stable IRIs): what ``vetgraph validate`` reports, readable by SPARQL.
GRAPH_VALIDATION = BASE_IRI + "graph/validation"
GRAPHS: dict[str, str] = {
    "ontology": GRAPH_ONTOLOGY,
    "codes": GRAPH_CODES,
    "data": GRAPH_DATA,
    "shapes": GRAPH_SHAPES,
    "inferred": GRAPH_INFERRED,
    "validation": GRAPH_VALIDATION,
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
class Setting:
    """One setting, described once: the CLI's options, ``docs/cli.md``, the server's
    environment defaults and the home page's limits are all generated from these."""

    name: str
    type: type
    default: Any
    help: str
    #: Environment variable read when no flag is given (None: flag only).
    env: str | None = None
    #: Command-line flag (None: environment only, e.g. the paths below the root).
    flag: str | None = None
    metavar: str | None = None
    #: Which options it belongs to: ``settings`` (every command), ``remote`` (commands that
    #: take ``--backend remote``) or ``serve`` (``vetgraph serve`` only).
    scope: str = "settings"
    #: The key of the limit in the service description and home page (``WebState.limits``).
    limit: str | None = None


def _s(name: str, kind: type, default: Any, text: str, metavar: str | None = None, *,
       scope: str = "settings", env: str | None = "", flag: str | None = "",
       limit: str | None = None) -> Setting:
    """A :class:`Setting` whose flag and variable default to ``--name`` and ``VETGRAPH_NAME``."""
    return Setting(
        name, kind, default, text,
        env=("VETGRAPH_" + name.upper()) if env == "" else env,
        flag=("--" + name.replace("_", "-")) if flag == "" else flag,
        metavar=metavar, scope=scope, limit=limit,
    )


#: Every setting of vetgraph, in the order ``--help`` lists them.
REGISTRY: tuple[Setting, ...] = (
    _s("root", Path, None, "source tree (ontology/, data/ttl/, queries/); default: the "
       "checkout, else the installed package's copy", "DIR"),
    _s("store_dir", Path, None, "store location (default ROOT/var/store)", "DIR",
       env="VETGRAPH_STORE", flag="--store"),
    _s("data_dir", Path, None, "the data's Turtle files (default ROOT/data/ttl), e.g. the "
       "output of `vetgraph synth`", "DIR"),
    _s("ontology_file", Path, None, "the OWL ontology (default ROOT/ontology/vetgraph.ttl)",
       env="VETGRAPH_ONTOLOGY", flag=None),
    _s("codes_dir", Path, None, "the SKOS code lists (default ROOT/ontology/codes)", flag=None),
    _s("shapes_dir", Path, None, "the SHACL shapes (default ROOT/ontology/shapes)", flag=None),
    _s("queries_dir", Path, None, "the named queries (default ROOT/queries)", flag=None),
    _s("base_iri", str, BASE_IRI, "base IRI served", "IRI"),
    _s("query_timeout", float, 30.0, "seconds a query may run", "SECONDS",
       limit="query_timeout_seconds"),
    _s("max_query_length", int, 100 * 1024, "bytes of SPARQL text", "BYTES",
       limit="max_query_length_bytes"),
    _s("max_body", int, 1024 * 1024, "bytes of request body", "BYTES",
       limit="max_request_body_bytes"),
    _s("max_rows", int, 10_000, "result rows (or triples) before truncation", "N",
       limit="max_result_rows"),
    _s("max_concurrent_queries", int, 4, "queries evaluated at once, per process", "N",
       limit="max_concurrent_queries"),
    # Costs counted by the guard's linear pre-scan before any parser sees a query (see
    # vetgraph.engine.guard): a flat <p>|<p>|… of 12,000 ways overflows Oxigraph's stack, and
    # parsers spend seconds on long operator or UNION chains.
    _s("max_query_operators", int, 2_000, "operators in a query, path operators and signs "
       "included", "N", limit="max_query_operators"),
    _s("max_query_alternatives", int, 1_000, "property path alternatives '|' in a query", "N",
       limit="max_query_alternatives"),
    _s("max_query_unions", int, 500, "UNION keywords in a query", "N",
       limit="max_query_unions"),
    # Each a level of Oxigraph's algebra: 4,000 BINDs, select expressions, DESCRIBE terms or
    # triple patterns crash it.
    _s("max_query_patterns", int, 2_000, "triple patterns and clauses in a query: '.', ';', "
       "',', '{', FILTER, BIND, OPTIONAL, MINUS, GRAPH, VALUES, AS and DESCRIBE's terms", "N",
       limit="max_query_patterns"),
    _s("graph_cache_bytes", int, 64 * 1024 * 1024, "bytes of rendered network downloads "
       "(/network/{view}.png …) kept in memory", "BYTES"),
    _s("answer_cache", bool, True, "keep whole answers of /sparql and /api/queries by dataset "
       "version and request (Cache-Status says hit or miss); 0 turns it off", flag=None),
    _s("answer_cache_bytes", int, 64 * 1024 * 1024, "bytes of answers the answer cache keeps "
       "(least recently used out)", "BYTES"),
    _s("max_concurrent_renders", int, 2, "network pictures rendered at once, each in a "
       "process of its own", "N"),
    # The remote backend: SPARQL 1.1 Protocol query and update URLs and HTTP credentials
    # (Basic or Digest); see vetgraph.store.remote.
    _s("remote_endpoint", str, None, "SPARQL query URL", "URL", scope="remote",
       flag="--endpoint"),
    _s("remote_update_endpoint", str, None, "SPARQL update URL (default the query URL)", "URL",
       scope="remote", flag="--update-endpoint"),
    _s("remote_user", str, None, "HTTP user", "NAME", scope="remote", flag="--user"),
    _s("remote_password", str, None, "HTTP password", "SECRET", scope="remote",
       flag="--password"),
    # `vetgraph serve` (and create_app): the server's own settings.
    _s("host", str, "127.0.0.1", "interface to listen on", "ADDRESS", scope="serve", env=None),
    _s("port", int, 8000, "TCP port, 1-65535", "PORT", scope="serve", env=None),
    _s("workers", int, None, "query worker processes = concurrent queries (default "
       "--max-concurrent-queries)", "N", scope="serve", env=None),
    _s("threads", int, None, "waitress threads (default workers + 4)", "N", scope="serve",
       env=None),
    _s("queue_wait", float, 2.0, "seconds a query waits for a free worker before 503 + "
       "Retry-After", "SECONDS", scope="serve"),
    _s("reserved_workers", int, None, "workers kept for queries not seen to run long, so cheap "
       "requests are served while slow ones hold the others (default 1 when --workers is 2 or "
       "more)", "N", scope="serve", limit="reserved_workers"),
    _s("reserved_timeout", float, 1.0, "the longest a query may run on a reserved worker",
       "SECONDS", scope="serve", limit="reserved_timeout_seconds"),
    _s("local_query_ms", float, 50.0, "the app's own queries (named queries, pages) that a "
       "worker answered within this many ms are answered again in the web process, without "
       "the hop to a worker, until the store changes; a user's SPARQL always runs in a worker "
       "(0: every query in a worker)", "MS", scope="serve"),
    _s("max_client_queries", int, 0, "queries one client address may run at once; past it "
       "429 + Retry-After (0: no limit; clients behind one proxy share an address)", "N",
       scope="serve", limit="max_client_queries"),
    _s("snapshot_threshold", int, 1000, "with --allow-update: snapshot the store before an "
       "update that removes this many triples or empties a graph; `vetgraph restore` puts one "
       "back", "TRIPLES", scope="serve"),
    _s("keep_snapshots", int, 10, "with --allow-update: the snapshots kept; after a new one "
       "the oldest beyond this many are deleted (0: keep every one)", "N", scope="serve"),
    _s("update_timeout", float, 120.0, "with --allow-update: the longest an update may take, "
       "the validation of its result included (the seed takes a few seconds)", "SECONDS",
       scope="serve"),
    _s("worker_memory", int, 2048, "memory cap of each query worker in MiB (0: none); an "
       "ORDER BY over a cross product grows fast", "MIB", scope="serve",
       env="VETGRAPH_WORKER_MEMORY_MB", limit="worker_memory_mb"),
    _s("max_query_depth", int, 64, "bracket nesting a query may use (pyoxigraph's parser "
       "crashes on a few thousand)", "N", scope="serve", limit="max_query_depth"),
    _s("allow_update", bool, False, "accept SPARQL Update from clients that send the bearer "
       "token", scope="serve", env=None, limit="updates_allowed"),
    _s("update_token", str, None, "bearer token for updates", "TOKEN", scope="serve"),
    _s("allow_shared_network", bool, False, "serve even where query workers cannot get a "
       "network namespace of their own (the query guard alone then stops SERVICE and LOAD)",
       scope="serve", limit="worker_network"),
    _s("worker_netns", bool, True, "give each query worker a network namespace of its own; "
       "0 keeps them in the host network", scope="serve", flag=None),
)

SETTINGS_BY_NAME: dict[str, Setting] = {s.name: s for s in REGISTRY}


def setting_default(name: str) -> Any:
    """The registry's default for ``name`` (the Settings dataclass and create_app use it)."""
    return SETTINGS_BY_NAME[name].default


def read_setting(name: str, given: Any = None, env: Mapping[str, str] | None = None) -> Any:
    """``given`` if not None, else the setting's environment variable, else its default.

    What the server does for the settings that are not fields of :class:`Settings`.
    """
    if given is not None:
        return given
    setting = SETTINGS_BY_NAME[name]
    env = os.environ if env is None else env
    raw = env.get(setting.env) if setting.env else None
    if not raw:
        return setting.default
    if setting.type is bool:
        if raw not in ("0", "1"):
            raise ValueError(f"{setting.env}: give 0 or 1, got {raw!r}")
        return raw == "1"
    try:
        return setting.type(raw)
    except ValueError as exc:
        raise ValueError(f"{setting.env}: cannot read {raw!r} as "
                         f"{setting.type.__name__}") from exc


@dataclass(frozen=True)
class Settings:
    """Paths, base IRI and limits; build one with :meth:`Settings.load`.

    Each field is a :data:`REGISTRY` entry of scope ``settings`` or ``remote``, whose default
    it takes from there.
    """

    root: Path
    ontology_file: Path
    codes_dir: Path
    shapes_dir: Path
    data_dir: Path
    queries_dir: Path
    store_dir: Path
    base_iri: str = setting_default("base_iri")
    query_timeout: float = setting_default("query_timeout")
    max_query_length: int = setting_default("max_query_length")
    max_body: int = setting_default("max_body")
    max_rows: int = setting_default("max_rows")
    max_concurrent_queries: int = setting_default("max_concurrent_queries")
    max_query_operators: int = setting_default("max_query_operators")
    max_query_alternatives: int = setting_default("max_query_alternatives")
    max_query_unions: int = setting_default("max_query_unions")
    max_query_patterns: int = setting_default("max_query_patterns")
    graph_cache_bytes: int = setting_default("graph_cache_bytes")
    answer_cache: bool = setting_default("answer_cache")
    answer_cache_bytes: int = setting_default("answer_cache_bytes")
    max_concurrent_renders: int = setting_default("max_concurrent_renders")
    remote_endpoint: str | None = None
    remote_update_endpoint: str | None = None
    remote_user: str | None = None
    remote_password: str | None = None

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable of a field, from the registry."""
        return SETTINGS_BY_NAME[field].env or "VETGRAPH_" + field.upper()

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
        if kind == "bool":  # a switch: True/False from code, 0 or 1 from the environment
            if isinstance(raw, bool):
                return raw
            if str(raw) not in ("0", "1"):
                raise ValueError(f"give 0 or 1, got {raw!r}")
            return str(raw) == "1"
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

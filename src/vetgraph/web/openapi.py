"""The OpenAPI 3.1 description of the named-query API, generated from the queries' decorators.

One GET operation per query (``operationId`` = the query's name), its typed parameters as query
parameters, and the response types the API negotiates. IRI parameters that name a class list the
store's resources of that class (``enum``), so the documentation page offers them to choose from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import __version__
from ..queries import MAX_STRING, NamedQuery, Parameter
from . import negotiation as n

RESULT_TYPES = (n.RESULTS_JSON, n.RESULTS_XML, n.CSV, n.TSV)
GRAPH_TYPES = (n.TURTLE, n.JSONLD, n.NTRIPLES, n.RDFXML, n.TRIG, n.NQUADS)
#: ``format`` names the API takes, per query family (``html`` is the query's page).
RESULT_FORMAT_NAMES = ("json", "xml", "csv", "tsv", "html")
GRAPH_FORMAT_NAMES = ("ttl", "jsonld", "nt", "rdfxml", "trig", "nq", "html")

_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "a short reason, e.g. bad-parameter"},
        "message": {"type": "string"},
        "status": {"type": "integer"},
        "parameter": {"type": "string", "description": "the parameter that was wrong"},
        "expected": {"type": "string", "description": "what the parameter takes"},
    },
}
_TERM = {
    "type": "object",
    "required": ["type", "value"],
    "properties": {
        "type": {"enum": ["uri", "literal", "bnode", "typed-literal"]},
        "value": {"type": "string"},
        "xml:lang": {"type": "string"},
        "datatype": {"type": "string"},
    },
}
_SELECT_RESULTS = {
    "type": "object",
    "required": ["head", "results"],
    "properties": {
        "head": {
            "type": "object",
            "properties": {"vars": {"type": "array", "items": {"type": "string"}}},
        },
        "results": {
            "type": "object",
            "required": ["bindings"],
            "properties": {
                "bindings": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": {"$ref": "#/components/schemas/RdfTerm"},
                    },
                }
            },
        },
    },
}
_ASK_RESULT = {
    "type": "object",
    "required": ["head", "boolean"],
    "properties": {"head": {"type": "object"}, "boolean": {"type": "boolean"}},
}
_CATALOGUE = {
    "type": "object",
    "required": ["queries"],
    "properties": {
        "queries": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "summary", "tags", "parameters", "links"],
                "properties": {
                    "name": {"type": "string"},
                    "summary": {
                        "type": "object",
                        "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
                    },
                    "description": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "form": {"enum": ["SELECT", "CONSTRUCT", "ASK", "DESCRIBE"]},
                    "parameters": {"type": "array", "items": {"type": "object"}},
                    "answer": {"type": "object"},
                    "query": {"type": "string"},
                    "links": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
        },
        "openapi": {"type": "string"},
    },
}
_TEXT = {"schema": {"type": "string"}}


def parameter_schema(p: Parameter, choices: Sequence[str] | None = None) -> dict[str, Any]:
    """JSON Schema of one parameter's value as it appears in the URL."""
    schema: dict[str, Any]
    if p.type == "iri":
        schema = {"type": "string", "format": "iri"}
        if choices:
            schema["enum"] = list(choices)
    elif p.type == "enum":
        schema = {"type": "string", "enum": list(p.values)}
    elif p.type == "integer":
        schema = {"type": "integer"}
    elif p.type == "year":
        schema = {"type": "integer", "minimum": 1000, "maximum": 9999}
    elif p.type == "decimal":
        schema = {"type": "string", "pattern": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"}
    elif p.type == "language":
        schema = {"type": "string", "pattern": r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"}
    else:
        schema = {"type": "string", "minLength": 1, "maxLength": MAX_STRING}
    if p.type in ("integer", "year"):
        if p.minimum is not None:
            schema["minimum"] = max(p.minimum, schema.get("minimum", p.minimum))
        if p.maximum is not None:
            schema["maximum"] = min(p.maximum, schema.get("maximum", p.maximum))
        if p.default is not None:
            schema["default"] = int(p.default)
    elif p.default is not None:
        schema["default"] = p.default
    return schema


def _parameter(p: Parameter, choices: Sequence[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": p.name,
        "in": "query",
        "required": p.required,
        "description": (p.description + "\n\n" if p.description else "")
        + f"Bound to `?{p.var}`; expects {p.expected()}.",
        "schema": parameter_schema(p, choices),
    }
    if p.example is not None:
        out["example"] = int(p.example) if p.type in ("integer", "year") else p.example
    return out


def _paging(max_rows: int) -> list[dict[str, Any]]:
    return [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": f"rows per page (default: all, up to {max_rows})",
            "schema": {"type": "integer", "minimum": 1, "maximum": max_rows},
        },
        {
            "name": "offset",
            "in": "query",
            "required": False,
            "description": "rows to skip",
            "schema": {"type": "integer", "minimum": 0},
        },
    ]


def _errors() -> dict[str, Any]:
    error = {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
        "text/plain": _TEXT,
    }
    return {
        "400": {
            "description": "a parameter is missing, ill-typed or names nothing in the store",
            "content": {**error, "text/html": _TEXT},
        },
        "406": {
            "description": "none of the accepted media types can carry this answer",
            "content": error,
        },
        "503": {"description": "busy or timed out; see Retry-After", "content": error},
    }


def _answer_description(query: NamedQuery) -> str:
    """The decorator ``answer`` in words: the shape of a correct answer."""
    lines = [f"{query.form} answer."]
    answer = dict(query.answer)
    if "rows" in answer:
        lines.append(f"Rows: {answer['rows']}.")
    columns = answer.get("columns")
    if isinstance(columns, Mapping):
        lines += [f"- `{name}`: {text}" for name, text in columns.items()]
    elif query.variables:
        lines.append("Columns: " + ", ".join(f"`{v}`" for v in query.variables))
    return "\n".join(lines)


def operation(query: NamedQuery, max_rows: int, choices: Mapping[str, Sequence[str]]) -> dict:
    """The GET operation of one query."""
    graph = query.form in ("CONSTRUCT", "DESCRIBE")
    params = [_parameter(p, choices.get(p.name)) for p in query.params]
    params.append(
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "answer format; overrides Accept (html is the query's page)",
            "schema": {
                "type": "string",
                "enum": list(GRAPH_FORMAT_NAMES if graph else RESULT_FORMAT_NAMES),
            },
        }
    )
    if query.form == "SELECT":
        params += _paging(max_rows)
    if graph:
        content: dict[str, Any] = {t: {"schema": {}} for t in GRAPH_TYPES}
        content[n.JSONLD] = {"schema": {"type": ["object", "array"]}}
    else:
        schema = "SelectResults" if query.form == "SELECT" else "AskResult"
        content = {t: _TEXT for t in RESULT_TYPES}
        content[n.RESULTS_JSON] = {"schema": {"$ref": f"#/components/schemas/{schema}"}}
    content["text/html"] = _TEXT
    headers = {
        "X-SPARQL-Truncated": {
            "description": "true when the row cap cut the answer",
            "schema": {"type": "string", "enum": ["true", "false"]},
        },
    }
    if query.form == "SELECT":
        headers["X-Total-Count"] = {
            "description": "rows in the whole answer (when not cut)",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        }
        headers["Link"] = {
            "description": "first, prev, next and last pages (RFC 8288)",
            "schema": {"type": "string"},
        }
    description = query.description + "\n\n" + _answer_description(query)
    return {
        "operationId": query.name,
        "summary": query.summary,
        "description": description.strip(),
        "tags": list(query.tags) or ["queries"],
        "parameters": params,
        "responses": {
            "200": {"description": "the answer", "headers": headers, "content": content},
            **_errors(),
        },
    }


def build(
    queries: Sequence[NamedQuery],
    *,
    server: str,
    max_rows: int,
    dataset_version: str,
    choices: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> dict[str, Any]:
    """The whole document; ``choices[query][param]`` lists allowed IRIs for class parameters."""
    choices = choices or {}
    paths: dict[str, Any] = {
        "/api/queries": {
            "get": {
                "operationId": "listQueries",
                "summary": "查询目录 / The catalogue of named queries",
                "tags": ["catalogue"],
                "parameters": [
                    {
                        "name": "format",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": ["json", "html"]},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "every named query with its parameters and links",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Catalogue"}
                            },
                            "text/html": _TEXT,
                        },
                    },
                    "400": {
                        "description": "an unknown format",
                        "content": _errors()["406"]["content"],
                    },
                    "406": _errors()["406"],
                },
            }
        },
    }
    for query in queries:
        paths[f"/api/queries/{query.name}"] = {
            "get": operation(query, max_rows, choices.get(query.name, {}))
        }
    tags = sorted({t for q in queries for t in q.tags} | {"catalogue"})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "vetgraph named queries",
            "version": f"{__version__}+{dataset_version}",
            "summary": "职业教育知识图谱的命名查询 / Named questions over the knowledge graph",
            "description": (
                "Each operation runs one SPARQL query of the repository's `queries/` folder. "
                "Parameters are bound as typed values (never pasted into the query text); a bad "
                "value is a 400 naming the parameter. Answers are negotiated by `Accept` or "
                "`format`; SELECT answers page with `limit`/`offset` and `Link` headers."
            ),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": server}],
        "tags": [{"name": t} for t in tags],
        "paths": paths,
        "components": {
            "schemas": {
                "Error": _ERROR,
                "RdfTerm": _TERM,
                "SelectResults": _SELECT_RESULTS,
                "AskResult": _ASK_RESULT,
                "Catalogue": _CATALOGUE,
            }
        },
    }

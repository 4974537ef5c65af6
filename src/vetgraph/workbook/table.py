"""``vetgraph import-table``: a report table, as copied from the report, into long form.

Tables arrive as tab-separated blocks with the artefacts of merged cells: a group's label only
on its first row (表 1.1's 类别), a wrapped cell's remainder on a row of its own (表 1.1's "中",
表 1.3.3's "目"), header rows spread over two lines, separator lines of dashes. A small JSON
mapping says what the block means::

    {"dataset": "表 1.1：本溪市 2024 年中等职业学校基本情况",   # a data set's name or IRI
     "source": "table/1-1",                 # the report part every row is derived from
     "header_rows": 2,                      # lines before the data (blank and --- lines skipped)
     "row_key": 1,                          # the column naming each data row
     "row_field": "subject",                # the row key fills this field (unless in "rows")
     "rows": {"合计": {"subject": "本溪市"}},   # fields per row key
     "fill_down": [0],                      # columns whose blanks repeat the value above
     "columns": {"2": {"indicator": "毕业生数"}},   # fields per value column (0-based);
                                            # "decimal": true keeps 90671 an xsd:decimal
     "cells": {"合计|8": {"comment_zh": "…"}},   # fields for one cell: row key|column
     "defaults": {"period": "2024", "value_kind": "水平值", "unit": "人", "status": "如实报告"},
     "blank": {"status": "未报告"}}          # fields for an empty value cell (absent: skipped)

Field names are the statistics sheet's column keys. A row with no row key and no value is a
wrapped cell's remainder: it is dropped and the preview says so.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from .model import Names, Row, emit, turtle
from .spec import OBSERVATIONS

_SEPARATOR = re.compile(r"^-+$")


class MappingError(ValueError):
    """The mapping or the table does not fit together."""


@dataclass
class TableResult:
    """The long-form rows, and what was done to the block to get them."""

    rows: list[Row]
    notes: list[str] = field(default_factory=list)


def read_block(text: str) -> list[tuple[int, list[str]]]:
    """The block's lines as cells (line numbers from 1), without blank and dash lines."""
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        cells = [c.strip() for c in line.rstrip("\r").split("\t")]
        if all(not c or _SEPARATOR.match(c) for c in cells):
            continue
        lines.append((number, cells))
    return lines


def long_form(text: str, mapping: dict[str, Any]) -> TableResult:
    """One row per value cell, fields from defaults, then the row, then the column."""
    lines = read_block(text)
    header_rows = int(mapping.get("header_rows", 1))
    if len(lines) <= header_rows:
        raise MappingError(f"the table has {len(lines)} lines, fewer than header_rows + 1")
    columns = {int(k): v for k, v in mapping.get("columns", {}).items()}
    if not columns:
        raise MappingError("the mapping names no value columns")
    key_column = int(mapping.get("row_key", 0))
    fill_down = [int(c) for c in mapping.get("fill_down", [])]
    defaults = dict(mapping.get("defaults", {}))
    if mapping.get("dataset"):
        defaults["dataset"] = mapping["dataset"]
    if mapping.get("source"):
        defaults["source"] = mapping["source"]
    result = TableResult(rows=[])
    above: dict[int, str] = {}
    for number, cells in lines[header_rows:]:
        cells = cells + [""] * (max(columns) + 1 - len(cells))
        key = cells[key_column] if key_column < len(cells) else ""
        if not key and all(not cells[c] for c in columns):
            left = " ".join(c for c in cells if c)
            result.notes.append(f"line {number}: '{left}' is a wrapped cell's remainder, dropped")
            continue
        for col in fill_down:
            if cells[col]:
                above[col] = cells[col]
            elif col in above:
                cells[col] = above[col]
                result.notes.append(f"line {number}: column {col} filled down with "
                                    f"'{above[col]}'")
        if not key:
            raise MappingError(f"line {number}: no row key in column {key_column}")
        row_fields = dict(mapping.get("rows", {}).get(key, {}))
        if mapping.get("row_field") and mapping["row_field"] not in row_fields:
            row_fields[mapping["row_field"]] = key
        for col, col_fields in sorted(columns.items()):
            value = cells[col]
            if not value and "blank" not in mapping:
                continue
            cell_fields = mapping.get("cells", {}).get(f"{key}|{col}", {})
            row: Row = {**defaults, **row_fields, **col_fields, **cell_fields}
            row.pop("decimal", None)
            if value:
                decimal = col_fields.get("decimal") and "." not in value
                row["value"] = value + "." if decimal else value
            else:
                row.update(mapping["blank"])
            result.rows.append(row)
    return result


def preview(result: TableResult, limit: int = 20) -> str:
    keys = [c.key for c in OBSERVATIONS.columns
            if any(row.get(c.key) for row in result.rows)]
    lines = ["\t".join(keys)]
    lines += ["\t".join(str(row.get(k) or "") for k in keys) for row in result.rows[:limit]]
    if len(result.rows) > limit:
        lines.append(f"... {len(result.rows) - limit} more")
    lines.append(f"{len(result.rows)} rows")
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


def write_rows_csv(path: Path, rows: list[Row]) -> None:
    """The statistics sheet as CSV (UTF-8 with BOM), to drop into a template folder."""
    from .files import atomic_save

    def save(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([c.zh for c in OBSERVATIONS.columns])
            writer.writerow([c.key for c in OBSERVATIONS.columns])
            for row in rows:
                writer.writerow(["" if row.get(c.key) is None else str(row[c.key])
                                 for c in OBSERVATIONS.columns])

    atomic_save(path, save)


def run_import_table(settings: Settings, table: Path, mapping_path: Path,
                     out: Path | None) -> int:
    """Print the preview; write the rows as CSV or, resolved and checked, as Turtle."""
    from .files import cell_name
    from .steward import current_graphs, latest_report

    try:
        mapping = json.loads(mapping_path.read_text(encoding="utf-8"))
        result = long_form(table.read_text(encoding="utf-8-sig"), mapping)
    except (MappingError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        print(f"vetgraph import-table: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(preview(result))
    if out is None:
        return 0
    if out.suffix.lower() == ".csv":
        write_rows_csv(out, result.rows)
        print(f"wrote {out}")
        return 0
    data, codes = current_graphs(settings)
    names = Names.from_graphs(data, codes, mapping.get("report") or latest_report(data))
    emitted = emit({OBSERVATIONS.name: list(enumerate(result.rows, start=1))}, names)
    if emitted.issues:
        for issue in emitted.issues:
            print(issue.text(cell_name(OBSERVATIONS, issue)), file=sys.stderr)
        return 1
    from .files import atomic_save

    data_bytes = turtle(emitted.graphs[OBSERVATIONS.name])
    atomic_save(out, lambda tmp: Path(tmp).write_bytes(data_bytes))
    print(f"wrote {out}")
    return 0

"""Workbooks (.xlsx, openpyxl) and folders of CSV files: the same sheets, both ways.

Every data sheet has its Chinese headers in row 1, the English column keys in row 2 and data
from row 3. The README sheet explains each column with an example and holds the template
version; the lists sheet holds the code lists and existing entities the drop-downs offer. A
workbook that cannot be read safely (not a workbook, another template version, hidden sheets,
merged cells, unknown sheets or columns) raises :class:`WorkbookError`; problems in single
cells (a formula, a wrong type) are returned as :class:`~.model.Issue` with their row.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .model import SEP, Issue, Names, Row, compact
from .spec import LISTS_SHEET, README_SHEET, SHEETS, TEMPLATE_VERSION, Column, Sheet

FIRST_ROW = 3  # rows 1 and 2 are the zh and en headers
VALIDATED_ROWS = 1000  # drop-downs reach this many rows below the last filled one
_DECIMALS = re.compile(r"^0\.(0*)$")


class WorkbookError(Exception):
    """The file as a whole cannot be imported (exit code 2); ``str()`` says why in zh and en."""


Rows = dict[str, list[tuple[int, Row]]]


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def cell_name(sheet: Sheet, issue: Issue) -> str | None:
    """``B7`` for an issue's cell (``None`` for a whole-sheet issue)."""
    if issue.row is None:
        return None
    keys = [c.key for c in sheet.columns]
    col = keys.index(issue.column) + 1 if issue.column in keys else 1
    return f"{column_letter(col)}{issue.row}"


def _lists(names: Names, codes_used: dict[str, list[str]]) -> dict[str, list[str]]:
    lists = {f"code:{scheme.rsplit('/', 1)[-1]}": values for scheme, values in codes_used.items()}
    lists["entities"] = sorted({names.ref_text(i) for i in names.entity_name})
    lists["sources"] = sorted(names.part_text(p) for p in names.parts)
    lists["schemes"] = sorted(set(names.scheme_name.values()))
    for sheet in SHEETS:
        for column in sheet.columns:
            key = _list_key(column)
            if column.kind == "code" and column.also and key is not None:
                schemes = column.code_schemes()
                lists[key] = sorted({names.code_text_in(c, schemes) for s in schemes
                                     for cs in names.code_keys.get(s, {}).values() for c in cs})
            elif column.kind == "choice" and key is not None:
                lists[key] = [compact(c) for c in column.choices]
    return lists


def code_lists(names: Names) -> dict[str, list[str]]:
    return {scheme: sorted({names.code_name[c] for cs in keys.values() for c in cs})
            for scheme, keys in names.code_keys.items()}


def _list_key(column: Column) -> str | None:
    if column.kind == "code":
        return "code:" + "+".join(s.rsplit("/", 1)[-1] for s in column.code_schemes())
    if column.kind == "choice":
        return f"choice:{column.key}"
    if column.kind == "scheme":
        return "schemes"
    if column.kind == "ref":
        return "entities"
    if column.kind == "part":
        return "sources"
    return None


def write_xlsx(path: Path, rows: dict[str, list[Row]], names: Names) -> None:
    """The workbook: README, every data sheet (typed, with drop-downs), then the lists."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    readme = book.active
    readme.title = README_SHEET
    _write_readme(readme, names)
    lists = _lists(names, code_lists(names))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    ranges: dict[str, str] = {}
    list_sheet = book.create_sheet(LISTS_SHEET)
    for index, (key, values) in enumerate(sorted(lists.items()), start=1):
        letter = column_letter(index)
        list_sheet.cell(1, index, key).font = bold
        for offset, value in enumerate(values, start=2):
            list_sheet.cell(offset, index, value)
        ranges[key] = f"{LISTS_SHEET}!${letter}$2:${letter}${max(2, len(values) + 1)}"
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.name, index=len(book.sheetnames) - 1)
        data = rows.get(sheet.name, [])
        for col, column in enumerate(sheet.columns, start=1):
            for row_no, text in ((1, column.zh + (" *" if column.required else "")),
                                 (2, column.key)):
                cell = ws.cell(row_no, col, text)
                cell.font, cell.fill = bold, fill
            ws.column_dimensions[column_letter(col)].width = 28 if column.kind == "text" else 18
            for offset, row in enumerate(data):
                _put(ws.cell(FIRST_ROW + offset, col), column, row.get(column.key))
        ws.freeze_panes = "B3"
        last = FIRST_ROW + len(data) + VALIDATED_ROWS
        for col, column in enumerate(sheet.columns, start=1):
            letter = column_letter(col)
            area = f"{letter}{FIRST_ROW}:{letter}{last}"
            validation = _validation(column, ranges)
            if validation is not None:
                ws.add_data_validation(validation)
                validation.add(area)
            if column.multi and data:  # filled rows only: styled empty cells slow reading
                for cells in ws[f"{letter}{FIRST_ROW}:{letter}{FIRST_ROW + len(data) - 1}"]:
                    for cell in cells:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
    atomic_save(path, book.save)


def _validation(column: Column, ranges: dict[str, str]) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation

    key = _list_key(column)
    if key is not None and key in ranges:
        # several values per cell cannot be checked by Excel: offer the list, accept any text
        return DataValidation(type="list", formula1=f"={ranges[key]}", allow_blank=True,
                              showErrorMessage=not column.multi
                              and column.kind in ("code", "choice", "scheme"),
                              errorTitle="vetgraph", error="请从列表中选择 / choose from the list")
    if column.kind in ("int", "year"):
        low, high = (1900, 2100) if column.kind == "year" else (-(10**12), 10**12)
        return DataValidation(type="whole", operator="between", formula1=str(low),
                              formula2=str(high), allow_blank=True, showErrorMessage=True,
                              error="应为整数 / a whole number")
    if column.kind == "number":
        return DataValidation(type="decimal", operator="between", formula1="-1000000000000",
                              formula2="1000000000000", allow_blank=True, showErrorMessage=True,
                              error="应为数字 / a number")
    return None


def _put(cell: Any, column: Column, value: Any) -> None:
    if column.kind in ("int", "year"):
        cell.number_format = "0"
        cell.value = value
    elif column.kind == "number":
        if value is None:
            cell.number_format = "General"
            return
        text = str(value)
        if "." in text:  # the decimals written stay visible: 97.20 as 0.00, 100. as 0.
            decimals = len(text.split(".", 1)[1])
            cell.value = float(text)
            cell.number_format = "0." + "0" * decimals
        else:
            cell.value = int(text)
            cell.number_format = "0"
    else:
        cell.number_format = "@"
        cell.value = value


def _write_readme(ws: Any, names: Names) -> None:
    from openpyxl.styles import Font

    ws.append(["vetgraph 数据填报工作簿 / vetgraph data workbook"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["template_version", TEMPLATE_VERSION])
    ws.append(["source", names.report])
    ws.append(["说明 / how to fill",
               "第1行中文列名，第2行英文列名（勿改），数据从第3行起；* 为必填。"
               "一格多个值用换行（Alt+Enter）"
               "分隔。引用实体写其中文名称、简称或IRI；代码写代码表中的中文名称；来源写报告部分路径，"
               "如 table/1-1。不要合并单元格、不要用公式、不要隐藏工作表。",
               "Row 1: Chinese headers, row 2: column keys (do not change), data from row 3; "
               "* marks required columns. Several values in one cell: one per line (Alt+Enter). "
               "Entities: their Chinese name, short form or IRI; codes: their Chinese name from "
               "the lists sheet; sources: the report part's path, e.g. table/1-1. No merged "
               "cells, no formulas, no hidden sheets."])
    ws.append([])
    ws.append(["sheet", "column", "列名", "kind", "required", "several values", "说明", "help",
               "example"])
    for sheet in SHEETS:
        for column in sheet.columns:
            schemes = ", ".join((column.scheme, *column.also)) if column.scheme else ""
            ws.append([sheet.name, column.key, column.zh, column.kind + (
                f" ({schemes})" if schemes else ""), "yes" if column.required else "",
                "yes" if column.multi else "", column.help_zh, column.help_en, column.example])
    for letter, width in zip("ABCDEFGHI", (22, 22, 16, 22, 9, 9, 50, 50, 30), strict=True):
        ws.column_dimensions[letter].width = width


def set_default_mode(path: str | Path) -> None:
    """The permissions a plain ``open`` would give (mkstemp's are owner-only)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def atomic_save(path: Path, save: Any) -> None:
    """Write beside the target, then rename: a reader never sees half a file."""
    path = Path(path)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    os.close(handle)
    try:
        save(tmp)
        set_default_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- reading a workbook ------------------------------------------------------------------------


def read_xlsx(path: Path) -> tuple[Rows, list[Issue], str | None]:
    """Rows per sheet (with their row numbers), cell issues, and the README's source IRI."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise WorkbookError(f"{path}: 不是可读取的 .xlsx 工作簿 / not a readable .xlsx workbook "
                            f"({exc.__class__.__name__})") from exc
    hidden = [ws.title for ws in book.worksheets if ws.sheet_state != "visible"]
    if hidden:
        raise WorkbookError(f"{path}: 有隐藏的工作表 {', '.join(hidden)}，请取消隐藏或删除"
                            " / hidden "
                            f"sheets {', '.join(hidden)}: unhide or delete them")
    if README_SHEET not in book.sheetnames:
        raise WorkbookError(f"{path}: 缺少 README 工作表，不是 vetgraph 模板 / no README sheet: "
                            "not a vetgraph template")
    readme = {str(r[0]): r[1] for r in book[README_SHEET].iter_rows(min_row=2, max_row=3,
                                                                     values_only=True) if r}
    _check_version(path, readme.get("template_version"))
    known = {s.name: s for s in SHEETS}
    rows: Rows = {}
    issues: list[Issue] = []
    for ws in book.worksheets:
        if ws.title in (README_SHEET, LISTS_SHEET):
            continue
        sheet = known.get(ws.title)
        if sheet is None:
            raise WorkbookError(f"{path}: 未知的工作表 {ws.title} / unknown sheet {ws.title}")
        if ws.merged_cells.ranges:
            merged = ", ".join(str(r) for r in ws.merged_cells.ranges)
            raise WorkbookError(f"{ws.title}!{merged}: 有合并单元格，请取消合并并在每行填写 / "
                                f"merged cells: unmerge them and fill every row")
        header = [c.value for c in next(ws.iter_rows(min_row=2, max_row=2), [])]
        _check_header(ws.title, sheet, header)
        rows[sheet.name] = []
        for cells in ws.iter_rows(min_row=FIRST_ROW):
            row: Row = {}
            for column, cell in zip(sheet.columns, cells, strict=False):
                if cell.data_type == "f" or (isinstance(cell.value, str)
                                             and cell.value.startswith("=")):
                    issues.append(Issue(sheet.name, cell.row, column.key,
                                        f"单元格含公式 {cell.value}，请改为数值",
                                        f"formula {cell.value}: paste its value instead"))
                    continue
                row[column.key] = _read_cell(cell, column, issues, sheet)
            if any(v not in (None, "") for v in row.values()):
                rows[sheet.name].append((cells[0].row, row))
    return rows, issues, _text(readme.get("source"))


def _text(value: Any) -> str | None:
    return str(value).strip() if value not in (None, "") else None


def _check_version(path: Path | str, version: Any) -> None:
    try:
        number = int(str(version))
    except ValueError:
        number = None
    if number != TEMPLATE_VERSION:
        raise WorkbookError(
            f"{path}: 模板版本 {version}，当前为 {TEMPLATE_VERSION}，"
            "请用 vetgraph template 生成新模板"
            f"并复制数据 / template version {version}, this vetgraph reads version "
            f"{TEMPLATE_VERSION}: make a new one with `vetgraph template` and copy the rows over")


def _check_header(title: str, sheet: Sheet, header: list[Any]) -> None:
    keys = [c.key for c in sheet.columns]
    found = [str(h).strip() for h in header if h not in (None, "")]
    if found != keys:
        raise WorkbookError(
            f"{title}!2: 第2行列名应为 {', '.join(keys)}，实为 {', '.join(found)} / row 2 must "
            f"hold the column keys {', '.join(keys)}, found {', '.join(found)}")


def _read_cell(cell: Any, column: Column, issues: list[Issue], sheet: Sheet) -> Any:
    value = cell.value
    if value is None:
        return None
    if isinstance(value, (datetime, date)):
        issues.append(Issue(sheet.name, cell.row, column.key,
                            f"应为{_expected_zh(column)}，实为日期",
                            f"expected {_expected_en(column)}, found a date"))
        return None
    if isinstance(value, bool):
        issues.append(Issue(sheet.name, cell.row, column.key,
                            f"应为{_expected_zh(column)}，实为逻辑值",
                            f"expected {_expected_en(column)}, found TRUE/FALSE"))
        return None
    if column.kind == "number" and isinstance(value, (int, float)):
        found = _DECIMALS.match(cell.number_format or "")
        if found:  # the cell's format says how many decimals the report wrote
            places = len(found.group(1))
            return f"{value:.{places}f}" if places else f"{value:.0f}."
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else repr(value)
        return str(value)
    if column.kind in ("int", "year") and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value.replace("\r\n", SEP).strip() or None
    return value


def _expected_zh(column: Column) -> str:
    return {"int": "整数", "year": "年份", "number": "数字"}.get(column.kind, "文本")


def _expected_en(column: Column) -> str:
    return {"int": "a whole number", "year": "a year", "number": "a number"}.get(column.kind,
                                                                                 "text")


# --- CSV folders -------------------------------------------------------------------------------


def write_csv(folder: Path, rows: dict[str, list[Row]], names: Names) -> None:
    """One UTF-8 CSV per sheet, with a BOM so that Excel reads the Chinese correctly."""
    folder.mkdir(parents=True, exist_ok=True)
    _csv_file(folder / f"{README_SHEET}.csv", [
        ["template_version", str(TEMPLATE_VERSION)], ["source", names.report]])
    for sheet in SHEETS:
        body = [[c.zh for c in sheet.columns], [c.key for c in sheet.columns]]
        for row in rows.get(sheet.name, []):
            body.append(["" if row.get(c.key) is None else str(row[c.key])
                         for c in sheet.columns])
        _csv_file(folder / f"{sheet.name}.csv", body)


def _csv_file(path: Path, body: list[list[str]]) -> None:
    def save(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(body)

    atomic_save(path, save)


def read_csv(folder: Path) -> tuple[Rows, list[Issue], str | None]:
    """The same as :func:`read_xlsx`, from a folder written by :func:`write_csv`."""
    readme_path = folder / f"{README_SHEET}.csv"
    if not readme_path.is_file():
        raise WorkbookError(f"{folder}: 缺少 README.csv，不是 vetgraph 模板 / no README.csv: not a "
                            "vetgraph template folder")
    readme = {r[0]: (r[1] if len(r) > 1 else "") for r in _read_csv_file(readme_path) if r}
    _check_version(readme_path, readme.get("template_version"))
    known = {s.name for s in SHEETS} | {README_SHEET}
    for path in sorted(folder.glob("*.csv")):
        if path.stem not in known:
            raise WorkbookError(f"{path}: 未知的工作表 {path.stem} / unknown sheet {path.stem}")
    rows: Rows = {}
    issues: list[Issue] = []
    for sheet in SHEETS:
        path = folder / f"{sheet.name}.csv"
        if not path.is_file():
            continue
        body = _read_csv_file(path)
        _check_header(path.name, sheet, body[1] if len(body) > 1 else [])
        rows[sheet.name] = []
        for number, record in enumerate(body[FIRST_ROW - 1:], start=FIRST_ROW):
            row: Row = {}
            for column, text in zip(sheet.columns, record, strict=False):
                text = text.replace("\r\n", SEP).strip()
                if text.startswith("="):
                    issues.append(Issue(sheet.name, number, column.key,
                                        f"单元格含公式 {text}，请改为数值",
                                        f"formula {text}: paste its value instead"))
                    continue
                row[column.key] = text or None
            if any(v for v in row.values()):
                rows[sheet.name].append((number, row))
    return rows, issues, readme.get("source") or None


def _read_csv_file(path: Path) -> list[list[str]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))
    except UnicodeDecodeError as exc:
        raise WorkbookError(f"{path}: 不是 UTF-8 编码 / not UTF-8 ({exc.reason})") from exc

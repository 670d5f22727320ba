"""Reading a small table the researcher typed: a participants or sources file.

CSV (UTF-8), YAML (a list of mappings) or an Excel workbook (``.xlsx``, its first sheet),
each row as ``(line, {column: value})`` where ``line`` is where the row is in the file (the
spreadsheet's row number for a workbook), so every message can name ``file:line``. Every
problem with the file itself (a folder, a symbolic-link loop, no permission, an old ``.xls``)
is one :class:`QualcodeError` line saying what to do.
"""

from __future__ import annotations

import csv
import datetime
import errno
import os
import stat
from pathlib import Path
from typing import Any

from qualcode.errors import QualcodeError

Rows = list[tuple[int, dict[str, str]]]
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .doc) container


def read_table(path: Path, what: str, required: tuple[str, ...], example: str) -> Rows:
    """The rows of ``path``; ``what`` names the file in messages ("participants file"),
    ``example`` is the header a CSV needs."""
    data = _read_bytes(path, what)
    suffix = path.suffix.lower()
    if suffix in (".xls", ".ods", ".numbers") or data.startswith(_OLE_MAGIC):
        raise QualcodeError(f"{path}: qualcode reads .xlsx workbooks and CSV, not {suffix or 'this format'}; "
                            "in your spreadsheet program use Save As: Excel Workbook (.xlsx) or CSV UTF-8")
    if suffix in (".xlsx", ".xlsm") or data.startswith(_ZIP_MAGIC):
        rows = _xlsx_rows(path, data)
    elif suffix in (".yaml", ".yml"):
        return _yaml_rows(path, data, what, required)
    else:
        rows = _csv_rows(path, data)
    if not rows or not any(rows[0][1]):
        raise QualcodeError(f"{path}: the {what} is empty; its first row must be the header {example}")
    header_line, header = rows[0]
    names = [h.strip() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise QualcodeError(f"{path}:{header_line}: missing column(s) {', '.join(missing)}; "
                            f"the header needs {example}")
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise QualcodeError(f"{path}:{header_line}: column '{name}' appears twice; keep one")
        seen.add(name)
    out: Rows = []
    for line, cells in rows[1:]:
        if not any(c.strip() for c in cells):
            continue  # a blank row
        if len(cells) > len(names) and any(c.strip() for c in cells[len(names):]):
            raise QualcodeError(f"{path}:{line}: more cells than the header has columns; "
                                "quote values that contain commas")
        out.append((line, {n: (cells[i].strip() if i < len(cells) else "") for i, n in enumerate(names) if n}))
    return out


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        info = path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise QualcodeError(f"{path}: is a symbolic link that points to itself (a loop); "
                                f"give the {what} itself") from None
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise QualcodeError(f"{path}: no such file; check the path") from None
        raise QualcodeError(f"{path}: cannot read it ({exc.strerror}); check the path and permissions") from None
    if stat.S_ISDIR(info.st_mode):
        raise QualcodeError(f"{path}: is a folder; give the {what} (CSV, YAML or .xlsx) inside it")
    if not stat.S_ISREG(info.st_mode):
        raise QualcodeError(f"{path}: is not a regular file; give the {what} (CSV, YAML or .xlsx)")
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise QualcodeError(f"{path}: cannot read it ({exc.strerror or os.strerror(exc.errno or 0)}); "
                            "check its permissions") from None


def _csv_rows(path: Path, data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise QualcodeError(f"{path}: is not UTF-8 text; save the CSV as UTF-8 (CSV UTF-8 in Excel)") from None
    if "\x00" in text:
        raise QualcodeError(f"{path}: is not a text file; give a CSV, YAML or .xlsx file")
    reader = csv.reader(text.splitlines(keepends=True))
    rows: list[tuple[int, list[str]]] = []
    previous_end = 0  # reader.line_num is the line where a row ends: a row starts after the last one
    try:
        for cells in reader:
            rows.append((previous_end + 1, cells))
            previous_end = reader.line_num
    except csv.Error as exc:
        raise QualcodeError(f"{path}:{reader.line_num}: not valid CSV ({exc}); check the quotes on that line") from None
    return rows


def _xlsx_rows(path: Path, data: bytes) -> list[tuple[int, list[str]]]:
    import io
    import zipfile
    import zlib

    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a runtime dependency; only a broken install lacks it
        raise QualcodeError(f"{path}: reading .xlsx needs openpyxl (pip install openpyxl); "
                            "or save the sheet as CSV UTF-8") from None
    unreadable = (f"{path}: is not a readable .xlsx workbook; open it in your spreadsheet program "
                  "and save it again as .xlsx, or as CSV UTF-8")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, OSError, TypeError):
        raise QualcodeError(unreadable) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return []
        # Read-only workbooks inflate the sheet while its rows are read: a damaged one fails here.
        return [(number, [_cell(v) for v in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise QualcodeError(unreadable) from None
    finally:
        book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a year typed as 2 shows as 2.0 otherwise
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def _yaml_rows(path: Path, data: bytes, what: str, required: tuple[str, ...]) -> Rows:
    import yaml

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise QualcodeError(f"{path}: is not UTF-8 text; save the YAML file as UTF-8") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise QualcodeError(f"{path}:{mark.line + 1 if mark else 1}: invalid YAML; fix the syntax") from None
    if node is None:
        raise QualcodeError(f"{path}: the {what} is empty; give a list of mappings with {', '.join(required)}")
    key = what.split()[0]  # "participants" or "sources": a top-level key of that name is allowed
    if isinstance(parsed, dict) and isinstance(parsed.get(key), list):
        parsed = parsed[key]
        node = next(v for k, v in node.value if k.value == key)
    if not isinstance(parsed, list) or not all(isinstance(d, dict) for d in parsed):
        raise QualcodeError(f"{path}:1: expected a list of mappings with {', '.join(required)}")
    lines = [item.start_mark.line + 1 for item in node.value]
    return [(line, {str(k).strip(): "" if v is None else str(v).strip() for k, v in d.items()})
            for line, d in zip(lines, parsed)]


def check_one_value(path: Path, rows: Rows, key_column: str, what: str, hint: str,
                    ignore: tuple[str, ...] = ()) -> None:
    """Refuse two rows that give the same ``key_column`` value different values in another
    column (empty cells agree with anything): one line naming both rows."""
    first: dict[tuple[str, str], tuple[str, int]] = {}
    for line, row in rows:
        key = row.get(key_column, "")
        for column, value in row.items():
            if column == key_column or column in ignore or value == "":
                continue
            seen = first.setdefault((key, column), (value, line))
            if seen[0] != value:
                raise QualcodeError(
                    f"{path}:{seen[1]} and {path}:{line}: {what} {key} has two values for '{column}' "
                    f"('{seen[0]}' and '{value}'); {hint}")

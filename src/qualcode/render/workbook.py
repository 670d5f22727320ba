"""Tables as an Excel workbook (openpyxl, imported only when a ``.xlsx`` is written).

One sheet per table, named after its title; a bold header row frozen at the top; numbers
stay numbers; a code's place in the hierarchy is a cell indent, not leading spaces; columns
as wide as their content (up to a limit, then the text wraps). Text that starts like a
formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) is stored as a text cell with
Excel's quote prefix, exactly as a user typing ``'=…`` would: shown as written, never
evaluated, and still text after the sheet is edited or saved as CSV from Excel.
"""

from __future__ import annotations

import io
import re
from typing import Any, Sequence

from qualcode.output_files import GENERATOR
from qualcode.render.tabular import FORMULA_STARTS, Indented, Table, _cell

MAX_WIDTH = 60  # characters; wider text wraps inside its cell
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters XML 1.0 cannot hold


def _sheet_name(title: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return value
    # Shown escaped like on a terminal: a workbook cannot hold most control characters.
    return _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", _cell(value))


def workbook(tables: Sequence[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    book.properties.creator = GENERATOR
    taken: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.title, taken))
        sheet.append([_value(c) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [len(str(c)) for c in table.columns]
        for r, row in enumerate(table.rows, start=2):
            for c, raw in enumerate(row, start=1):
                value = _value(raw.text if isinstance(raw, Indented) else raw)
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever it starts with
                    if value.startswith(FORMULA_STARTS):
                        cell.quotePrefix = True
                    if isinstance(raw, Indented) and raw.depth:
                        cell.alignment = Alignment(indent=raw.depth)
                    elif len(value) > MAX_WIDTH or "\n" in value:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
                shown = len(str(value)) + 2 * (raw.depth if isinstance(raw, Indented) else 0) if value is not None else 0
                widths[c - 1] = max(widths[c - 1], min(shown, MAX_WIDTH))
        for c, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = width + 2
        sheet.freeze_panes = "A2"
        if table.caption:
            sheet.cell(row=len(table.rows) + 3, column=1, value=_value(table.caption)).font = Font(italic=True)
    if not tables:
        book.create_sheet("Sheet")
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()

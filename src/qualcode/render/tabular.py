"""A report as a plain table (title, columns, rows) and its four renderings."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, Sequence

from rich.table import Table as RichTable


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    numeric: Sequence[str] = ()
    caption: str = ""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def to_rich(table: Table) -> RichTable:
    rich = RichTable(title=table.title, caption=table.caption or None, title_justify="left")
    for col in table.columns:
        rich.add_column(col, justify="right" if col in table.numeric else "left",
                        overflow="fold")
    for row in table.rows:
        rich.add_row(*(_cell(v) for v in row))
    return rich


def _md_escape(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", "<br>")


def to_markdown(table: Table) -> str:
    lines = [f"## {table.title}", ""] if table.title else []
    lines.append("| " + " | ".join(table.columns) + " |")
    lines.append("| " + " | ".join("---:" if c in table.numeric else "---" for c in table.columns) + " |")
    for row in table.rows:
        lines.append("| " + " | ".join(_md_escape(_cell(v)) for v in row) + " |")
    if table.caption:
        lines += ["", table.caption]
    return "\n".join(lines) + "\n"


def to_csv(table: Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


LARGE_JSON = 5_000  # items in one list


def to_json(data: Any) -> str:
    """Indented JSON; when a list holds more than LARGE_JSON items, long lists hold one compact
    item per line (Python's indenting encoder is pure Python: ten times slower on a big
    agreement report). Sizing by item count avoids encoding everything twice."""
    if _longest_list(data) <= LARGE_JSON:
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return _lines(data) + "\n"


def _longest_list(data: Any) -> int:
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict):
        return max((_longest_list(v) for v in data.values() if isinstance(v, (list, dict))), default=0)
    return 0


_COMPACT = json.JSONEncoder(ensure_ascii=False)


def _lines(data: Any) -> str:
    if isinstance(data, list):
        return "[\n" + ",\n".join(map(_COMPACT.encode, data)) + "\n]"
    if isinstance(data, dict):
        return "{\n" + ",\n".join(
            f"{json.dumps(key, ensure_ascii=False)}: "
            + (_lines(value) if isinstance(value, list) else json.dumps(value, ensure_ascii=False))
            for key, value in data.items()) + "\n}"
    return json.dumps(data, ensure_ascii=False)

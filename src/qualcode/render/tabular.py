"""A report as a plain table (title, columns, rows) and its four renderings."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, Callable, Sequence

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


def _item_encoder() -> Callable[[Any], str]:
    """``_COMPACT.encode``, minus the encoder it builds on every call (which costs as much as
    encoding a small item): one C encoder made once, as ``JSONEncoder.iterencode`` makes it.
    Falls back to ``_COMPACT.encode`` where that encoder is missing or behaves differently."""
    make: Any = getattr(json.encoder, "c_make_encoder", None)
    try:
        encoder = make(None, _COMPACT.default, json.encoder.encode_basestring, None,
                       _COMPACT.key_separator, _COMPACT.item_separator, False, False, True)

        def encode(item: Any) -> str:
            return "".join(encoder(item, 0))
        sample = {"a": [1, 2.5, None, True], "é\n": {"b": "\"x\""}}
        if encode(sample) == _COMPACT.encode(sample):
            return encode
    except Exception:  # noqa: BLE001 - any surprise means: use the public API
        pass
    return _COMPACT.encode


_encode_item = _item_encoder()


def _lines(data: Any) -> str:
    if isinstance(data, list):
        return "[\n" + ",\n".join(map(_encode_item, data)) + "\n]"
    if isinstance(data, dict):
        return "{\n" + ",\n".join(
            f"{json.dumps(key, ensure_ascii=False)}: "
            + (_lines(value) if isinstance(value, list) else json.dumps(value, ensure_ascii=False))
            for key, value in data.items()) + "\n}"
    return json.dumps(data, ensure_ascii=False)

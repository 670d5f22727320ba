"""A report as a plain table (title, columns, rows) and its four renderings."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from qualcode.output_files import FORMULA_STARTS, neutralised

__all__ = ["FORMULA_STARTS", "Indented", "Table", "neutralised", "to_csv", "to_data", "to_json", "to_markdown",
           "to_rich", "to_xlsx"]


@dataclass(frozen=True)
class Indented:
    """A name in a hierarchy (a code under its theme): each renderer shows the depth its own way
    (spaces on a terminal, ``↳`` in Markdown, a paragraph indent in Word), never as leading
    spaces a Markdown renderer would collapse."""

    text: str
    depth: int = 0

    def __str__(self) -> str:
        return ("  " * self.depth) + self.text


# Columns whose text may wrap on a terminal; every other column (ids, numbers, codes) is shown
# whole on one line, and the table falls back to one record per block when they do not fit.
WRAPPING = frozenset({"text", "name", "memo", "what", "attributes", "changes", "file", "a", "b", "quote",
                      "description", "participant", "speakers", "about", "source", "not coded by", "coded by"})


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    numeric: Sequence[str] = ()
    caption: str = ""
    wrap: Sequence[str] | None = None  # columns that may wrap [default: those named in WRAPPING]

    def wraps(self, column: str) -> bool:
        return column in (self.wrap if self.wrap is not None else WRAPPING) and column not in self.numeric


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def to_rich(table: Table) -> "FittedTable":
    """The table for a terminal, laid out at the width it is printed at (see FittedTable)."""
    return FittedTable(table)


class FittedTable:
    """A table that fits the width it is rendered at: ids and numbers are never cut or folded,
    long text wraps, and when even that does not fit, each record becomes a block of
    ``column  value`` lines. Every cell is shown as written (no markup, controls escaped)."""

    MIN_WRAP = 16  # narrowest a wrapping column may get before the block layout is clearer
    LONG_MIN = 30  # ... and a column of long text (turns, quotes, memos)

    def __init__(self, table: Table) -> None:
        self.table = table

    def _wants(self) -> tuple[list[int], list[int]]:
        """Per column: the width that shows it whole, and the least it may get."""
        from rich.cells import cell_len

        from qualcode.render.terminal import visible

        t = self.table
        wants, least = [], []
        for i, col in enumerate(t.columns):
            longest = max((cell_len(visible(line)) for row in t.rows for line in _cell(row[i]).splitlines() or [""]),
                          default=0)
            word = max((cell_len(w) for w in col.split()), default=0)  # a header wraps between words only
            wants.append(max(cell_len(col), longest))
            # Long text squeezed into a narrow column is a tall ribbon: below LONG_MIN the blocks read better.
            floor = self.LONG_MIN if longest > 2 * self.MIN_WRAP else min(longest, self.MIN_WRAP)
            least.append(max(word, floor) if t.wraps(col) else max(word, longest))
        return wants, least

    def widths(self, max_width: int) -> list[int] | None:
        """Column widths that fit ``max_width``, or None when the table cannot fit. Columns that
        may wrap give up width widest first, so a short file name stays whole while the text
        column beside it wraps."""
        wants, least = self._wants()
        room = max_width - (3 * len(wants) + 1)  # a border and two padding spaces per column, one closing border
        if sum(least) > room:
            return None
        widths = list(wants)
        excess = sum(widths) - room
        # Long text gives up width first; short columns (a file name, a code name) only after it.
        long = [i for i, w in enumerate(wants) if w > 2 * self.MIN_WRAP]
        for group in (long, range(len(wants))):
            excess = _shrink(widths, least, group, excess)
        return widths

    def __rich_console__(self, console: Any, options: Any) -> Any:
        widths = self.widths(options.max_width)
        if widths is not None:
            yield self._grid(widths)
        else:
            yield from self._blocks(console, options.max_width)

    def _grid(self, widths: list[int]) -> Any:
        from rich.table import Table as RichTable

        from qualcode.render.terminal import plain

        t = self.table
        rich = RichTable(title=plain(t.title) if t.title else None, caption=plain(t.caption) if t.caption else None,
                         title_justify="left", caption_justify="left")
        for col, width in zip(t.columns, widths):
            wraps = t.wraps(col)
            header = plain(col)
            header.no_wrap, header.overflow = False, "fold"
            rich.add_column(header, justify="right" if col in t.numeric else "left", width=width,
                            overflow="fold" if wraps else "ellipsis", no_wrap=not wraps)
        for row in t.rows:
            rich.add_row(*(plain(_cell(v)) for v in row))
        return rich

    def _blocks(self, console: Any, width: int) -> Any:
        """One record per block: short ``column: value`` pairs flowed along a line, long text on
        lines of its own with a hanging indent; empty values left out."""
        from rich.cells import cell_len
        from rich.text import Text

        from qualcode.render.terminal import plain, visible

        t = self.table
        if t.title:
            yield plain(t.title, "bold")
        def joined(items: list[str], first: bool) -> Any:
            text = plain("   ".join(items))
            if first:  # the record's first field stands out on a terminal
                text.stylize("bold", 0, len(items[0]))
            return text

        for row in t.rows:
            yield plain("")
            line: list[str] = []
            first = True
            for col, value in zip(t.columns, row):
                shown = visible(_block_cell(value))
                if not shown:
                    continue
                item = f"{col}: {shown}"
                if "\n" in shown or cell_len(item) > width // 2:
                    if line:
                        yield joined(line, first)
                        line, first = [], False
                    label = f"{col}: "
                    hang = cell_len(label) if cell_len(label) <= width // 3 else 2
                    lines = plain(shown).wrap(console, max(width - hang, 8), overflow="fold")
                    if hang != cell_len(label):  # a long column name on a line of its own
                        yield plain(label.rstrip(), "bold" if first else "")
                    for k, piece in enumerate(lines):
                        lead = label if k == 0 and hang == cell_len(label) else " " * hang
                        piece.rstrip()  # no trailing spaces in piped output
                        yield Text.assemble((lead, "bold" if first and k == 0 else ""), piece)
                    first = False
                elif line and cell_len("   ".join(line + [item])) > width:
                    yield joined(line, first)
                    line, first = [item], False
                else:
                    line.append(item)
            if line:
                yield joined(line, first)
        if t.caption:
            yield plain("")
            yield plain(t.caption, "dim")


def _shrink(widths: list[int], least: list[int], group: Any, excess: int) -> int:
    """Take ``excess`` columns of width from ``group``, widest first and evenly among equals,
    none below its least; returns what is still to take."""
    while excess > 0:
        flexible = [i for i in group if widths[i] > least[i]]
        if not flexible:
            return excess
        widest = max(widths[i] for i in flexible)
        top = [i for i in flexible if widths[i] == widest]
        below = max([widths[i] for i in flexible if widths[i] < widest] + [max(least[i] for i in top)])
        step = max(1, min(widest - below, -(-excess // len(top))))
        for i in top:
            cut = min(step, excess, widths[i] - least[i])
            widths[i] -= cut
            excess -= cut
    return excess


def _block_cell(value: Any) -> str:
    if isinstance(value, Indented) and value.depth:
        return "  " * (value.depth - 1) + "↳ " + value.text
    return _cell(value).strip()


def _md_escape(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", "<br>")


def _md_cell(value: Any) -> str:
    """A Markdown cell; a level in a hierarchy as ``↳`` after em-space entities, which every
    CommonMark renderer keeps (leading spaces in a cell are dropped)."""
    if isinstance(value, Indented):
        lead = "&emsp;" * (value.depth - 1) + "↳ " if value.depth > 0 else ""
        return lead + _md_escape(value.text)
    return _md_escape(_cell(value))


def to_markdown(table: Table) -> str:
    lines = [f"## {table.title}", ""] if table.title else []
    lines.append("| " + " | ".join(table.columns) + " |")
    lines.append("| " + " | ".join("---:" if c in table.numeric else "---" for c in table.columns) + " |")
    for row in table.rows:
        lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
    if table.caption:
        lines += ["", table.caption]
    return "\n".join(lines) + "\n"


def to_csv(table: Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([neutralised(c) for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if v is None else neutralised(v.text if isinstance(v, Indented) else v) for v in row])
    return buf.getvalue()


def to_data(tables: Sequence[Table], fmt: str) -> str | bytes:
    """A report's data for a spreadsheet: CSV holds the first table, a workbook one sheet each."""
    return to_csv(tables[0]) if fmt == "csv" else to_xlsx(tables)


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """An Excel workbook, one sheet per table: a bold, frozen header row, numbers as numbers,
    columns wide enough for their content. Text that starts like a formula is stored as text
    with Excel's quote prefix (shown as written, never evaluated); see docs/reports.md."""
    from qualcode.render.workbook import workbook

    return workbook(tables)


LARGE_JSON = 5_000  # items in one list


def to_json(data: Any) -> str:
    """Indented JSON; when a list holds more than LARGE_JSON items, long lists hold one compact
    item per line (Python's indenting encoder is pure Python: ten times slower on a big
    agreement report). Sizing by item count avoids encoding everything twice."""
    if _longest_list(data) <= LARGE_JSON:
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    parts: list[str] = []
    _lines(data, parts)
    parts.append("\n")
    return "".join(parts)  # one copy of a big output, not one per level of nesting


def _longest_list(data: Any) -> int:
    if isinstance(data, EncodedList):
        return data.length
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict):
        return max((_longest_list(v) for v in data.values() if isinstance(v, (list, dict, EncodedList))), default=0)
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


def _values_encoder() -> Callable[[list[Any]], list[str]]:
    """A function giving each value's compact JSON, as ``_encode_item`` writes it, in one pass
    of the C encoder: the values are encoded as one list whose item separator is a NUL
    character, which the JSON of a string never holds (the encoder escapes control
    characters), so splitting there gives the values back. A list or dict of several items
    among the values splits into more parts than values: then they are encoded one by one."""
    make: Any = getattr(json.encoder, "c_make_encoder", None)
    try:
        encoder = make(None, _COMPACT.default, json.encoder.encode_basestring, None,
                       _COMPACT.key_separator, "\0", False, False, True)

        def encode(values: list[Any]) -> list[str]:
            parts = "".join(encoder(values, 0))[1:-1].split("\0") if values else []
            return parts if len(parts) == len(values) else [_encode_item(v) for v in values]
        sample = [1, 2.5, None, True, "é\n\0,", ["a"], float("nan"), 10 ** 20, {"k": "v"}]
        if encode(sample) == [_encode_item(v) for v in sample]:
            return encode
    except Exception:  # noqa: BLE001 - any surprise means: one value at a time
        pass
    return lambda values: [_encode_item(v) for v in values]


encode_values = _values_encoder()


@dataclass
class EncodedList:
    """A long list already written as JSON: its items compact, one a line, separated by
    ``",\n"`` (as :func:`_lines` writes a list's items), as pieces whose concatenation is that
    text. A renderer that knows its items' shape writes them faster than the generic encoder
    walks a dict per item. Only for lists longer than LARGE_JSON: the indented form of small
    output needs the data itself."""

    pieces: list[str]
    length: int


def _lines(data: Any, out: list[str]) -> None:
    """Append ``data`` as JSON (long lists an item a line) to ``out``, in pieces."""
    if isinstance(data, EncodedList):
        out += ("[\n", *data.pieces, "\n]") if data.length else ("[\n\n]",)
    elif isinstance(data, list):
        out += ("[\n", ",\n".join(map(_encode_item, data)), "\n]")
    elif isinstance(data, dict):
        out.append("{\n")
        for k, (key, value) in enumerate(data.items()):
            out.append(f"{',' if k else ''}\n{json.dumps(key, ensure_ascii=False)}: " if k else
                       f"{json.dumps(key, ensure_ascii=False)}: ")
            if isinstance(value, (list, EncodedList)):
                _lines(value, out)
            else:
                out.append(json.dumps(value, ensure_ascii=False))
        out.append("\n}")
    else:
        out.append(json.dumps(data, ensure_ascii=False))

"""A report as a document: headings, paragraphs, block quotes and tables, rendered to
Markdown or DOCX (python-docx, imported only when a DOCX is written).

Reports build a list of blocks once; each output format is a function of that list, so the
Markdown and the Word file of a report always say the same thing.
"""

from __future__ import annotations

import io
import re
from qualcode.render.xmltext import escape as xml_escape
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from qualcode.render.tabular import Indented, Table, _cell, to_markdown
from qualcode.render.terminal import visible  # Word, like a terminal, cannot hold control characters

if TYPE_CHECKING:
    from qualcode.render.charts import Chart


@dataclass
class Heading:
    text: str
    level: int = 1
    code: str = ""  # a code id after the text: `code` in Markdown, a monospace run in Word


@dataclass
class Para:
    text: str
    style: str = ""          # "" | "note" (italic) | "quote" | "citation"


@dataclass
class Quoted:
    text: str
    citation: str


@dataclass
class Figure:
    """A chart: embedded as a PNG in DOCX; left out of Markdown (see ``report charts``)."""

    chart: "Chart"


Block = Union[Heading, Para, Quoted, Table, Figure]


def to_markdown_doc(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out += [f"{'#' * min(b.level, 6)} {b.text}" + (f" (`{b.code}`)" if b.code else ""), ""]
        elif isinstance(b, Para):
            out += [f"_{b.text}_" if b.style == "note" else b.text, ""]
        elif isinstance(b, Quoted):
            body = b.text.strip().replace("\n\n", "\n>\n> ").replace("\n", "\n> ")
            out += [f"> {body}", ">", f"> — {b.citation}", ""] if b.citation else [f"> {body}", ""]
        elif isinstance(b, Table):
            out += [to_markdown(b).rstrip("\n"), ""]
    return "\n".join(out)


def to_docx(blocks: list[Block], *, title: str | None = None) -> bytes:
    """A Word document: real headings (Heading 1–4 styles), tables with a header row,
    block quotes in the Quote style with their citation."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    from qualcode.output_files import GENERATOR

    document = docx.Document()
    document.styles["Normal"].font.size = Pt(10.5)
    # The maker's name, so that a later run may replace this file but never a paper's draft.
    document.core_properties.author = GENERATOR
    document.core_properties.comments = f"Written by {GENERATOR}"
    if title:
        document.core_properties.title = visible(title)
    style = _StyleIds(document)
    for b in blocks:
        if isinstance(b, Heading):
            level = 0 if b.level <= 1 else min(b.level - 1, 9)
            heading = style.paragraph(visible(b.text), "Title" if level == 0 else f"Heading {level}")
            if b.code:
                heading.add_run(" (")
                heading.add_run(visible(b.code)).font.name = "Consolas"
                heading.add_run(")")
        elif isinstance(b, Para):
            para = document.add_paragraph()
            run = para.add_run(visible(b.text))
            run.italic = b.style == "note"
        elif isinstance(b, Quoted):
            style.paragraph(visible(b.text.strip()), "Quote")
            if b.citation:
                cite = document.add_paragraph(visible(f"— {b.citation}"))
                cite.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                cite.runs[0].font.size = Pt(9)
        elif isinstance(b, Figure):
            from docx.shared import Inches

            from qualcode.render.charts import to_png

            document.add_picture(io.BytesIO(to_png(b.chart)), width=Inches(min(6.3, b.chart.width / 110)))
            document.add_paragraph(visible(b.chart.title)).runs[0].italic = True
        else:
            _docx_table(document, b, style)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# Page text width of python-docx's default template (Letter, 1.25 in margins is 6 in; its
# sections are 8.5 in wide with 1 in margins): 6.5 in, in points.
TEXT_WIDTH_PT = 6.5 * 72
TABLE_FONT_PT = 9
CHAR_PT = 5.5   # a character of 9 pt body text (Cambria; LibreOffice may fall back to the wider DejaVu Serif)
# The header row is set smaller, in the table style's bold Calibri (≈3.9 pt a character at 8 pt,
# measured on its metric twin Carlito; 4.5 leaves room), so that "% segments" over a column of
# "36%" does not take the room the name column needs.
HEADER_FONT_PT = 8
HEADER_CHAR_PT = 4.5
# Where Word may break a line: between words and after a hyphen (code ids are hyphenated).
_UNBREAKABLE = re.compile(r"[^\s-]+-?|-")
CELL_MARGIN_PT = 4  # left and right cell margins (Word's default is 5.76 pt)
CELL_PAD_PT = 2 * CELL_MARGIN_PT + 1  # both margins and the border


def _wide_chars(word: str) -> float:
    """A word's length in average characters, m and w counted half as wide again: the average
    hides them in a short word (a coder called "demo" is 19.1 pt in the header's 8 pt bold
    Carlito, not 4 × 4.5 = 18, and broke as "dem/o" over its column of counts)."""
    return len(word) + 0.5 * sum(c in "mwMW" for c in word)


def column_widths(table: Table, text_width: float = TEXT_WIDTH_PT) -> list[float]:
    """Widths in points that fit the content: every column at least as wide as its longest
    word (so no word breaks mid-word, headers included), numeric columns as wide as their widest
    number or their header's longest word (a header may wrap between words: "% segments" over
    "36%"), and the rest of the page shared by the text columns in proportion to how much text
    they hold."""
    longest_word, full = [], []
    for i, name in enumerate(table.columns):
        cells = [_docx_text(row[i]) for row in table.rows]
        indent = max((row[i].depth for row in table.rows if isinstance(row[i], Indented)), default=0)
        extra = CELL_PAD_PT + indent * INDENT_PT
        # A number with its percentage, "22 (10.1%)", reads as one: never split it.
        words = (cells if name in table.numeric else [w for c in cells for w in _UNBREAKABLE.findall(c)]) or [""]
        header_word = max((_wide_chars(w) for w in _UNBREAKABLE.findall(name)), default=0) * HEADER_CHAR_PT
        word = max(max(len(w) for w in words) * CHAR_PT, header_word) + extra
        longest_word.append(word)
        full.append(word if name in table.numeric else
                    max(max((len(c) for c in cells), default=0) * CHAR_PT, len(name) * HEADER_CHAR_PT) + extra)
    if sum(full) <= text_width:
        return full
    widths = list(longest_word)
    spare = text_width - sum(widths)
    if spare <= 0:  # too many columns for the page: shrink evenly, keep the proportions
        return [w * text_width / sum(widths) for w in widths]
    wants = [f - w for f, w in zip(full, widths)]
    total = sum(wants) or 1.0
    return [w + spare * want / total for w, want in zip(widths, wants)]


INDENT_PT = 10  # one level of a code hierarchy


def _docx_text(value: object) -> str:
    return value.text if isinstance(value, Indented) else _cell(value)


def _cell_margins(grid: object, points: float) -> None:
    """Left and right margins of every cell of the table (python-docx has no API for them)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(round(points * 20)))  # twentieths of a point
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    properties = grid._tbl.tblPr  # type: ignore[attr-defined]
    later = properties.find(qn("w:tblLook"))  # the schema's order: tblCellMar comes before tblLook
    if later is not None:
        later.addprevious(margins)
    else:
        properties.append(margins)


class _StyleIds:
    """Paragraph and table styles of one document by name, each looked up once: python-docx
    reads every style of its template on each lookup (about 2 ms, 80 times in a report)."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.ids: dict[tuple[str, object], str | None] = {}

    def id(self, name: str, table: bool = False) -> str | None:
        from docx.enum.style import WD_STYLE_TYPE

        kind = WD_STYLE_TYPE.TABLE if table else WD_STYLE_TYPE.PARAGRAPH
        if (name, kind) not in self.ids:
            self.ids[(name, kind)] = self.document.part.get_style_id(name, kind)
        return self.ids[(name, kind)]

    def paragraph(self, text: str, name: str) -> Any:
        """``document.add_paragraph(text, style=name)``."""
        para = self.document.add_paragraph(text)
        para._p.style = self.id(name)
        return para


def _docx_table(document: Any, table: Table, style: _StyleIds | None = None) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    style = style or _StyleIds(document)
    if table.title:
        style.paragraph(visible(table.title), "Caption")
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid._tbl.tblStyle_val = style.id("Light Grid Accent 1", table=True)  # grid.style = "Light Grid Accent 1"
    grid.autofit = False
    _cell_margins(grid, CELL_MARGIN_PT)
    widths = [Pt(w) for w in column_widths(table)]
    for cell, name, width in zip(grid.rows[0].cells, table.columns, widths):
        cell.width = width
        cell.text = visible(name)
        cell.paragraphs[0].runs[0].bold = True
        cell.paragraphs[0].runs[0].font.size = Pt(HEADER_FONT_PT)
        if name in table.numeric:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _docx_rows(grid._tbl, table, [str(w.twips) for w in widths])
    # Word reads each cell's width (set above, row by row: `column.cells` walks the whole table
    # for each column), LibreOffice the grid's: set both.
    for column, width in zip(grid.columns, widths):
        column.width = width
    if table.caption:
        para = document.add_paragraph()
        para.add_run(visible(table.caption)).italic = True


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_RUN_BREAKS = re.compile(r"([\t\r\n])")


def _docx_rows(tbl: Any, table: Table, widths: list[str]) -> None:
    """The table's body rows, appended to ``tbl``: the XML python-docx writes for
    ``add_row()``, ``cell.text``, the runs' font size and the paragraph's indent and alignment
    (tests/test_render_docx.py compares the two), written as text and parsed once, without its
    object layer, which searches an element's children for every property it sets: a 200-row
    table of disagreements took about half a second that way."""
    from docx.oxml.parser import parse_xml
    from docx.shared import Pt

    size = round(TABLE_FONT_PT * 2)  # half-points
    numeric = [name in table.numeric for name in table.columns]
    cell_start = [f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr><w:p>' for width in widths]
    run_start = f'<w:r><w:rPr><w:sz w:val="{size}"/></w:rPr>'
    rows = []
    for row in table.rows:
        cells = []
        for value, start, is_number in zip(row, cell_start, numeric):
            depth = value.depth if isinstance(value, Indented) else 0
            properties = ""
            if depth or is_number:  # the schema's order: ind before jc
                properties = ("<w:pPr>" + (f'<w:ind w:left="{Pt(INDENT_PT * depth).twips}"/>' if depth else "")
                              + ('<w:jc w:val="right"/>' if is_number else "") + "</w:pPr>")
            cells.append(start + properties + run_start + _run_xml(visible(_docx_text(value))) + "</w:r></w:p></w:tc>")
        rows.append("<w:tr>" + "".join(cells) + "</w:tr>")
    tbl.extend(parse_xml(f'<w:tbl xmlns:w="{_W_NS}">{"".join(rows)}</w:tbl>'))


def _run_xml(text: str) -> str:
    """``text`` as the content of a run, as python-docx's ``run.text`` writes it: a ``w:t`` for
    each stretch of characters (its spaces kept where they lead or trail), ``w:tab`` for a tab
    and ``w:br`` for a line break."""
    out = []
    for part in _RUN_BREAKS.split(text):
        if part == "\t":
            out.append("<w:tab/>")
        elif part in ("\r", "\n"):
            out.append("<w:br/>")
        elif part:
            keep = ' xml:space="preserve"' if len(part.strip()) < len(part) else ""
            out.append(f"<w:t{keep}>{xml_escape(part)}</w:t>")
    return "".join(out)

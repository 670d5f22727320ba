"""A report as a document: headings, paragraphs, block quotes and tables, rendered to
Markdown or DOCX (python-docx, imported only when a DOCX is written).

Reports build a list of blocks once; each output format is a function of that list, so the
Markdown and the Word file of a report always say the same thing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from qualcode.render.tabular import Table, _cell, to_markdown

if TYPE_CHECKING:
    from qualcode.render.charts import Chart


@dataclass
class Heading:
    text: str
    level: int = 1


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
            out += [f"{'#' * min(b.level, 6)} {b.text}", ""]
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

    document = docx.Document()
    document.styles["Normal"].font.size = Pt(10.5)
    if title:
        document.core_properties.title = title
    for b in blocks:
        if isinstance(b, Heading):
            document.add_heading(b.text, level=0 if b.level <= 1 else min(b.level - 1, 9))
        elif isinstance(b, Para):
            para = document.add_paragraph()
            run = para.add_run(b.text)
            run.italic = b.style == "note"
        elif isinstance(b, Quoted):
            document.add_paragraph(b.text.strip(), style="Quote")
            if b.citation:
                cite = document.add_paragraph(f"— {b.citation}")
                cite.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                cite.runs[0].font.size = Pt(9)
        elif isinstance(b, Figure):
            from docx.shared import Inches

            from qualcode.render.charts import to_png

            document.add_picture(io.BytesIO(to_png(b.chart)), width=Inches(min(6.3, b.chart.width / 110)))
            document.add_paragraph(b.chart.title).runs[0].italic = True
        else:
            _docx_table(document, b)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _docx_table(document: object, table: Table) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    if table.title:
        document.add_paragraph(table.title, style="Caption")  # type: ignore[attr-defined]
    grid = document.add_table(rows=1, cols=len(table.columns))  # type: ignore[attr-defined]
    grid.style = "Light Grid Accent 1"
    for cell, name in zip(grid.rows[0].cells, table.columns):
        cell.text = name
        cell.paragraphs[0].runs[0].bold = True
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, name, value in zip(cells, table.columns, row):
            cell.text = _cell(value)
            if name in table.numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if table.caption:
        para = document.add_paragraph()  # type: ignore[attr-defined]
        para.add_run(table.caption).italic = True

"""DOCX output: real headings, tables with header rows, quotes, charts; nothing to stdout."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from tests.conftest import Run
from tests.test_reports_golden import study  # noqa: F401  (fixture)


def _all_text(document: docx.document.Document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_themes_docx_has_heading_and_table(run: Run, study: Path, tmp_path: Path) -> None:
    run("report", "themes", "--output", tmp_path / "t.docx")  # format from the suffix
    document = docx.Document(str(tmp_path / "t.docx"))
    assert [(p.style.name, p.text) for p in document.paragraphs][:2] == [
        ("Title", "Theme frequencies"), ("Caption", "Themes and codes")]
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:5] == ["code", "name", "segments", "sources", "speakers"]
    assert [c.text for c in table.rows[1].cells][:5] == ["support", "Peer support", "4", "2", "4"]
    assert table.rows[0].cells[0].paragraphs[0].runs[0].bold


def test_docx_needs_an_output_file(run: Run, study: Path) -> None:
    result = run("report", "matrix", "--by", "role", "--format", "docx", code=1)
    assert result.stderr == "Error: this format is binary; pass --output FILE to write it to a file\n"


def test_every_report_writes_docx(run: Run, study: Path, tmp_path: Path) -> None:
    for args in (["quotes"], ["matrix", "--by", "role"], ["cooccurrence"], ["agreement"]):
        out = tmp_path / f"{args[0]}.docx"
        run("report", *args, "--output", out)
        assert docx.Document(str(out)).tables or args[0] == "quotes"
    quotes = docx.Document(str(tmp_path / "quotes.docx"))
    assert any(p.style.name == "Quote" and p.text == "The seniors were honest." for p in quotes.paragraphs)


def test_full_report_docx_is_pseudonymised_with_charts(run: Run, study: Path, tmp_path: Path) -> None:
    run("report", "docx", "--output", tmp_path / "r.docx", "--pseudonymise", "--title", "Study report")
    document = docx.Document(str(tmp_path / "r.docx"))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Title", "Heading 1"))]
    assert headings == ["Study report", "Themes", "By role attribute", "Co-occurrence", "Quotes", "Agreement"]
    assert len(document.inline_shapes) == 3  # themes bar chart, role heat map, co-occurrence heat map
    text = _all_text(document)
    assert "Alex" in text and "Blake was there too." in text
    for name in ("Ana", "Ben ", "Smith", "Dee"):
        assert name not in text


def test_codebook_as_document(run: Run, study: Path, tmp_path: Path) -> None:
    run("codebook", "export", "--output", tmp_path / "cb.docx")
    document = docx.Document(str(tmp_path / "cb.docx"))
    text = _all_text(document)
    assert document.paragraphs[0].style.name == "Title" and document.paragraphs[0].text == "Peer support study"
    assert "Include: Seniors telling about their own struggles." in text
    assert "The chief told us about her worst night." in text
    assert "Applied to 4 segments (0 coded with this code itself) in 2 sources, by 4 speakers." in text
    run("codebook", "export", "--output", tmp_path / "cb.yaml")
    assert (tmp_path / "cb.yaml").read_text().startswith("name: Peer support study\n")


def test_full_report_docx_has_agreement_by_character_when_asked(run: Run, study: Path, tmp_path: Path) -> None:
    import json

    run("report", "docx", "--output", tmp_path / "plain.docx")
    assert "Agreement by character" not in _all_text(docx.Document(str(tmp_path / "plain.docx")))
    run("report", "docx", "--characters", "--output", tmp_path / "r.docx")
    document = docx.Document(str(tmp_path / "r.docx"))
    titles = [p.text for p in document.paragraphs if p.style.name in ("Heading 1", "Caption")]
    agreement = titles[titles.index("Agreement"):]
    assert agreement == ["Agreement", "Inter-coder agreement", "Agreement by character", "Disagreements to discuss"]
    chars = json.loads(run("report", "agreement", "--characters", "-f", "json").stdout)["characters"]
    table = next(t for t in document.tables if t.rows[0].cells[-1].text == "AC1" and len(t.columns) == 7)
    overall = [c.text for c in table.rows[-1].cells]
    assert overall[:2] == ["(overall)", "all codes pooled"] and overall[4] == f"{chars['overall']['kappa']:.3f}"
    assert f"{chars['units']} characters spoken in those segments" in _all_text(document)


def test_table_rows_are_the_xml_python_docx_writes() -> None:
    """Table bodies are built as XML directly (python-docx's API took half a second for 200
    rows): they must be what its API writes, for text with tabs, line breaks, spaces at either
    end, control characters, markup-like characters, indented names and numeric columns."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt
    from lxml import etree

    from qualcode.render import document as doc
    from qualcode.render.tabular import Indented, Table

    table = Table(title="T", columns=["code", "name", "n", "text"], numeric=("n", "name"), caption="c", rows=[
        ["a", Indented("Alpha", 1), 3, " lead"], ["b", "x\ty", None, "trail "], ["c", Indented("G", 2), 2.5, "a\nb\r\n\tz"],
        ["d", Indented("N", 0), "", "ctl\x01 é <&>"], ["e", "", 0, "  "]])
    ours = docx.Document()
    doc._docx_table(ours, table)
    theirs = docx.Document()
    grid = theirs.add_table(rows=0, cols=len(table.columns))
    widths = [Pt(w) for w in doc.column_widths(table)]
    for row in table.rows:  # what _docx_table did before, cell by cell
        for cell, name, value, width in zip(grid.add_row().cells, table.columns, row, widths):
            cell.width = width
            cell.text = doc.visible(doc._docx_text(value))
            para = cell.paragraphs[0]
            for r in para.runs:
                r.font.size = Pt(doc.TABLE_FONT_PT)
            if isinstance(value, Indented) and value.depth:
                para.paragraph_format.left_indent = Pt(doc.INDENT_PT * value.depth)
            if name in table.numeric:
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    body = [etree.tostring(tr) for tr in ours.tables[0]._tbl.tr_lst[1:]]
    assert body == [etree.tostring(tr) for tr in grid._tbl.tr_lst]
    assert b"<w:tab/>" in body[1] and b'xml:space="preserve"' in body[0] and b"<w:br/><w:tab/>" in body[2]


@pytest.mark.parametrize("text", ["", "plain", "a & b < c > d", "&amp; stays &amp;amp;", '"quoted" \'single\'',
                                  "<w:t>[laughter]</w:t>", "é ü 中文 \U0001F600", "&&<<>>"])
def test_xml_escape_is_saxutils_escape(text: str) -> None:
    """The DOCX and SVG writers escape text as the standard library does, without importing it."""
    from xml.sax.saxutils import escape as standard

    from qualcode.render.xmltext import escape

    assert escape(text) == standard(text)
    assert escape(text, {'"': "&quot;"}) == standard(text, {'"': "&quot;"})

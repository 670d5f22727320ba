"""Issue 14.8: a DOCX a researcher can paste into a paper, and Markdown tables whose hierarchy
survives a CommonMark renderer."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.shared import Inches
from markdown_it import MarkdownIt

from tests.conftest import Run
from tests.test_reports_golden import study  # noqa: F401  (fixture)

DEEP = """\
codes:
  - id: support
    name: Peer support
    keywords: [seniors]
    codes:
      - id: seniors-and-alumni-stories
        name: Seniors' stories
        codes:
          - id: night
            name: The worst night
            keywords: [night]
"""


def test_docx_columns_fit_their_content(run: Run, study: Path, tmp_path: Path) -> None:
    run("report", "docx", "--output", "r.docx")
    document = docx.Document(str(tmp_path / "r.docx"))
    for table in document.tables:
        widths = [c.width for c in table.columns]
        assert len(set(widths)) > 1, "every column the same width: not fitted to the content"
        assert sum(widths) <= Inches(6.5) + 1000  # the text width of the page
        assert all(cell.width == column.width for column in table.columns for cell in column.cells)
    themes = document.tables[0]
    assert [c.text for c in themes.rows[0].cells][:3] == ["code", "name", "segments"]
    name, number = themes.columns[1].width, themes.columns[2].width
    assert number < name  # text gets the room; numbers need little


def test_no_word_is_broken_when_the_words_fit() -> None:
    from qualcode.render.document import CELL_PAD_PT, CHAR_PT, HEADER_CHAR_PT, TEXT_WIDTH_PT, column_widths
    from qualcode.render.tabular import Indented, Table

    table = Table("", ["code", "name", "segments", "% speakers", "text"],
                  [["resetting-after-bad-shifts", Indented("Belonging and connection", 2), 12, "100%",
                    "a long quote " * 30]], numeric=("segments", "% speakers"))
    widths = column_widths(table)
    assert abs(sum(widths) - TEXT_WIDTH_PT) < 1
    assert widths[0] >= len("resetting-") * CHAR_PT + CELL_PAD_PT  # breaks only after a hyphen
    assert widths[2] >= len("segments") * HEADER_CHAR_PT + CELL_PAD_PT  # headers are not cut mid-word
    assert widths[4] == max(widths)  # the long text takes what is left


def test_docx_hierarchy_is_an_indent_and_headings_carry_no_markdown(run: Run, study: Path, tmp_path: Path) -> None:
    run("report", "themes", "--output", "t.docx")
    table = docx.Document(str(tmp_path / "t.docx")).tables[0]
    names = {row.cells[1].text: row.cells[1].paragraphs[0].paragraph_format.left_indent for row in table.rows[1:]}
    assert names["Peer support"] is None and names["Seniors' stories"] > 0  # text as is, indented by the paragraph
    run("report", "quotes", "--output", "q.docx")
    headings = [p for p in docx.Document(str(tmp_path / "q.docx")).paragraphs if p.style.name.startswith("Heading")]
    assert "Peer support (support)" in [h.text for h in headings]
    assert not any("`" in h.text for h in headings)
    code_run = next(r for h in headings for r in h.runs if r.text == "support")
    assert code_run.font.name == "Consolas"


def test_markdown_hierarchy_survives_commonmark(run: Run, project: Path, tmp_path: Path) -> None:
    (tmp_path / "fg.txt").write_text("Ana: The seniors told us about the night.\nBen: Fine.\n")
    (tmp_path / "cb.yaml").write_text(DEEP)
    run("ingest", "fg.txt")
    run("codebook", "load", "cb.yaml")
    run("code", "1", "night")
    md = run("report", "themes", "--format", "md").stdout
    assert "| night | &emsp;↳ The worst night |" in md
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert "<td>Peer support</td>" in html
    assert "<td>↳ Seniors' stories</td>" in html or "<td>↳ Seniors&#x27; stories</td>" in html
    assert "<td>\u2003↳ The worst night</td>" in html  # the entity survives as an em space


@pytest.mark.parametrize("fmt", ["md", "docx"])
def test_codebook_document_headings_and_overview(run: Run, study: Path, tmp_path: Path, fmt: str) -> None:
    run("codebook", "export", "--output", f"cb.{fmt}")
    if fmt == "md":
        text = (tmp_path / "cb.md").read_text()
        assert "## Peer support (`support`)" in text and "| seniors | ↳ Seniors' stories |" in text
    else:
        document = docx.Document(str(tmp_path / "cb.docx"))
        assert not any("`" in p.text for p in document.paragraphs)
        assert document.core_properties.author == "qualcode"


def test_themes_table_leaves_the_name_column_room() -> None:
    """A user check of `make demo`: eight columns gave the name 79 pt (17% of the page), four
    lines for "Belonging and connection with the cohort", because each numeric column was as wide
    as its whole header ("% segments") over numbers no wider than "100%"."""
    from qualcode.render.document import CELL_PAD_PT, HEADER_CHAR_PT, TEXT_WIDTH_PT, column_widths
    from qualcode.render.tabular import Indented, Table

    numeric = ("segments", "sources", "speakers", "% sources", "% segments", "% speakers")
    rows = [["connection-and-recovery", Indented("Belonging and connection with the cohort", 1), 9, 2, 7,
             "100%", "4%", "64%"],
            ["outside-facilitation", Indented("Outside or professional facilitation", 1), 5, 2, 4,
             "100%", "2%", "36%"]]
    table = Table("Themes", ["code", "name", *numeric], rows, numeric=numeric)
    widths = column_widths(table)
    assert abs(sum(widths) - TEXT_WIDTH_PT) < 1
    assert widths[1] >= 0.22 * TEXT_WIDTH_PT
    assert widths[1] == max(widths)
    for name, width in zip(table.columns, widths):  # a header wraps between words, never inside one
        assert width >= max(len(w) for w in name.split()) * HEADER_CHAR_PT + CELL_PAD_PT


def test_docx_header_row_is_smaller_and_cells_have_narrow_margins(run: Run, study: Path, tmp_path: Path) -> None:
    run("report", "themes", "--output", "t.docx")
    table = docx.Document(str(tmp_path / "t.docx")).tables[0]
    assert {r.font.size.pt for c in table.rows[0].cells for r in c.paragraphs[0].runs} == {8}
    assert {r.font.size.pt for c in table.rows[1].cells for r in c.paragraphs[0].runs} == {9}
    margins = table._tbl.tblPr.find(docx.oxml.ns.qn("w:tblCellMar"))
    assert margins is not None and margins.getnext().tag == docx.oxml.ns.qn("w:tblLook")  # schema order


def test_long_chart_labels_wrap_onto_two_lines_instead_of_being_cut() -> None:
    """The HTML report's bar chart read "Belonging and connection with the coh…"."""
    from qualcode.render.charts import LINE_H, Text, bar_chart, heatmap, to_svg

    name = "Belonging and connection with the cohort"
    short = bar_chart([("Peer support", 3, "#4e79a7", 0), ("Coping", 1, "#4e79a7", 1)], "Themes")
    chart = bar_chart([("Peer support", 3, "#4e79a7", 0), (name, 1, "#4e79a7", 1)], "Themes")
    labels = [s for s in chart.shapes if isinstance(s, Text) and s.size == 12]
    assert [t.text for t in labels] == ["Peer support", "Belonging and connection with the", "cohort"]
    assert labels[2].y == labels[1].y + LINE_H and labels[2].x == labels[1].x  # the second line under the first
    assert chart.height == short.height + LINE_H  # the row grows; the rows below move down
    assert "…" not in to_svg(chart)
    matrix = heatmap(["Peer support", "  " + name], ["resident"], [[0.5], [0.1]], [["3"], ["1"]], "By role")
    rows = [s.text for s in matrix.shapes if isinstance(s, Text) and s.size == 12]
    assert rows == ["Peer support", "Belonging and connection with the", "cohort"]
    assert "…" not in to_svg(matrix)


def test_a_short_header_with_wide_letters_is_not_broken() -> None:
    """A coder called "demo" over a column of 0s and 1s: 4 average characters are 18 pt, but
    its m makes it 19.1 pt in the header's bold font, and LibreOffice broke it as "dem/o"."""
    from qualcode.render.document import CELL_PAD_PT, column_widths
    from qualcode.render.tabular import Table

    widths = column_widths(Table("", ["code", "demo"], [["a", 1], ["b", 0]], numeric=("demo",)))
    assert widths[1] >= 19.1 + CELL_PAD_PT


def test_a_long_chart_title_is_not_cut_by_the_chart_edge() -> None:
    """The HTML report's matrix chart read "Codes by group (coded segments; shade: share of the
    group's segmen": a two-column heatmap is narrower than its title."""
    from qualcode.render.charts import TITLE_CHAR_W, bar_chart, heatmap

    title = "Codes by group (coded segments; shade: share of the group's segments)"
    matrix = heatmap(["Peer support"], ["peer-support-1", "peer-support-2"], [[0.5, 0.1]], [["3", "1"]], title)
    bars = bar_chart([("Peer support", 3, "#4e79a7", 0)], title + " and more words " * 3)
    for chart in (matrix, bars):
        assert chart.width >= 10 + TITLE_CHAR_W * len(chart.title)
    assert heatmap(["A"], ["b"], [[0.5]], [["1"]], "By role").width == 300 + 58 + 20  # short titles change nothing

"""Charts for papers: a bar chart of theme frequencies and heat maps (code × attribute,
code × code), drawn once as a list of shapes and written as SVG (no dependency) or PNG
(Pillow, imported only when a PNG is asked for).

The SVG is what the HTML report inlines; the same SVG and PNG files go into papers via
``qualcode report charts DIR``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Sequence, Union
from qualcode.render.xmltext import escape

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac")
FONT = "Helvetica, Arial, sans-serif"
INK = "#222222"


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    cls: str = ""
    tip: str = ""


@dataclass
class Text:
    x: float
    y: float
    text: str
    size: float = 12
    anchor: str = "start"      # start | middle | end
    bold: bool = False
    fill: str = INK


Shape = Union[Rect, Text]


@dataclass
class Chart:
    width: int
    height: int
    shapes: list[Shape]
    title: str
    kind: str                  # "bars" | "heatmap"


def _fit(label: str, limit: int = 38) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


LINE_H = 14  # a second line of a 12 px label
TITLE_CHAR_W = 8.5  # the widest a character of the 15 px bold title runs, on average


def _title_width(title: str) -> int:
    """The width a chart needs for its title on one line (a title is never cut)."""
    return round(20 + TITLE_CHAR_W * len(title))


def _wrap(label: str, limit: int = 38) -> list[str]:
    """A label on one line, or on two broken between words when it is longer than ``limit``
    ("Belonging and connection with the cohort"); cut with "…" only when two lines cannot hold it."""
    if len(label) <= limit:
        return [label]
    cut = label.rfind(" ", 0, limit + 1)
    if cut <= 0:  # one long word: nowhere to break
        return [_fit(label, limit)]
    return [label[:cut], _fit(label[cut + 1:].lstrip(), limit)]


def bar_chart(items: Sequence[tuple[str, int, str, int]], title: str, unit: str = "segments") -> Chart:
    """Horizontal bars; ``items`` are (label, value, colour, indent level)."""
    label_w, bar_w, row_h, top = 300, 380, 22, 40
    top_value = max([v for _, v, _, _ in items] + [1])
    shapes: list[Shape] = [Text(10, 22, title, 15, bold=True)]
    y = top
    for label, value, colour, depth in items:
        lines = _wrap(label, 40 - 2 * depth)
        for n, line in enumerate(lines):
            shapes.append(Text(10 + 14 * depth, y + 15 + n * LINE_H, line, 12))
        w = bar_w * value / top_value
        shapes.append(Rect(label_w, y + 3, max(w, 0.5), row_h - 6, colour, "bar", f"{label}: {value} {unit}"))
        shapes.append(Text(label_w + w + 6, y + 15, str(value), 11))
        y += row_h + (len(lines) - 1) * LINE_H
    height = y + 30
    shapes.append(Text(label_w, height - 10, f"coded {unit}", 11, fill="#555555"))
    return Chart(max(label_w + bar_w + 60, _title_width(title)), height, shapes, title, "bars")


def _shade(share: float) -> str:
    """White to dark blue as ``share`` goes from 0 to 1."""
    share = min(max(share, 0.0), 1.0)
    low, high = (247, 251, 255), (8, 69, 148)
    return "#" + "".join(f"{round(a + (b - a) * share):02x}" for a, b in zip(low, high))


def heatmap(rows: Sequence[str], columns: Sequence[str], shares: Sequence[Sequence[float]],
            labels: Sequence[Sequence[str]], title: str) -> Chart:
    """Cells coloured by ``shares`` (0–1) and labelled with ``labels``."""
    label_w, cell_w, cell_h, head = 300, max(58, min(120, 7 * max([len(c) for c in columns] + [6]))), 24, 70
    shapes: list[Shape] = [Text(10, 22, title, 15, bold=True)]
    for j, col in enumerate(columns):
        shapes.append(Text(label_w + j * cell_w + cell_w / 2, head - 10, _fit(col, 16), 11, "middle", bold=True))
    y = head
    for i, row in enumerate(rows):
        indent = len(row) - len(row.lstrip(" "))  # SVG collapses leading spaces: indent by position
        lines = _wrap(row.strip(), 38 - indent)
        for n, line in enumerate(lines):
            shapes.append(Text(10 + 7 * indent, y + 16 + n * LINE_H, line, 12))
        h = cell_h + (len(lines) - 1) * LINE_H
        for j, col in enumerate(columns):
            share = shares[i][j]
            shapes.append(Rect(label_w + j * cell_w, y, cell_w - 2, h - 2, _shade(share), "cell",
                               f"{row} × {col}: {labels[i][j]}"))
            shapes.append(Text(label_w + j * cell_w + cell_w / 2 - 1, y + 16 + (h - cell_h) / 2, labels[i][j], 11,
                               "middle", fill="#ffffff" if share > 0.55 else INK))
        y += h
    return Chart(max(label_w + len(columns) * cell_w + 20, _title_width(title)), y + 20, shapes, title, "heatmap")


def to_svg(chart: Chart) -> str:
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {chart.kind}" width="{chart.width}" '
           f'height="{chart.height}" viewBox="0 0 {chart.width} {chart.height}" role="img" '
           f'aria-label="{escape(chart.title, {chr(34): "&quot;"})}" font-family="{FONT}">',
           f'<rect x="0" y="0" width="{chart.width}" height="{chart.height}" fill="#ffffff"/>']
    for s in chart.shapes:
        if isinstance(s, Rect):
            cls = f' class="{s.cls}"' if s.cls else ""
            tip = f"<title>{escape(s.tip)}</title>" if s.tip else ""
            out.append(f'<rect{cls} x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" '
                       f'fill="{s.fill}">{tip}</rect>')
        else:
            weight = ' font-weight="bold"' if s.bold else ""
            out.append(f'<text x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size:g}" text-anchor="{s.anchor}" '
                       f'fill="{s.fill}"{weight}>{escape(s.text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def to_png(chart: Chart, scale: float = 2.0) -> bytes:
    """The chart as a PNG at ``scale`` × its SVG size (2 = about 200 dpi at print size)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (round(chart.width * scale), round(chart.height * scale)), "white")
    draw = ImageDraw.Draw(image)
    fonts: dict[float, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}
    for s in chart.shapes:
        if isinstance(s, Rect):
            draw.rectangle([s.x * scale, s.y * scale, (s.x + s.w) * scale - 1, (s.y + s.h) * scale - 1], fill=s.fill)
            continue
        size = s.size * scale
        font = fonts.get(size)
        if font is None:
            font = fonts[size] = ImageFont.load_default(size=size)
        anchor = {"start": "ls", "middle": "ms", "end": "rs"}[s.anchor]
        draw.text((s.x * scale, s.y * scale), s.text, fill=s.fill, font=font, anchor=anchor,
                  stroke_width=1 if s.bold else 0, stroke_fill=s.fill)
    buf = io.BytesIO()
    # zlib's fastest level: a third less time than the default for files 14% larger (the
    # charts are most of a DOCX report's rendering); optimize=True took 3x as long for files
    # 2-3% smaller.
    image.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()

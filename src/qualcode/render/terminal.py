"""Everything qualcode shows on a terminal goes through this module, so that text reaches the
screen as written.

Rich reads ``[...]`` as markup and ``:name:`` as emoji by default: a transcript's
``[laughter]`` vanished, its ``[/laughs]`` or CHAT's ``[/]`` crashed a command with a
MarkupError, and an ESC sequence from a bad export reached the terminal raw. So the consoles
made here never read markup or emoji codes, and every string they render (a ``print`` argument,
a table cell, a title, a tree label) has its control characters shown escaped (``\\x1b``). Style
comes only from :class:`rich.text.Text` spans (:func:`styled`), never from the text itself.
"""

from __future__ import annotations

import math
import os
import re
import sys
from typing import IO, Any

from rich.console import Console
from rich.text import Text

# C0 controls but tab and newline, DEL, and C1 controls (U+0080–U+009F: 0x9b is a one-byte CSI).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with each control character written as a ``\\xNN`` escape: shown, never obeyed."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def plain(text: Any, style: str = "") -> Text:
    """User or transcript text as a Rich ``Text``: no markup, control characters escaped."""
    return Text(visible("" if text is None else str(text)), style=style)


def styled(*parts: str | tuple[str, str]) -> Text:
    """A line assembled from pieces: ``"text"`` or ``("text", "style")``; all shown as written."""
    line = Text()
    for part in parts:
        if isinstance(part, tuple):
            line.append(visible(part[0]), style=part[1])
        else:
            line.append(visible(part))
    return line


class PlainConsole(Console):
    """A Rich console that never interprets markup or emoji codes in the strings it renders, and
    shows their control characters escaped. Table cells, titles and tree labels that are strings
    come through :meth:`render_str` too, so one override covers every renderable."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("highlight", False)
        super().__init__(markup=False, emoji=False, **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        kwargs.update(markup=False, emoji=False)
        return super().render_str(visible(text), **kwargs)


def score_text(score: float | None) -> str:
    """A score as shown: two decimals, rounded *down*, so that a suggestion shown as 0.40
    is one that ``--min-score 0.4`` takes (0.3994 showed as 0.40 and was left out)."""
    if score is None:
        return ""
    return f"{math.floor(round(score * 100, 6)) / 100:.2f}"


def file_width() -> int:
    """The width of tables written to a text file: ``QUALCODE_TABLE_WIDTH``, else 120."""
    value = os.environ.get("QUALCODE_TABLE_WIDTH", "")
    return int(value) if value.isdigit() and int(value) > 0 else 120


def stdout_console() -> PlainConsole:
    """Data on standard output, as wide as the terminal (``COLUMNS``, or 80 when piped)."""
    return PlainConsole(soft_wrap=False)


def stderr_console(file: IO[str] | None = None) -> PlainConsole:
    """Status lines for people on standard error (or ``file``): on a terminal wrapped between
    words at its width (the terminal itself would cut them mid-word), elsewhere (a log, a
    pipe) one line each, however long."""
    stream = file if file is not None else sys.stderr
    terminal = bool(getattr(stream, "isatty", lambda: False)())
    return PlainConsole(stderr=file is None, file=file, soft_wrap=not terminal)


def to_text(renderable: Any, width: int | None = None, file: IO[str] | None = None) -> str:
    """A renderable as plain text (no colour codes) at ``width`` columns: for writing to a file."""
    with open(os.devnull, "w") as sink:
        console = PlainConsole(width=width or file_width(), record=True, file=file or sink, color_system=None)
        console.print(renderable)
        return console.export_text()

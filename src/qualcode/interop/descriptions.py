"""What qualcode writes into REFI-QDA ``Description``s, and reads back out of them.

Two things travel in descriptions because some clients keep nothing else:

- **memos** (``export qdpx --for qualcoder``): QualCoder reads the memo of a coding, code or
  source from the ``Description`` of its selection, code or source, and ignores ``Note``s
  there. Several memos, or a code's description followed by its memos, are joined by a line
  holding ``---`` (a Markdown rule, so the memo reads well in QualCoder); import splits them
  again.
- **which speaker labels a case is** (every export): QualCoder keeps a case's description
  but neither its ``SelectionRef``s nor its ``SourceRef``s when it exports, so a case says in
  its description where the participant speaks: ``Speaks as:`` then one line per source,
  ``“R1” in focus group 1.txt``. Import links those speakers again.
"""

from __future__ import annotations

import re

SEPARATOR = "\n\n---\n\n"
_SPLIT = re.compile(r"\n[ \t]*\n---[ \t]*\n[ \t]*\n")
SPEAKS_AS = "Speaks as:"
_LINK = re.compile(r"^\s*“(.+)” in (.+?)\s*$")


def join_memos(description: str, memos: list[str]) -> str:
    """A description followed by memos, each after a ``---`` line."""
    return SEPARATOR.join([description.strip(), *(m.strip() for m in memos)]) if memos else description


def split_memos(text: str | None) -> tuple[str, list[str]]:
    """(description, memos) from a description written by :func:`join_memos`."""
    parts = _SPLIT.split((text or "").replace("\r\n", "\n"))
    return parts[0].strip(), [p.strip() for p in parts[1:] if p.strip()]


def case_description(links: list[tuple[str, str]]) -> str:
    """``Speaks as:`` and one ``“label” in source`` line per (label, source name)."""
    return "\n".join([SPEAKS_AS, *(f"“{label}” in {source}" for label, source in links)]) if links else ""


def speaker_links(text: str | None) -> list[tuple[str, str]]:
    """The (label, source name) pairs of a case description written by :func:`case_description`."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    try:
        start = [line.strip() for line in lines].index(SPEAKS_AS) + 1
    except ValueError:
        return []
    out = []
    for line in lines[start:]:
        m = _LINK.match(line)
        if m is None:
            break
        out.append((m.group(1), m.group(2)))
    return out

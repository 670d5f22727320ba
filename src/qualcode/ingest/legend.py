"""What comes before the talk: a legend of speaker labels, and header sections.

A legend maps labels to roles at the top of a transcript. It looks like speech turns
(``I1: Interviewer 1``, ``Y: Mand``) but is metadata, so it is told apart by shape: two or
more consecutive short ``Label: Role`` lines with distinct labels, no sentence punctuation,
before the first turn, whose labels then speak; or one line ``I = interviewer, X = informant``.
"""

from __future__ import annotations

import re

from qualcode.ingest.labels import Candidate

_EQUALS_ENTRY = re.compile(r"^\s*(?P<label>[\w][\w .]{0,15}?)\s*=\s*(?P<role>[^=,]{1,40}?)\s*$")
_SENTENCE_MARKS = re.compile(r"[.?!…,;:\"“”]")


def _equals_legend(line: str) -> dict[str, str] | None:
    if "=" not in line or "," not in line:
        return None
    entries = {}
    for part in line.split(","):
        m = _EQUALS_ENTRY.match(part)
        if not m:
            return None
        entries[m["label"].strip()] = m["role"].strip()
    return entries if len(entries) >= 2 else None


def _role_like(found: Candidate | None) -> bool:
    if found is None or found.kind != "label" or found.style != "colon" or not found.label:
        return False
    rest = found.rest.strip()
    return bool(rest) and len(rest.split()) <= 4 and not _SENTENCE_MARKS.search(rest)


def find_legend(lines: list[str], found: list[Candidate | None],
                counts: "dict[str, int]") -> tuple[dict[str, str], set[int]]:
    """The legend (label -> role) and the indices of its lines, or ({}, set())."""
    for i in range(min(len(lines), 60)):
        item = found[i]
        if item is None:
            entries = _equals_legend(lines[i])
            if entries:
                return entries, {i}
            continue
        if _role_like(item):
            return _colon_block(lines, found, counts, i)
        if item.kind == "label":
            return {}, set()  # the talk has begun
    return {}, set()


def _colon_block(lines: list[str], found: list[Candidate | None], counts: "dict[str, int]",
                 first: int) -> tuple[dict[str, str], set[int]]:
    block: dict[str, str] = {}
    i = first
    while i < len(lines):
        item = found[i]
        if item is None or not _role_like(item) or item.label in block:
            break
        block[item.label or ""] = item.rest.strip()
        i += 1
    if len(block) < 2 or (i < len(lines) and lines[i].strip()):
        return {}, set()
    speaking = sum(1 for label in block if counts.get(label, 0) >= 2)
    if speaking * 2 < len(block) or not _talk_is_spaced(found, i):
        return {}, set()
    return block, set(range(first, i))


def _talk_is_spaced(found: list[Candidate | None], after: int) -> bool:
    """The turns after a legend are separated by blank lines, unlike the legend's lines."""
    labels = []
    for i in range(after, min(len(found), after + 200)):
        item = found[i]
        if item is not None and item.kind == "label":
            labels.append(i)
            if len(labels) == 2:
                break
    return len(labels) == 2 and labels[1] - labels[0] > 1


def header_sections(header: list[str]) -> dict[str, str]:
    """Named sections of a header: ALL-CAPS titles (Otter's SUMMARY KEYWORDS, RTF notes'
    CONTEXT) and Markdown headings, each with the lines below it."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in header:
        title = line.lstrip("#").strip() if line.startswith("#") else None
        if title is None and _caps_title(line):
            title = line
        if title:
            current = sections.setdefault(title, [])
        elif current is not None:
            current.append(line)
    return {k: "\n".join(v) for k, v in sections.items()}


def _caps_title(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 4 and len(line.split()) <= 6 and all(c.isupper() for c in letters)

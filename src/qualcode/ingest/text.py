"""Plain-text (and Markdown) transcripts: speaker turns by convention.

Recognised at the start of a line (see docs/ingest.md for an example of each):

- ``Name: text`` and ``Name : text`` (``Name:`` alone, text on the next lines, too); joint
  speakers ``X og Y:``, ``I1 + I2:``, ``ALL PARTICIPANTS:``
- ``[Name] text`` and Zoom's ``[Name] 11:02:09`` header line
- ``**Name:** text`` and ``**Name**: text``
- ``### Name`` headings used for every turn
- ``Name  12:04`` alone on a line (Otter), the turn's text on the following lines
- a time mark before the label: ``12:04 NAME:``, ``*3:55 = X: text``, and TranscribeMe's
  ``[00:00:12] Interviewer: text``
- a time mark in the label: Rev's ``Speaker 1 (00:00:04):``

Unlabelled lines continue the current speaker's turn; a label repeated on consecutive
paragraphs continues the same turn. Lines before the first turn (titles, notes, Otter's
``SUMMARY KEYWORDS``) are header metadata, not speech; a legend mapping labels to roles
(``I1: Interviewer 1`` or ``I = interviewer, X = informant``) is metadata too. Lines that
are only a time mark (``(16.09)``) time the next turn; ``[00:01:00]`` inside a turn is
taken out of the quoted text, and so are f4transkript's marks that close a paragraph
(``text #00:03:22-0#``), which time the next turn. A tool's footer at the end (``Transcribed
by https://otter.ai``) is metadata. Lines that are only a note (``[laughter]``, ``(inaudible)``,
``==== Connection got interrupted ====``) are non-speech turns with no speaker.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from typing import Any

from qualcode.ingest.labels import (
    CLOSING_STAMP, FOOTER, INLINE_STAMP, Candidate, classify, name_like, parse_timestamp,
)
from qualcode.ingest.legend import find_legend, header_sections
from qualcode.ingest.model import Transcript, Turn

__all__ = ["parse_text", "parse_timestamp"]

_CLOSING_TAIL = re.compile(r"\s*" + CLOSING_STAMP.pattern + r"\s*$")
# Label styles that are unambiguous once seen; colon labels need care ("Date: …").
_SAFE_STYLES = {"bold", "header", "bracket", "custom"}
# Roles head a transcript as "Interviewer: Jane Doe" but speak as "Interviewer: How was it?".
ROLE_KEYS = {"interviewer", "interviewee", "moderator", "facilitator", "respondent", "researcher"}
# "Key: value" lines that head a transcript: metadata, never a speaker.
HEADER_KEYS = {
    "date", "time", "duration", "length", "location", "place", "site", "venue", "title", "subject",
    "topic", "project", "study", "file", "filename", "audio", "recording", "recorded", "transcribed by",
    "transcriber", "transcription", "language", "participants", "speakers", "attendees", "present",
    "notes", "note", "keywords", "summary", "session", "group", "code", "id", "version", "source", "dato", "datum", "lieu", "ort", "sted",
}


def _resolve_labels(found: list[Candidate | None]) -> tuple[Counter[str], str | None]:
    """Count labels, fold ``I1 (unclear who?)`` into ``I1``; return counts and the file's
    dominant label style (None when colon labels dominate or nothing does)."""
    counts = Counter(f.label for f in found if f is not None and f.kind == "label"
                     and f.style != "semicolon" and f.label)
    for f in found:
        if f is not None and f.kind == "label" and f.label and f.label.endswith(")") and " (" in f.label:
            base = f.label[: f.label.index(" (")]
            if counts[base] >= 2:
                f.label = base
    counts = Counter(f.label for f in found if f is not None and f.kind == "label"
                     and f.style != "semicolon" and f.label)
    styles = Counter(f.style for f in found if f is not None and f.kind == "label" and f.label
                     and (f.style != "heading" or counts[f.label] >= 2) and name_like(f.label))
    dominant = styles.most_common(1)[0][0] if styles else None
    return counts, (None if dominant == "colon" else dominant)


def _accept(found: Candidate, counts: Counter[str], started: bool, dominant: str | None) -> bool:
    """Colon labels are the risky kind ("Date: …", "So my point:"): be careful with them."""
    label = found.label or ""
    if not label:
        return False
    if found.style in _SAFE_STYLES:
        return True
    if found.style == "heading":
        return counts[label] >= 2
    if found.style == "semicolon":  # "I2; text": a typo for a colon, only for known labels
        return counts[label] >= 3
    if found.style == "stamped":
        return name_like(label) or counts[label] >= 2
    if counts[label] < 2 and (dominant is not None or not found.rest.strip()):
        return False  # "Hi PARTICIPANT 30:" in a file whose turns look different
    if not name_like(label):
        return counts[label] >= 3
    return counts[label] >= 2 or started


def _opens_talk(item: Candidate, found: list[Candidate | None], index: int,
                counts: Counter[str], dominant: str | None) -> bool:
    """A one-off ``Name: text`` line right before other turns is the first turn
    ("Fac: Start?"), unless it looks like a header line ("Date: 3 March")."""
    if not _speaks_once(item, dominant):
        return False
    for nxt in found[index + 1: index + 4]:
        if nxt is not None:
            return nxt.kind == "label" and nxt.style == "colon" and (
                counts[nxt.label or ""] >= 2 or _speaks_once(nxt, dominant))
    return False


def _speaks_once(item: Candidate, dominant: str | None) -> bool:
    label, rest = item.label or "", item.rest.strip()
    if item.style != "colon" or dominant is not None or not rest or not name_like(label):
        return False
    key = label.lower()
    if key in ROLE_KEYS:
        return rest[-1] in ".?!…"
    return key not in HEADER_KEYS


class _Builder:
    """The turn-building state of one pass over the lines. A note line ("[laughter]") is
    its own non-speech turn; the speech around it by the same speaker stays one turn."""

    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self.header: list[str] = []
        self.speech: Turn | None = None  # the current (or last) speech turn
        self.after_note = False
        self.pending_ts: float | None = None
        self.gap = False  # a stamp or note line since the speech turn's last piece

    def label(self, found: Candidate, start: int) -> None:
        rest, rest_start = found.rest, start + found.rest_offset
        if rest and (rest[0].isspace() or rest[-1].isspace()):  # rarely: labels strip most
            stripped = rest.lstrip()
            rest_start += len(rest) - len(stripped)
            rest = stripped.rstrip()
        cur = self.speech
        self.after_note = False
        if cur is not None and cur.speaker == found.label:
            if rest:  # the same speaker's label repeated: one turn, a new piece
                cur.pieces.append((rest_start, rest_start + len(rest)))
            self.gap = False
            return
        ts = found.timestamp if found.timestamp is not None else self.pending_ts
        self.speech = Turn(speaker=found.label, pieces=[], timestamp=ts)
        self.pending_ts, self.gap = None, False
        self.turns.append(self.speech)
        if rest:
            self.speech.pieces.append((rest_start, rest_start + len(rest)))

    def note(self, found: Candidate, line: str, start: int) -> None:
        stripped = line.strip()
        begin = start + len(line) - len(line.lstrip())
        self.turns.append(Turn(None, [(begin, begin + len(stripped))], found.timestamp, "nonspeech"))
        self.after_note, self.gap = True, True

    def plain(self, line: str, start: int) -> None:
        cur = self.speech
        if cur is None:
            if self.after_note:  # a note before any speaker: keep the text as unattributed
                cur = self.speech = Turn(None, [], self.pending_ts)
                self.turns.append(cur)
            else:
                self.header.append(line.strip())
                return
        lead = len(line) - len(line.lstrip())
        piece_start, piece_end = start + lead, start + len(line)
        if cur.pieces and not self.gap:
            cur.pieces[-1] = (cur.pieces[-1][0], piece_end)  # continuation: extend the span
        else:
            cur.pieces.append((piece_start, piece_end))
        self.gap = False


def parse_text(text: str, *, encoding: str = "utf-8", fmt: str = "text",
               speaker_pattern: str | None = None) -> Transcript:
    """Parse normalised text into turns. ``speaker_pattern`` is a regex with a ``label``
    group (and optionally ``ts``) for conventions the detector misses."""
    custom = re.compile(speaker_pattern) if speaker_pattern else None
    lines = text.split("\n")
    closing = "#" in text and CLOSING_STAMP.search(text) is not None
    if closing:
        # f4 closes every paragraph with a mark, "(lacht) #00:00:49-5#" too: classify the
        # line without it (offsets are unchanged: the mark is at the end)
        found = [classify(_CLOSING_TAIL.sub("", line), custom) if line else None for line in lines]
    else:
        found = [classify(line, custom) if line else None for line in lines]
    counts, dominant = _resolve_labels(found)
    legend, legend_lines = find_legend(lines, found, counts)

    footer_from = _footer_start(lines)
    build = _Builder()
    started = False
    pos = 0
    for index, line in enumerate(lines):
        start, pos = pos, pos + len(line) + 1
        item = found[index]
        if legend_lines and index in legend_lines:
            continue
        if index >= footer_from:
            break
        if item is None:
            if line and not line.isspace():
                build.plain(line, start)
            continue
        if item.kind == "nonspeech" and item.label and counts[item.label] >= 1:
            # "[Anna]" alone on its line, Anna also labels other turns: her text is below
            item.kind, item.rest, item.rest_offset = "label", "", len(line)
        if item.kind == "label":
            if _accept(item, counts, started, dominant) or (
                    not started and _opens_talk(item, found, index, counts, dominant)):
                started = True
                build.label(item, start)
            else:
                build.plain(line, start)
        elif not started:
            build.header.append(line.strip())
        elif item.kind == "stamp":
            build.pending_ts, build.gap = item.timestamp, True
        else:
            build.note(item, line, start)

    turns = _drop_inline_stamps(text, [t for t in build.turns if t.pieces])
    if closing:
        turns = _drop_closing_stamps(text, turns)
    metadata: dict[str, Any] = {}
    if footer_from < len(lines):
        metadata["footer"] = [line.strip() for line in lines[footer_from:] if line.strip()]
    if build.header:
        metadata["header"] = build.header
        sections = header_sections(build.header)
        if sections:
            metadata["sections"] = sections
    if legend:
        metadata["legend"] = legend
    return Transcript(text=text, format=fmt, encoding=encoding, turns=turns, metadata=metadata)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _drop_inline_stamps(text: str, turns: list[Turn]) -> list[Turn]:
    """Cut ``[00:01:00]`` marks out of speech pieces; the first one times an untimed turn."""
    if "[" not in text:
        return turns
    stamps = [(m.start(), m.end(), m["ts"]) for m in INLINE_STAMP.finditer(text)]
    if not stamps:
        return turns
    starts = [s for s, _, _ in stamps]
    kept = []
    for turn in turns:
        if turn.kind != "speech":
            kept.append(turn)
            continue
        pieces: list[tuple[int, int]] = []
        for s, e in turn.pieces:
            i = bisect.bisect_left(starts, s)
            while i < len(stamps) and stamps[i][1] <= e:
                a, b, ts = stamps[i]
                if turn.timestamp is None:
                    turn.timestamp = parse_timestamp(ts)
                pieces.append(_trim(text, s, a))
                s = b
                i += 1
            pieces.append(_trim(text, s, e))
        turn.pieces = [(s, e) for s, e in pieces if e > s]
        if turn.pieces:
            kept.append(turn)
    return kept


def _footer_start(lines: list[str]) -> int:
    """The index where a tool's footer ("Transcribed by https://otter.ai") begins, looking
    at the last few non-blank lines only; len(lines) when there is none."""
    index, seen = len(lines), 0
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip()
        if not line:
            continue
        if seen == 3 or not FOOTER.match(line):
            break
        index, seen = i, seen + 1
    return index


def _closing_value(m: "re.Match[str]") -> float:
    return parse_timestamp(m["ts"]) + (float("0." + m["frac"]) if m["frac"] else 0.0)


def _drop_closing_stamps(text: str, turns: list[Turn]) -> list[Turn]:
    """Cut f4's ``#00:03:22-0#`` marks out of the pieces. A mark closes its paragraph, so it
    is the time the *next* paragraph starts: a turn is timed by the last mark before its
    first word (the first turn has none unless the file opens with a mark)."""
    stamps = [(m.start(), m.end(), _closing_value(m)) for m in CLOSING_STAMP.finditer(text)]
    starts = [s for s, _, _ in stamps]
    kept = []
    for turn in turns:
        pieces: list[tuple[int, int]] = []
        for s, e in turn.pieces:
            i = bisect.bisect_left(starts, s)
            while i < len(stamps) and stamps[i][1] <= e:
                pieces.append(_trim(text, s, stamps[i][0]))
                s = stamps[i][1]
                i += 1
            pieces.append(_trim(text, s, e))
        turn.pieces = [(s, e) for s, e in pieces if e > s]
        if not turn.pieces:
            continue
        if turn.timestamp is None and turn.kind == "speech":
            before = bisect.bisect_right(starts, turn.pieces[0][0]) - 1
            if before >= 0:
                turn.timestamp = stamps[before][2]
        kept.append(turn)
    return kept

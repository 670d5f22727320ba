"""Codings that cross turns: where they lie, and which turns they touch.

A coding is a span ``[start, end)`` of its source's text. When the span lies in one turn,
``codings.segment_id`` names that turn; when it starts in one turn and ends in a later one
of the same source, ``segment_id`` is NULL and the turns it touches are the source's speech
segments that overlap the span (see docs/architecture.md, "Codings across turns"). This
module resolves such a span from what a user can give (``code --source S --start A --end B``
or ``--quote``) and lists its turns for the reports, each with its speaker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.coding.common import require_sources, segment_pieces
from qualcode.coding.decisions import Span
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True)
class Turn:
    """The part of one turn that a span covers."""

    segment_id: int
    ordinal: int
    speaker: str | None          # the speaker's label, as in the transcript
    participant_id: str | None
    speaker_id: int | None
    line: int
    timestamp: float | None
    text: str                    # the covered words of this turn

    def said(self, speaker: str | None = None) -> str:
        """``Speaker: words`` (``speaker`` in place of the label, e.g. a pseudonym)."""
        name = speaker if speaker is not None else self.speaker
        return f"{name}: {self.text}" if name else self.text


def _speech(db: "Database", source_id: int, start: int, end: int) -> list[tuple[int, int, int, int, str | None]]:
    """(segment id, ordinal, start, end, pieces) of the speech turns overlapping the span."""
    return [(int(r[0]), int(r[1]), int(r[2]), int(r[3]), r[4]) for r in db.execute(
        "SELECT id, ordinal, start, end, pieces FROM segments WHERE source_id = ? AND kind = 'speech' "
        "AND start < ? AND end > ? ORDER BY ordinal", [source_id, end, start]).fetchall()]


def span_turns(db: "Database", source_id: int, start: int, end: int, text: str | None = None) -> list[Turn]:
    """Each speech turn the span touches, in order, with the words of it that the span covers."""
    if text is None:
        text = str(db.execute("SELECT text FROM sources WHERE id = ?", [source_id]).fetchone()[0])
    speakers = {int(r[0]): (r[1], r[2], r[3], int(r[4]), r[5]) for r in db.execute(
        "SELECT s.id, sp.label, sp.participant_id, sp.id, s.line, s.timestamp FROM segments s "
        "LEFT JOIN speakers sp ON sp.id = s.speaker_id "
        "WHERE s.source_id = ? AND s.kind = 'speech' AND s.start < ? AND s.end > ?", [source_id, end, start])}
    out = []
    for seg, ordinal, s_start, s_end, pieces in _speech(db, source_id, start, end):
        parts = [text[max(a, start):min(b, end)] for a, b in segment_pieces(s_start, s_end, pieces)]
        words = " ".join(p.strip() for p in parts if p.strip())
        if words:
            out.append(Turn(seg, ordinal, *speakers[seg], words))
    return out


def resolve_source_span(db: "Database", source: str, *, start: int | None = None, end: int | None = None,
                        quote: str | None = None) -> Span:
    """A span of a source given by character offsets of its text or by a quote; it may cross
    turns. A span inside one turn is that turn's span (``segment_id`` set), so the same
    words coded either way are one coding."""
    (source_id,) = require_sources(db, [source])
    text = str(db.execute("SELECT text FROM sources WHERE id = ?", [source_id]).fetchone()[0])
    if quote is not None:
        if start is not None or end is not None:
            raise QualcodeError("give either --quote or --start/--end, not both")
        start, end = _find(db, source_id, text, quote, source)
    if start is None or end is None:
        raise QualcodeError("with --source, give --start and --end (character offsets of the source text) "
                            "or --quote \"exact words\"")
    if not 0 <= start < end <= len(text):
        raise QualcodeError(f"--start/--end must satisfy 0 <= start < end <= {len(text)} (the length of "
                            f"{source}'s text)")
    turns = _speech(db, source_id, start, end)
    if not turns:
        raise QualcodeError(f"characters {start}-{end} of {source} hold no speech (only labels, time stamps "
                            "or headings); `qualcode segments --source NAME` shows the turns")
    start, end = max(start, turns[0][2]), min(end, turns[-1][3])  # not the labels around the words
    if len(turns) == 1:
        seg, _ordinal, s_start, s_end, _pieces = turns[0]
        return Span(seg, source_id, start, end, start <= s_start and end >= s_end)
    return Span(None, source_id, start, end, False)


_SPACE = re.compile(r"\s+")


def _find(db: "Database", source_id: int, text: str, quote: str, source: str) -> tuple[int, int]:
    """Where the quote's words are said, across turns: the speech of the source is read as
    one text (labels and stamps between turns left out, any run of white space one space),
    exactly first, then ignoring case."""
    wanted = _SPACE.sub(" ", quote).strip()
    chars: list[str] = []
    offsets: list[int] = []
    for _seg, _ordinal, s_start, s_end, pieces in _speech(db, source_id, 0, len(text)):
        for a, b in segment_pieces(s_start, s_end, pieces):
            for i in range(a, b):
                if text[i].isspace():
                    if chars and chars[-1] != " ":
                        chars.append(" ")
                        offsets.append(i)
                else:
                    chars.append(text[i])
                    offsets.append(i)
            if chars and chars[-1] != " ":
                chars.append(" ")
                offsets.append(b)
    said = "".join(chars)
    at = said.find(wanted) if wanted else -1
    if at < 0 and wanted:
        at = said.lower().find(wanted.lower())
    if at < 0:
        raise QualcodeError(f"the quote is not in {source}; copy the exact words from `qualcode segments` "
                            "(the quote is not repeated here: transcripts are confidential)")
    return offsets[at], offsets[at + len(wanted) - 1] + 1

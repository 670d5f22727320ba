"""The one shape every parser returns: a normalised text and its speaker turns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Turn:
    """One speaker turn. ``pieces`` are character spans of ``Transcript.text`` whose
    concatenation (joined by blank lines) is what the speaker said: labels and inline
    timestamps are left out. Most turns are a single span."""

    speaker: str | None
    pieces: list[tuple[int, int]]
    timestamp: float | None = None
    kind: str = "speech"  # speech | nonspeech

    @property
    def start(self) -> int:
        return self.pieces[0][0]

    @property
    def end(self) -> int:
        return self.pieces[-1][1]

    def text(self, source_text: str) -> str:
        return PIECE_SEPARATOR.join(source_text[s:e] for s, e in self.pieces)


PIECE_SEPARATOR = "\n\n"


@dataclass
class Transcript:
    text: str
    format: str
    encoding: str
    turns: list[Turn]
    metadata: dict[str, Any] = field(default_factory=dict)
    # One line each for what the reader left out or guessed ("2 cues skipped: bad timing at
    # lines 12, 40"): ingest shows them, so nothing is dropped without a word.
    notices: list[str] = field(default_factory=list)

    @property
    def speakers(self) -> list[str]:
        """Speaker labels in order of first appearance."""
        seen: dict[str, None] = {}
        for turn in self.turns:
            if turn.speaker is not None and turn.kind == "speech":
                seen.setdefault(turn.speaker, None)
        return list(seen)


def piece_offset(pieces: list[tuple[int, int]], offset: int) -> int:
    """Map an offset in a turn's text (pieces joined by PIECE_SEPARATOR) to the source text."""
    remaining = offset
    for start, end in pieces:
        length = end - start
        if remaining <= length:
            return start + remaining
        remaining -= length + len(PIECE_SEPARATOR)
        if remaining < 0:  # inside a separator: snap to the next piece
            return end
    return pieces[-1][1]


def lines_phrase(lines: list[int], limit: int = 8) -> str:
    """'line 12', 'lines 12, 40', 'lines 3, 5, … (12 in all)'."""
    if len(lines) == 1:
        return f"line {lines[0]}"
    shown = ", ".join(str(n) for n in lines[:limit])
    return f"lines {shown}" + (f", … ({len(lines)} in all)" if len(lines) > limit else "")


def skipped_notice(count: int, what: str, reason: str, lines: list[int]) -> str:
    """'2 cues skipped: bad timing at lines 12, 40'."""
    noun = what if count == 1 else what + "s"
    where = f" at {lines_phrase(lines)}" if lines else ""
    return f"{count} {noun} skipped: {reason}{where}"

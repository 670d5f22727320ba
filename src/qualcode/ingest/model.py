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

"""``ingest --dry-run``: what a parse found, without touching a project.

The JSON form is a contract for scripts (one object per file)::

    {"file", "format", "encoding", "speakers": [{"label", "turns", "words", "role"}],
     "turns": [{"speaker", "text", "timestamp"}]}

A speaker's ``role`` is the one ingest would record from the file alone (``facilitator`` or
``participant``, from the label or the file's legend; null for unlabelled turns): a
participants file or ``speakers role`` may change it later.

``turns`` holds every speech turn in order (``timestamp`` in seconds or null); non-speech
notes are counted in the table view but left out of the JSON turns. The reader's notices
(what it skipped) go to stderr, so the JSON keeps this shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.ingest import read_transcript
from qualcode.ingest.model import Transcript
from qualcode.ingest.roles import Role, speaker_roles


@dataclass
class SpeakerSummary:
    label: str | None
    turns: int
    words: int
    role: Role | None = None  # what ingest would record; None for unlabelled turns


@dataclass
class TurnPreview:
    speaker: str | None
    text: str
    timestamp: float | None


@dataclass
class Preview:
    file: str
    format: str
    encoding: str
    speakers: list[SpeakerSummary]
    turns: list[TurnPreview]
    notes: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)  # shown on stderr, not in the JSON

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "format": self.format, "encoding": self.encoding,
            "speakers": [{"label": s.label, "turns": s.turns, "words": s.words, "role": s.role}
                         for s in self.speakers],
            "turns": [{"speaker": t.speaker, "text": t.text, "timestamp": t.timestamp} for t in self.turns],
        }


def summarise(path: Path, transcript: Transcript) -> Preview:
    speakers: dict[str | None, SpeakerSummary] = {}
    turns: list[TurnPreview] = []
    notes = 0
    roles = speaker_roles(transcript)  # what ingest records (one rule for both)
    for turn in transcript.turns:
        if turn.kind != "speech":
            notes += 1
            continue
        text = turn.text(transcript.text)
        role = roles.get(turn.speaker) if turn.speaker is not None else None
        summary = speakers.setdefault(turn.speaker, SpeakerSummary(turn.speaker, 0, 0, role))
        summary.turns += 1
        summary.words += len(text.split())
        turns.append(TurnPreview(turn.speaker, text, turn.timestamp))
    return Preview(str(path), transcript.format, transcript.encoding, list(speakers.values()), turns,
                   notes, transcript.metadata, list(transcript.notices))


def preview_file(path: Path, *, fmt: str | None = None, speaker_pattern: str | None = None) -> Preview:
    """Parse ``path`` as ingest would and summarise it. Raises QualcodeError for bad input."""
    transcript, _ = read_transcript(path, fmt=fmt, speaker_pattern=speaker_pattern)
    return summarise(path, transcript)

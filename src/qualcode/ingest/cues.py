"""Subtitle cues (WebVTT, SRT) to speaker turns.

Subtitle tools cut speech into cues of a few seconds. A cue names its speaker with a voice
tag (``<v Travis>``, with or without ``</v>``) or a ``Name:`` prefix (Zoom), and often only
the first cue of a turn does: later cues continue it. Consecutive cues of one speaker are
one turn, timed by its first cue.

The stored text is built here, one paragraph per turn (``Name: text``), so quotes read as
sentences rather than as two-line subtitle fragments; offsets refer to this text. A file
with no speaker names gives one unlabelled turn per cue.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass

from qualcode.ingest.labels import NONSPEECH_WORDS, name_like
from qualcode.ingest.model import Transcript, Turn

_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+(?P<name>[^>]*)>")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<\d[^>]*>")
_CUE_LABEL = re.compile(r"^(?P<label>[^:\s][^:]{0,59}?)\s?:\s+(?P<rest>\S.*)$", re.S)
# WhisperX writes its diarised labels in brackets: "[SPEAKER_00]: text" (brackets are markup).
_BRACKET_LABEL = re.compile(r"^\[(?P<label>[^\]\n]{1,60})\]:?\s+(?P<rest>\S.*)$", re.S)
_NOTE = re.compile(r"^(?:\[[^\]]*\]|\([^)]*\)|[♪♫\s]+.*[♪♫]?)$")


@dataclass
class Cue:
    start: float | None
    payload: str  # the cue text as written: may hold voice tags and line breaks
    speaker: str | None = None  # given by the format (WhisperX, Teams blocks): payload is plain text


@dataclass
class _Part:
    voice: str | None
    text: str
    label: str | None = None
    kind: str = "speech"


def _clean(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _split_voices(payload: str) -> list[_Part]:
    matches = list(_VOICE.finditer(payload))
    if not matches:
        return [_Part(None, _clean(payload))]
    parts = []
    if _clean(payload[: matches[0].start()]):
        parts.append(_Part(None, _clean(payload[: matches[0].start()])))
    for m, nxt in zip(matches, matches[1:] + [None]):
        body = payload[m.end(): nxt.start() if nxt is not None else len(payload)]
        parts.append(_Part(_clean(m["name"]) or None, _clean(body)))
    return parts


def _label(parts: list[_Part], custom: re.Pattern[str] | None) -> None:
    """Give each part its speaker: its voice tag, or a ``Name:`` prefix that is name-like
    or used on two or more cues."""
    candidates = []
    for part in parts:
        if _NOTE.match(part.text) and part.voice is None:
            part.kind = "nonspeech"
            continue
        m = (custom or _CUE_LABEL).match(part.text) if part.voice is None else None
        if custom is None and part.voice is None and part.text[:1] == "[":
            m = _BRACKET_LABEL.match(part.text) or m
            if m and m["label"].strip().lower() in NONSPEECH_WORDS:  # "[laughs] yes": a note, kept
                m = None
        if m and m["label"] and m["label"].strip():
            tail = part.text[m.end():] if custom is not None else m["rest"]
            candidates.append((part, m["label"].strip(), tail))
    counts = Counter(label for _, label, _ in candidates)
    for part, label, tail in candidates:
        if custom is not None or counts[label] >= 2 or name_like(label):
            part.voice = label
            part.text = tail.strip()
    for part in parts:
        part.label = part.voice


def cues_to_transcript(cues: list[Cue], *, fmt: str, encoding: str,
                       speaker_pattern: str | None = None) -> Transcript:
    custom = re.compile(speaker_pattern) if speaker_pattern else None
    timed: list[tuple[float | None, _Part]] = []
    for cue in cues:
        if cue.speaker is not None:
            timed.append((cue.start, _Part(cue.speaker, " ".join(cue.payload.split()))))
            continue
        for part in _split_voices(cue.payload):
            if part.text or part.voice:
                timed.append((cue.start, part))
    _label([p for _, p in timed], custom)

    out: list[str] = []
    length = 0
    turns: list[Turn] = []
    speech: Turn | None = None  # the current (or last) speech turn
    after_note = False
    for start, part in timed:
        if not part.text:
            continue
        sep = "\n\n" if out else ""
        if part.kind == "nonspeech":
            out.append(sep + part.text)
            begin = length + len(sep)
            length = begin + len(part.text)
            turns.append(Turn(None, [(begin, length)], start, "nonspeech"))
            after_note = True
            continue
        speaker = part.label if part.label is not None else (speech.speaker if speech is not None else None)
        if speech is not None and speaker is not None and speaker == speech.speaker:
            if after_note:  # the speaker goes on after a note: a new paragraph, the same turn
                out.append(sep + part.text)
                begin = length + len(sep)
                length = begin + len(part.text)
                speech.pieces.append((begin, length))
            else:
                out.append(" " + part.text)
                length += 1 + len(part.text)
                speech.pieces[-1] = (speech.pieces[-1][0], length)
            after_note = False
            continue
        prefix = f"{speaker}: " if speaker is not None else ""
        out.append(sep + prefix + part.text)
        begin = length + len(sep) + len(prefix)
        length = begin + len(part.text)
        speech = Turn(speaker, [(begin, length)], start)
        turns.append(speech)
        after_note = False
    return Transcript(text="".join(out) + "\n", format=fmt, encoding=encoding, turns=turns)

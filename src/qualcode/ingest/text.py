"""Plain-text (and Markdown) transcripts: speaker labels by convention.

Recognised at the start of a line:

- ``Name: text`` and ``Name : text`` (``Name:`` alone, text on the next lines, too)
- ``[Name] text`` and Zoom's ``[Name] 11:02:09`` header line
- ``**Name:** text`` and ``**Name**: text``
- ``Name  12:04`` alone on a line (Otter), the turn's text on the following lines
- ``12:04 NAME: text`` (a timestamp before the label)

Unlabelled lines continue the current speaker's turn; a label repeated on consecutive
paragraphs continues the same turn. Lines before the first turn (titles, dates, notes) are
kept as header metadata, not speech. A ``Name:`` label that occurs only once *before* the
talk begins and names a header field (``Date: …``) is header, not a speaker.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from qualcode.ingest.model import Transcript, Turn

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
_TS_RE = re.compile(rf"^{_TS}$")

_BOLD = re.compile(r"^\*\*(?P<label>[^*:\n]{1,60}?)\s*(?::\s*\*\*|\*\*\s*:)\s*(?P<rest>.*)$")
_BRACKET = re.compile(r"^\[(?P<label>[^\]\n]{1,60})\]\s*(?P<rest>.*)$")
_HEADER_TS = re.compile(rf"^(?P<label>[^\s:][^:\n]{{0,58}}?)\s+(?P<ts>{_TS})\s*$")
_TS_FIRST = re.compile(rf"^(?P<ts>{_TS})\s+(?P<label>[^:\n]{{1,40}}?)\s*:\s*(?P<rest>.*)$")
_COLON = re.compile(r"^(?P<label>[^\s:\[*#>][^:\n]{0,40}?)\s?:(?:\s+(?P<rest>\S.*)|\s*$)")

# Words in square brackets that are transcribers' notes, not speakers.
NONSPEECH_WORDS = {
    "laughter", "laughs", "laughing", "crosstalk", "cross-talk", "cross talk", "inaudible",
    "unclear", "indistinct", "pause", "silence", "overlapping", "overlap", "coughs", "cough",
    "applause", "music", "noise", "background noise", "sighs", "sigh", "interruption",
    "long pause", "short pause", "break", "end", "end of recording", "recording starts",
    "recording ends", "redacted", "name", "name redacted",
}
# Connectors allowed inside joint or multi-word labels ("X og Y", "Dr. van Dijk").
_CONNECTORS = {"og", "and", "&", "und", "et", "en", "y", "e", "de", "van", "der", "von", "le", "la", "di", "da", "du", "of"}
_LABEL_BAD_CHARS = re.compile(r"[,?!\"“”;=<>/\\|{}]")
# "Date: 3 March" before the talk is a header line, not a speaker who spoke once.
METADATA_KEYS = {
    "date", "time", "location", "place", "site", "venue", "duration", "length", "participants",
    "present", "attendees", "recorded", "recording", "transcribed", "transcribed by", "transcriber",
    "transcription", "title", "study", "project", "group", "session", "note", "notes", "topic",
    "subject", "language", "file", "audio", "source", "setting", "format", "facilitated by", "keywords",
}


@dataclass
class _Label:
    label: str
    rest: str            # text after the label on the same line ("" if none)
    rest_offset: int     # offset of `rest` within the line
    timestamp: float | None
    style: str           # colon | bracket | bold | header | custom


def parse_timestamp(value: str) -> float:
    """'1:02:03' -> 3723.0, '12:04' -> 724.0, '0:03:14.3' -> 194.3."""
    value = value.replace(",", ".")
    parts = value.split(":")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def _name_like(label: str) -> bool:
    words = label.split()
    if not words or len(words) > 5 or _LABEL_BAD_CHARS.search(label):
        return False
    if label.replace(" ", "").isdigit() or _TS_RE.match(label):
        return False
    for word in words:
        head = word.lstrip("(")[:1]
        if not (head.isupper() or head.isdigit() or word.lower() in _CONNECTORS):
            return False
    return True


def _match_label(line: str, custom: re.Pattern[str] | None) -> _Label | None:
    if custom is not None:
        m = custom.match(line)
        if m:
            groups = m.groupdict()
            rest_start = m.end()
            ts = groups.get("ts") or groups.get("timestamp")
            return _Label(
                groups["label"].strip(), line[rest_start:].strip(),
                rest_start + (len(line[rest_start:]) - len(line[rest_start:].lstrip())),
                parse_timestamp(ts) if ts else None, "custom",
            )
        return None
    for regex, style in ((_BOLD, "bold"), (_TS_FIRST, "colon")):
        m = regex.match(line)
        if m and _name_like(m["label"].strip()):
            ts = m.groupdict().get("ts")
            return _Label(m["label"].strip(), m["rest"], m.start("rest"), parse_timestamp(ts) if ts else None, style)
    m = _BRACKET.match(line)
    if m:
        label = m["label"].strip()
        if label.lower() in NONSPEECH_WORDS or _TS_RE.match(label) or not label:
            return None
        rest = m["rest"]
        if _TS_RE.match(rest.strip()):  # Zoom: [Name] 11:02:09, text on the next line
            return _Label(label, "", len(line), parse_timestamp(rest.strip()), "bracket")
        return _Label(label, rest, m.start("rest"), None, "bracket")
    m = _HEADER_TS.match(line)
    if m and _name_like(m["label"].strip()):
        return _Label(m["label"].strip(), "", len(line), parse_timestamp(m["ts"]), "header")
    m = _COLON.match(line)
    if m:
        label = m["label"].strip()
        rest = m["rest"] or ""
        return _Label(label, rest, m.start("rest") if m["rest"] else len(line), None, "colon")
    return None


def _accept(found: _Label, counts: Counter[str], started: bool) -> bool:
    """Colon labels are the risky kind ("Date: …", "So my point:"): be careful with them."""
    if found.style != "colon":
        return True
    if not _name_like(found.label):
        return counts[found.label] >= 3
    if counts[found.label] >= 2 or started:
        return True
    return found.label.lower() not in METADATA_KEYS


def parse_text(text: str, *, encoding: str = "utf-8", fmt: str = "text",
               speaker_pattern: str | None = None) -> Transcript:
    """Parse normalised text into turns. ``speaker_pattern`` is a regex with a ``label``
    group (and optionally ``ts``) for conventions the detector misses."""
    custom = re.compile(speaker_pattern) if speaker_pattern else None
    lines = text.split("\n")
    offsets = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1

    found: list[_Label | None] = [_match_label(line, custom) for line in lines]
    counts = Counter(f.label for f in found if f is not None)

    turns: list[Turn] = []
    header: list[str] = []
    current: Turn | None = None
    started = False
    for line, start, label in zip(lines, offsets, found):
        if label is not None and _accept(label, counts, started):
            started = True
            rest = label.rest.strip()
            rest_start = start + label.rest_offset + (len(label.rest) - len(label.rest.lstrip()))
            if current is not None and current.speaker == label.label and current.kind == "speech":
                if rest:  # the same speaker's label repeated: one turn, a new piece
                    current.pieces.append((rest_start, rest_start + len(rest)))
                continue
            current = Turn(speaker=label.label, pieces=[], timestamp=label.timestamp)
            turns.append(current)
            if rest:
                current.pieces.append((rest_start, rest_start + len(rest)))
            continue
        stripped = line.strip()
        if not stripped:
            continue
        if current is None:
            header.append(stripped)
            continue
        lead = len(line) - len(line.lstrip())
        piece_start, piece_end = start + lead, start + len(line.rstrip())
        if current.pieces:
            first, _ = current.pieces[-1]
            current.pieces[-1] = (first, piece_end)  # continuation: extend the span
        else:
            current.pieces.append((piece_start, piece_end))

    turns = [t for t in turns if t.pieces]
    metadata: dict[str, object] = {}
    if header:
        metadata["header"] = header
    return Transcript(text=text, format=fmt, encoding=encoding, turns=turns, metadata=metadata)

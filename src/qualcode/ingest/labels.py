"""Recognising one line of a transcript: a speaker label, a time mark, or a non-speech note.

:func:`classify` looks at a single line and says what it *could* be; :mod:`qualcode.ingest.text`
decides, with counts over the whole file, which candidates are real speaker labels. Every
check dispatches on the line's first character so that ordinary speech lines cost one or
two regex tries (ingest must stay above a million words a second).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
# Hand-typed stamps use dots too: (16.09), *23.15 =, *1.01.30 =, 0:03:14.3.
_TS_LOOSE = r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[.,]\d+)?"
TS_RE = re.compile(rf"^{_TS}$")

_BOLD = re.compile(r"^\*\*(?P<label>[^*:\n]{1,60}?)\s*(?::\s*\*\*|\*\*\s*:)\s*(?P<rest>.*)$")
# A transcription service's Markdown: "**Dr. Okafor** [00:00:05] text" (no colon; bold is markup).
_BOLD_STAMPED = re.compile(rf"^\*\*(?P<label>[^*:\n]{{1,60}}?)\*\*\s+\[(?P<ts>{_TS})\]\s*(?P<rest>.*)$")
# "[Name] text" (QualCoder) or "[Name]: text"; "[Name], you …" is someone addressing Name.
_BRACKET = re.compile(r"^\[(?P<label>[^\]\n]{1,60})\](?::|(?=\s)|$)\s*(?P<rest>.*)$")
_HEADER_TS = re.compile(rf"^(?P<label>[^\s:][^:\n]{{0,58}}?)\s+(?P<ts>{_TS})\s*$")
_COLON = re.compile(r"^(?P<label>[^\s:\[*#>(][^:\n]{0,40}?)\s?:(?:\s+(?P<rest>\S.*)|\s*$)")
_SEMICOLON = re.compile(r"^(?P<label>[^\s;:]{1,12});\s+(?P<rest>\S.*)$")
_HEADING = re.compile(r"^#{1,6}\s+(?P<label>[^#\n]{1,60}?)\s*:?\s*#*\s*$")
# A time mark before the label: "00:10 RESEARCHER:", "*3:55 = I1: …", "34:45: X: …", and
# TranscribeMe's "[00:00:12] Interviewer: …".
_STAMP_PREFIX = re.compile(
    rf"^(?:\*\s*(?P<loose>{_TS_LOOSE})\s*[=:]?|(?P<ts>{_TS})\s*[=:]?|\[(?P<bts>{_TS})\])\s+")
# Rev: "Speaker 1 (00:00:04):" — the time is in the label's parentheses.
_REV = re.compile(rf"^(?P<label>[^\s:\[*#>(][^:\n(]{{0,40}}?)\s*\((?P<ts>{_TS})\)\s?:(?:\s+(?P<rest>\S.*)|\s*$)")
# A line that is only a time mark: "(16.09)", "[00:01:00]", "0:03:14.3".
_STAMP_LINE = re.compile(rf"^(?:\((?P<p>{_TS_LOOSE})\)|\[(?P<b>{_TS_LOOSE})\]|(?P<bare>{_TS}))$")
# A time mark inside a turn (Descript's minute marks): removed from the quoted text.
INLINE_STAMP = re.compile(rf"\[(?P<ts>{_TS})\]")
# f4/f5transkript's mark, which closes a paragraph: #00:03:22-0# (the digit after "-" is
# tenths); QualCoder writes #00:03:22.500#.
CLOSING_STAMP = re.compile(r"#(?P<ts>\d{1,2}:\d{2}:\d{2})(?:[-.,](?P<frac>\d{1,3}))?#")
# A footer a tool appends after the talk: "Transcribed by https://otter.ai".
FOOTER = re.compile(r"^transcribed (?:by|with|using)\s+\S*(?:\.|://)\S*\s*$", re.I)
_RULE = re.compile(r"^([=~_-])\1{2,}\s*(?P<note>[^=~_\s-].*?)\s*\1{3,}$")

# Words in square brackets that are transcribers' notes, not speakers.
NONSPEECH_WORDS = {
    "laughter", "laughs", "laughing", "crosstalk", "cross-talk", "cross talk", "inaudible",
    "unclear", "indistinct", "pause", "silence", "overlapping", "overlap", "coughs", "cough",
    "applause", "music", "noise", "background noise", "sighs", "sigh", "interruption",
    "long pause", "short pause", "break", "end", "end of recording", "recording starts",
    "recording ends", "redacted", "name", "name redacted",
}
# Connectors allowed inside joint or multi-word labels ("X og Y", "I1 + I2", "Dr. van Dijk").
_CONNECTORS = {"og", "and", "&", "+", "und", "et", "en", "y", "e", "de", "van", "der", "von", "le",
               "la", "di", "da", "du", "of"}
_LABEL_BAD_CHARS = re.compile(r"[,?!\"“”;=<>/\\|{}]")


@dataclass
class Candidate:
    """What one line could be. ``kind`` is label, stamp or nonspeech."""

    kind: str
    label: str | None = None
    rest: str = ""            # text after the label on the same line ("" if none)
    rest_offset: int = 0      # offset of ``rest`` (or of the note) within the line
    timestamp: float | None = None
    style: str = ""           # colon | stamped | bracket | bold | header | heading | semicolon | custom


def parse_timestamp(value: str) -> float:
    """'1:02:03' -> 3723.0, '12:04' -> 724.0, '0:03:14.3' -> 194.3, '16.09' -> 969.0,
    '1.01.30' -> 3690.0 (dots as separators when there is no colon)."""
    if ":" in value:
        parts = value.replace(",", ".").split(":")
    else:
        parts = value.split(".")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


@functools.lru_cache(maxsize=8192)  # labels repeat on every turn: check each once
def name_like(label: str) -> bool:
    """Looks like a name or role: a few capitalised words, digits, or connectors."""
    words = label.split()
    if not words or len(words) > 5 or _LABEL_BAD_CHARS.search(label):
        return False
    if label.replace(" ", "").isdigit() or TS_RE.match(label):
        return False
    for word in words:
        head = word.lstrip("(")[:1]
        if not (head.isupper() or head.isdigit() or word.lower() in _CONNECTORS):
            return False
    return True


def last_first(label: str) -> bool:
    """A directory's display name, "Okafor, Grace" (Teams, Otter in hospitals)."""
    last, sep, first = label.partition(", ")
    return bool(sep) and "," not in first and name_like(last) and name_like(first)


def classify(line: str, custom: re.Pattern[str] | None) -> Candidate | None:
    """What ``line`` could be, or None for ordinary text. Offsets are within ``line``."""
    head = line[:1]
    if not head:
        return None
    if head == " ":
        stripped = line.lstrip()
        if not stripped:
            return None
        found = classify(stripped, custom)
        if found is not None:
            found.rest_offset += len(line) - len(stripped)
        return found
    if head in "([" or head.isdigit():
        m = _STAMP_LINE.match(line)
        if m:
            value = m["p"] or m["b"] or m["bare"]
            return Candidate("stamp", timestamp=parse_timestamp(value))
    if head == "*" or head == "[" or head.isdigit():
        found = _stamp_prefixed(line, custom)
        if found is not None:
            return found
    return _classify_core(line, custom)


def _stamp_prefixed(line: str, custom: re.Pattern[str] | None) -> Candidate | None:
    m = _STAMP_PREFIX.match(line)
    if not m:
        return None
    found = _classify_core(line[m.end():], custom)
    if found is None or found.kind == "stamp" or found.style not in ("colon", "bracket", "custom", ""):
        return None
    found.timestamp = parse_timestamp(m["loose"] or m["ts"] or m["bts"])
    found.rest_offset += m.end()
    if found.style == "colon":
        found.style = "stamped"
    return found


def _classify_core(line: str, custom: re.Pattern[str] | None) -> Candidate | None:
    head = line[:1]
    if head in "[(" and line[-1:] == ("]" if head == "[" else ")") and line.find(line[-1]) == len(line) - 1:
        # A whole line in brackets: a transcriber's note, or a speaker label alone on its
        # line ("[Anna]") if the same label also introduces turns (decided by the caller).
        inner = line[1:-1].strip()
        label = inner if head == "[" and inner.lower() not in NONSPEECH_WORDS else None
        return Candidate("nonspeech", label=label, rest=line, style="bracket" if label else "")
    if head in "=~_-":
        m = _RULE.match(line)
        if m:
            return Candidate("nonspeech", rest=line)
    if custom is not None:
        return _custom(line, custom)
    if head == "#":
        m = _HEADING.match(line)
        if m:
            return Candidate("label", m["label"].strip(), "", len(line), None, "heading")
        return None
    if head == "*":
        m = _BOLD.match(line)
        if m and name_like(m["label"].strip()):
            return Candidate("label", m["label"].strip(), m["rest"], m.start("rest"), None, "bold")
        m = _BOLD_STAMPED.match(line)
        if m and name_like(m["label"].strip()):
            return Candidate("label", m["label"].strip(), m["rest"], m.start("rest"),
                             parse_timestamp(m["ts"]), "bold")
        return None
    if head == "[":
        m = _BRACKET.match(line)
        if m:
            label = m["label"].strip()
            if label.lower() in NONSPEECH_WORDS or TS_RE.match(label) or not label:
                return None
            rest = m["rest"]
            if TS_RE.match(rest.strip()):  # Zoom: [Name] 11:02:09, text on the next line
                return Candidate("label", label, "", len(line), parse_timestamp(rest.strip()), "bracket")
            return Candidate("label", label, rest, m.start("rest"), None, "bracket")
        return None
    if line[-1:].isdigit():
        m = _HEADER_TS.match(line)
        if m and (name_like(m["label"].strip()) or last_first(m["label"].strip())):
            return Candidate("label", m["label"].strip(), "", len(line), parse_timestamp(m["ts"]), "header")
    if line.find("(", 1, 48) != -1:
        m = _REV.match(line)
        if m:  # a timed label, like "00:04 Name:"
            rest = m["rest"] or ""
            return Candidate("label", m["label"].strip(), rest, m.start("rest") if rest else len(line),
                             parse_timestamp(m["ts"]), "stamped")
    m = _COLON.match(line)
    if m:
        rest = m["rest"] or ""
        return Candidate("label", m["label"].strip(), rest, m.start("rest") if rest else len(line), None, "colon")
    if ";" in line[:14]:
        m = _SEMICOLON.match(line)
        if m:
            return Candidate("label", m["label"], m["rest"], m.start("rest"), None, "semicolon")
    return None


def _custom(line: str, custom: re.Pattern[str]) -> Candidate | None:
    m = custom.match(line)
    if not m:
        return None
    groups = m.groupdict()
    tail = line[m.end():]
    ts = groups.get("ts") or groups.get("timestamp")
    return Candidate("label", (groups["label"] or "").strip(), tail.strip(),
                     m.end() + len(tail) - len(tail.lstrip()),
                     parse_timestamp(ts) if ts else None, "custom")

"""WebVTT (webvtt-py) and SRT (srt) files: cues read by the libraries, turns built in
:mod:`qualcode.ingest.cues`.

Both libraries pass over a block they cannot read (webvtt-py without a word, srt with a log
line), so each file is also scanned here, block by block with the libraries' own rules, and
what was passed over becomes a notice with its line numbers ("2 cues skipped: bad timing at
lines 12, 40"): a typo in a timing line must not lose a turn silently.
"""

from __future__ import annotations

import logging
import re

from qualcode.errors import QualcodeError
from qualcode.ingest.cues import Cue, cues_to_transcript
from qualcode.ingest.labels import parse_timestamp
from qualcode.ingest.model import Transcript, skipped_notice

# webvtt-py's (lenient) cue timing line: Teams writes 0:0:3.120.
_VTT_TS = r"(?:\d+:)?\d{1,2}:\d{1,2}\.\d{1,3}"
_VTT_TIMING = re.compile(rf"\s*{_VTT_TS}\s*-->\s*{_VTT_TS}")
# Something meant as a timing line: two times, or an arrow of sorts.
_TIMING_LIKE = re.compile(r"-+>|\d:\d{1,2}[.,:]\d.*\d:\d{1,2}[.,:]\d")
_VTT_BLOCKS = ("NOTE", "STYLE", "REGION")


def parse_vtt(text: str, *, name: str, encoding: str = "utf-8",
              speaker_pattern: str | None = None) -> Transcript:
    import webvtt
    from webvtt.errors import MalformedFileError

    try:
        captions = webvtt.from_string(text)
    except (MalformedFileError, ValueError, IndexError):
        # The library's message may quote the file: keep transcripts out of errors.
        raise QualcodeError(f"{name}: is not valid WebVTT (its cues cannot be read); "
                            "check the file or pass --as text") from None
    cues = [Cue(_seconds(c.start), c.raw_text) for c in captions.captions]
    transcript = cues_to_transcript(cues, fmt="vtt", encoding=encoding, speaker_pattern=speaker_pattern)
    transcript.notices.extend(_report(vtt_skipped_blocks(text)))
    return transcript


def parse_srt(text: str, *, name: str, encoding: str = "utf-8",
              speaker_pattern: str | None = None) -> Transcript:
    import srt

    skipped = srt_skipped_blocks(text)
    logging.getLogger("srt").setLevel(logging.ERROR)  # what it skips is reported below
    try:
        subtitles = list(srt.parse(text, ignore_errors=True))
    except srt.SRTParseError:
        raise QualcodeError(f"{name}: is not valid SRT (its cues cannot be read); "
                            "check the file or pass --as text") from None
    if not subtitles:
        raise QualcodeError(f"{name}: is not valid SRT (none of its cues can be read); "
                            "check the file or pass --as text")
    cues = [Cue(s.start.total_seconds(), s.content) for s in subtitles]
    transcript = cues_to_transcript(cues, fmt="srt", encoding=encoding, speaker_pattern=speaker_pattern)
    transcript.notices.extend(_report(skipped))
    return transcript


def _blocks(lines: list[str], vtt_rules: bool = False) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks with the (1-based) line number of their first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            if current:
                blocks.append((first, current))
                current = []
            continue
        if vtt_rules and current and "-->" in line and (
                len(current) > 1 or "-->" in current[0] or not blocks):
            # webvtt-py: a timing line that cannot belong to this block starts the next one
            blocks.append((first, current))
            current = []
        if not current:
            first = number
        current.append(line)
    if current:
        blocks.append((first, current))
    return blocks


def _vtt_cue(lines: list[str]) -> bool:
    """webvtt-py's rule: the timing line is the first line, or the second after an id."""
    if _VTT_TIMING.match(lines[0]):
        return len(lines) < 2 or "-->" not in lines[1]
    return len(lines) >= 2 and "-->" not in lines[0] and bool(_VTT_TIMING.match(lines[1])) and (
        len(lines) < 3 or "-->" not in lines[2])


def vtt_skipped_blocks(text: str) -> list[tuple[int, str]]:
    """The blocks of a WebVTT file that are neither the header, a cue, nor a NOTE, STYLE or
    REGION block: (line number, reason)."""
    blocks = _blocks(text.split("\n"), vtt_rules=True)
    skipped = []
    for first, lines in blocks[1:]:  # the first block is the WEBVTT header
        if _vtt_cue(lines) or lines[0].split(maxsplit=1)[0] in _VTT_BLOCKS:
            continue
        skipped.append(_reason(first, lines))
    return skipped


def srt_skipped_blocks(text: str) -> list[tuple[int, str]]:
    """The text between the cues the srt library matches, one entry per block."""
    import srt

    skipped: list[tuple[int, str]] = []
    expected = 0
    for match in [*srt.SRT_REGEX.finditer(text), None]:
        start = match.start() if match is not None else len(text)
        gap = text[expected:start]
        if gap.strip():
            base = text.count("\n", 0, expected) + 1
            for first, lines in _blocks(gap.split("\n")):
                skipped.append(_reason(base + first - 1, lines))
        if match is not None:
            expected = match.end()
    return skipped


def _reason(first: int, lines: list[str]) -> tuple[int, str]:
    """Why a block is not a cue, at its timing line if it has one (else its first line)."""
    for offset, line in enumerate(lines[:3]):
        if _TIMING_LIKE.search(line):
            return first + offset, "bad timing"
    return first, "no timing line"


def _report(skipped: list[tuple[int, str]]) -> list[str]:
    """'2 cues skipped: bad timing at lines 12, 40' and '1 block skipped: no timing line at line 7'."""
    notices = []
    for reason, what in (("bad timing", "cue"), ("no timing line", "block")):
        lines = [line for line, why in skipped if why == reason]
        if lines:
            notices.append(skipped_notice(len(lines), what, reason, lines))
    return notices


def _seconds(value: str) -> float | None:
    try:
        return round(parse_timestamp(value), 3)
    except ValueError:
        return None

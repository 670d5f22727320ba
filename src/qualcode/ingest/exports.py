"""Speech-to-text exports whose shape is not a line convention: Whisper and WhisperX JSON,
and the timed blocks of a Microsoft Teams Word transcript.

Both become cues (:class:`~qualcode.ingest.cues.Cue` with the speaker given), so turns are
built exactly as for subtitles: consecutive segments of one speaker are one turn, timed by
its first segment, stored as one ``Name: text`` paragraph per turn.

Whisper without diarisation names no one. Its segments are grouped into *runs* (a new run
after a pause of :data:`RUN_PAUSE` seconds or more, where a new speaker most often starts)
and each run gets a placeholder speaker, ``Unlabelled 1``, ``Unlabelled 2``, …, so that the
researcher can name them afterwards with ``qualcode speakers rename`` (renaming two runs to
one name merges them).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from qualcode.errors import QualcodeError
from qualcode.ingest.cues import Cue, cues_to_transcript
from qualcode.ingest.model import Transcript, lines_phrase

RUN_PAUSE = 1.0  # seconds of silence between Whisper segments that start a new run
UNLABELLED = "Unlabelled"

# Teams' .docx: "0:0:3.120 --> 0:0:9.850", then the speaker's full name, then the text.
TIMING_LINE = re.compile(r"^\s*(?P<start>\d+:\d{1,2}:\d{1,2}(?:[.,]\d+)?)\s*-->\s*\d+:\d{1,2}:\d{1,2}(?:[.,]\d+)?\s*$")


def looks_like_whisper(data: Any) -> bool:
    segments = data.get("segments") if isinstance(data, dict) else None
    return isinstance(segments, list) and any(
        isinstance(s, dict) and "text" in s and "start" in s for s in segments[:20])


def load_json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise QualcodeError(f"{name}: is not valid JSON (line {getattr(exc, 'lineno', '?')}); "
                            "check the file or pass --as text") from None
    except RecursionError:  # thousands of nested brackets: no transcript looks like that
        raise QualcodeError(f"{name}: is JSON nested too deeply to be a transcript; check the file") from None


def parse_whisper(text: str, *, name: str, encoding: str = "utf-8",
                  speaker_pattern: str | None = None) -> Transcript:
    """Whisper or WhisperX output: ``{"segments": [{"start", "end", "text"[, "speaker"]}]}``."""
    data = load_json(text, name)
    if not looks_like_whisper(data):
        raise QualcodeError(f"{name}: is JSON but not Whisper or WhisperX output (no \"segments\" with "
                            "\"start\" and \"text\"); qualcode reads no other JSON transcripts")
    cues: list[Cue] = []
    ends: list[float | None] = []
    skipped: list[int] = []
    for index, segment in enumerate(data["segments"]):
        if not isinstance(segment, dict) or not isinstance(segment.get("text"), str) \
                or not segment["text"].strip():
            ident = segment.get("id") if isinstance(segment, dict) else None
            skipped.append(ident if isinstance(ident, int) else index)  # Whisper's ids count from 0
            continue
        speaker = segment.get("speaker")
        cues.append(Cue(_seconds(segment.get("start")), segment["text"],
                        speaker.strip() if isinstance(speaker, str) and speaker.strip() else None))
        ends.append(_seconds(segment.get("end")))
    notices = []
    if skipped:
        noun = "segment" if len(skipped) == 1 else "segments"
        ids = ", ".join(str(i) for i in skipped[:8]) + (", …" if len(skipped) > 8 else "")
        notices.append(f"{len(skipped)} {noun} skipped: no text (id {ids})")
    if not cues:
        raise QualcodeError(f"{name}: has no segments with text; nothing to ingest")
    diarised = any(c.speaker is not None for c in cues)
    if not diarised:
        runs = _label_runs(cues, ends)
        notices.append(f"no speaker labels (Whisper without diarisation): {len(cues)} segments in {runs} "
                       f"run(s) split at pauses of {RUN_PAUSE:g} s or more, stored as speakers "
                       f"'{UNLABELLED} 1'…'{UNLABELLED} {runs}'; name them with "
                       f"`qualcode speakers rename '{UNLABELLED} 1' NAME`")
    else:
        _continue_speakers(cues)
    transcript = cues_to_transcript(cues, fmt="whisper", encoding=encoding, speaker_pattern=speaker_pattern)
    transcript.notices.extend(notices)
    for key in ("language",):
        if isinstance(data.get(key), str):
            transcript.metadata[key] = data[key]
    return transcript


def _seconds(value: Any) -> float | None:
    """A time in seconds, or None for anything else (a string, NaN, Infinity, a negative)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return round(float(value), 3) if math.isfinite(value) and value >= 0 else None


def _label_runs(cues: list[Cue], ends: list[float | None]) -> int:
    """Give each run of segments (split at pauses) its own placeholder speaker."""
    run = 0
    previous_end: float | None = None
    for cue, end in zip(cues, ends):
        pause = None if previous_end is None or cue.start is None else cue.start - previous_end
        if run == 0 or (pause is not None and pause >= RUN_PAUSE):
            run += 1
        cue.speaker = f"{UNLABELLED} {run}"
        previous_end = end if end is not None else cue.start
    return run


def _continue_speakers(cues: list[Cue]) -> None:
    """WhisperX leaves a segment it could not attribute without a speaker: it continues the
    turn around it (the first speaker's, before anyone has spoken)."""
    current = next(c.speaker for c in cues if c.speaker is not None)
    for cue in cues:
        if cue.speaker is None:
            cue.speaker = current
        current = cue.speaker


def has_timed_blocks(lines: list[str]) -> bool:
    """Two or more lines that are only ``start --> end``, most of them followed by a line
    that reads as a name and then the text (a headerless subtitle file, whose cue text
    follows the timing line directly, is not this)."""
    timings = named = 0
    for i, line in enumerate(lines):
        if "-->" in line and TIMING_LINE.match(line):
            timings += 1
            following = [x.strip() for x in lines[i + 1: i + 6] if x.strip()][:2]
            if len(following) == 2 and _name_line(following[0]) and "-->" not in following[1]:
                named += 1
    return named >= 2 and named * 5 >= timings * 4


def _name_line(line: str) -> bool:
    """A speaker's display name: short, no sentence end, no markup ("Okafor, Grace (Dr.)")."""
    return (len(line) <= 60 and len(line.split()) <= 6 and line[-1] not in ".?!…:;"
            and "<" not in line and "-->" not in line and line[:1].isalpha())


def parse_timed_blocks(lines: list[str], *, fmt: str, encoding: str) -> Transcript:
    """Teams' Word transcript: blocks of a timing line, the speaker, and the text (one or
    more lines). Lines before the first block are header metadata."""
    cues: list[Cue] = []
    header: list[str] = []
    skipped: list[int] = []
    i = 0
    while i < len(lines):
        m = TIMING_LINE.match(lines[i]) if "-->" in lines[i] else None
        if m is None:  # only before the first block: each block takes the lines up to the next
            if lines[i].strip():
                header.append(lines[i].strip())
            i += 1
            continue
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not ("-->" in lines[j] and TIMING_LINE.match(lines[j])):
            if lines[j].strip() or body:
                body.append(lines[j].strip())
            j += 1
        while body and not body[-1]:
            body.pop()
        speaker, words = (body[0], [b for b in body[1:] if b]) if len(body) >= 2 else (None, body)
        if not words or speaker is None or not speaker:
            skipped.append(i + 1)
        else:
            cues.append(Cue(round(_clock(m["start"]), 3), " ".join(words), speaker))
        i = j
    transcript = cues_to_transcript(cues, fmt=fmt, encoding=encoding)
    if header:
        transcript.metadata["header"] = header
    if skipped:
        noun = "block" if len(skipped) == 1 else "blocks"
        transcript.notices.append(f"{len(skipped)} timed {noun} skipped: no speaker and text "
                                  f"at {lines_phrase(skipped)}")
    return transcript


def _clock(value: str) -> float:
    hours, minutes, seconds = value.replace(",", ".").split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)

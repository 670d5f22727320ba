"""WebVTT (webvtt-py) and SRT (srt) files: cues read by the libraries, turns built in
:mod:`qualcode.ingest.cues`."""

from __future__ import annotations

from qualcode.errors import QualcodeError
from qualcode.ingest.cues import Cue, cues_to_transcript
from qualcode.ingest.labels import parse_timestamp
from qualcode.ingest.model import Transcript


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
    return cues_to_transcript(cues, fmt="vtt", encoding=encoding, speaker_pattern=speaker_pattern)


def parse_srt(text: str, *, name: str, encoding: str = "utf-8",
              speaker_pattern: str | None = None) -> Transcript:
    import srt

    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError:
        raise QualcodeError(f"{name}: is not valid SRT (its cues cannot be read); "
                            "check the file or pass --as text") from None
    cues = [Cue(s.start.total_seconds(), s.content) for s in subtitles]
    return cues_to_transcript(cues, fmt="srt", encoding=encoding, speaker_pattern=speaker_pattern)


def _seconds(value: str) -> float | None:
    try:
        return round(parse_timestamp(value), 3)
    except ValueError:
        return None

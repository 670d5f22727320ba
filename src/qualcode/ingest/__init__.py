"""Reading transcripts: format detection, decoding, and one parser per format.

Every parser takes normalised text (or raw bytes, for binary formats) and returns the same
:class:`~qualcode.ingest.model.Transcript`. New formats register in :data:`PARSERS` and
:data:`SUFFIXES`; :func:`detect_format` sniffs content when the suffix is unknown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from qualcode.errors import QualcodeError
from qualcode.ingest.decode import decode, normalise
from qualcode.ingest.model import Transcript
from qualcode.ingest.text import parse_text

# A text parser takes the normalised text, the encoding name and an optional speaker regex.
TextParser = Callable[..., Transcript]


def _parse_markdown(text: str, **kwargs: object) -> Transcript:
    return parse_text(text, fmt="markdown", **kwargs)  # type: ignore[arg-type]


PARSERS: dict[str, TextParser] = {
    "text": parse_text,
    "markdown": _parse_markdown,
}
SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
}
# Formats we recognise but cannot read yet: a clear message beats a garbled parse.
_NOT_YET = {
    ".vtt": "WebVTT", ".srt": "SRT", ".docx": "DOCX", ".rtf": "RTF", ".pdf": "PDF",
    ".doc": "Word 97", ".odt": "OpenDocument",
}
_BINARY_MAGIC = {
    b"PK\x03\x04": "a zip archive (or DOCX)",
    b"%PDF": "a PDF",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"SQLite format 3": "an SQLite database",
    b"\x1f\x8b": "a gzip archive",
}


def detect_format(path: Path, data: bytes, override: str | None = None) -> str:
    """The parser name for a file: ``override``, else by suffix, else by content."""
    if override:
        if override not in PARSERS:
            raise QualcodeError(
                f"unknown --format {override!r}; choose one of: {', '.join(sorted(PARSERS))}"
            )
        return override
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            hint = _NOT_YET.get(path.suffix.lower())
            if hint:
                raise QualcodeError(f"{path}: {hint} files are not supported yet; save it as plain text (.txt)")
            raise QualcodeError(f"{path}: is {what}, not a transcript; give a text transcript")
    suffix = path.suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if suffix in _NOT_YET:
        raise QualcodeError(f"{path}: {_NOT_YET[suffix]} files are not supported yet; save it as plain text (.txt)")
    return "text"


def read_transcript(path: Path, *, fmt: str | None = None, speaker_pattern: str | None = None) -> tuple[Transcript, bytes]:
    """Read, decode, normalise and parse one file. Returns the transcript and original bytes."""
    if not path.exists():
        raise QualcodeError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise QualcodeError(f"{path}: is a folder; give the transcript files inside it (e.g. {path}/*.txt)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QualcodeError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None
    if not data.strip():
        raise QualcodeError(f"{path}: is empty; nothing to ingest")
    name = detect_format(path, data, fmt)
    raw, encoding = decode(data, str(path))
    text = normalise(raw)
    if not text.strip():
        raise QualcodeError(f"{path}: is empty; nothing to ingest")
    if speaker_pattern is not None:
        _check_pattern(speaker_pattern)
    transcript = PARSERS[name](text, encoding=encoding, speaker_pattern=speaker_pattern)
    if not transcript.turns:
        raise QualcodeError(
            f"{path}: no speaker turns found; label turns like 'Name: text' or pass "
            "--speaker-pattern REGEX with a (?P<label>...) group"
        )
    return transcript, data


def _check_pattern(pattern: str) -> None:
    import re

    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise QualcodeError(f"--speaker-pattern is not a valid regular expression ({exc})") from None
    if "label" not in compiled.groupindex:
        raise QualcodeError("--speaker-pattern needs a named group (?P<label>...) for the speaker")

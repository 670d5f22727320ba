"""Reading transcripts: format detection, decoding, and one parser per format.

Every parser takes the file's bytes and returns the same
:class:`~qualcode.ingest.model.Transcript`, with ``notices`` for what it skipped. Formats
register in :data:`PARSERS` (by name) and :data:`SUFFIXES`; :func:`detect_format` sniffs
the content first (a WebVTT file saved as .txt is still WebVTT, Whisper JSON is JSON
whatever its name), then goes by suffix. The format libraries are imported only when
a file of their format is read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from qualcode.errors import QualcodeError
from qualcode.ingest.decode import decode, normalise
from qualcode.ingest.model import Transcript

# A parser takes the original bytes, the file name (for messages) and an optional speaker regex.
Parser = Callable[..., Transcript]


def _text_parser(fmt: str) -> Parser:
    def parse(data: bytes, *, name: str, speaker_pattern: str | None = None) -> Transcript:
        raw, encoding = decode(data, name)
        text = normalise(raw)
        if not text.strip():
            raise QualcodeError(f"{name}: is empty; nothing to ingest")
        if fmt in ("vtt", "srt"):
            from qualcode.ingest import subtitles

            reader = subtitles.parse_vtt if fmt == "vtt" else subtitles.parse_srt
            return reader(text, name=name, encoding=encoding, speaker_pattern=speaker_pattern)
        if fmt == "whisper":
            from qualcode.ingest.exports import parse_whisper

            return parse_whisper(text, name=name, encoding=encoding, speaker_pattern=speaker_pattern)
        if "-->" in text[:8192] and speaker_pattern is None:
            from qualcode.ingest import exports

            lines = text.split("\n")
            if exports.has_timed_blocks(lines[:200]):  # Teams' blocks pasted or saved as text
                return exports.parse_timed_blocks(lines, fmt=fmt, encoding=encoding)
        from qualcode.ingest.text import parse_text

        return parse_text(text, encoding=encoding, fmt=fmt, speaker_pattern=speaker_pattern)

    return parse


def _document_parser(fmt: str) -> Parser:
    def parse(data: bytes, *, name: str, speaker_pattern: str | None = None) -> Transcript:
        from qualcode.ingest import documents

        reader = {"docx": documents.parse_docx, "rtf": documents.parse_rtf, "pdf": documents.parse_pdf}[fmt]
        return reader(data, name=name, speaker_pattern=speaker_pattern)

    return parse


PARSERS: dict[str, Parser] = {
    "text": _text_parser("text"),
    "markdown": _text_parser("markdown"),
    "vtt": _text_parser("vtt"),
    "srt": _text_parser("srt"),
    "docx": _document_parser("docx"),
    "rtf": _document_parser("rtf"),
    "pdf": _document_parser("pdf"),
    "whisper": _text_parser("whisper"),  # Whisper / WhisperX .json
}
SUFFIXES: dict[str, str] = {
    ".txt": "text", ".text": "text",
    ".md": "markdown", ".markdown": "markdown",
    ".vtt": "vtt", ".webvtt": "vtt",
    ".srt": "srt",
    ".json": "whisper",
    ".docx": "docx",
    ".rtf": "rtf",
    ".pdf": "pdf",
}
# Formats we recognise but cannot read: a clear message beats a garbled parse.
_UNSUPPORTED = {
    ".doc": "Word 97-2003 .doc files are not supported; save it as .docx in Word",
    ".odt": "OpenDocument .odt files are not supported; save it as .docx",
    ".pages": "Apple Pages files are not supported; export it as .docx",
}
_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"II*\x00": "a TIFF image",
    b"MM\x00*": "a TIFF image",
    b"SQLite format 3": "an SQLite database",
    b"\x1f\x8b": "a gzip archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
    b"ID3": "an MP3 audio file",
    b"OggS": "an Ogg audio file",
    b"fLaC": "a FLAC audio file",
    b"\x7fELF": "a program",
    b"MZ": "a program",
}
_SRT_HEAD = re.compile(r"^\s*\d+\s*\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->")
_JSON_HEAD = re.compile(r'^\{\s*"')
_MD_HINT = re.compile(r"^(#{1,6} |\*\*[^*\n]{1,60}:\*\*)", re.M)


def _sniff_binary(data: bytes, path: Path) -> str | None:
    """The format of a binary file, or None for text. Refuses binaries that are not transcripts."""
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.lstrip()[:5] == b"{\\rtf":
        return "rtf"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise QualcodeError(f"{path}: is a Word 97-2003 .doc (or other Office) file, which is not "
                            "supported; save it as .docx")
    if data.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536] or path.suffix.lower() == ".docx":
            return "docx"
        if b"opendocument.text" in data[:200]:
            raise QualcodeError(f"{path}: {_UNSUPPORTED['.odt']}")
        raise QualcodeError(f"{path}: is a zip archive, not a transcript; unzip it and ingest the files inside")
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise QualcodeError(f"{path}: is {what}, not a transcript; give a text transcript")
    if data[8:12] in (b"WAVE", b"AVI ") or data[4:8] == b"ftyp":
        raise QualcodeError(f"{path}: is an audio or video file, not a transcript; transcribe it first")
    return None


def _sniff_text(data: bytes, path: Path) -> str:
    head, _ = decode(data[:4096], str(path))
    head = head.lstrip("\ufeff \t\r\n")
    if head.startswith("WEBVTT"):
        return "vtt"
    if _SRT_HEAD.match(head.replace("\r\n", "\n")):
        return "srt"
    suffix = path.suffix.lower()
    if suffix == ".json" or _JSON_HEAD.match(head):
        return "whisper"  # the reader says so when the JSON is not Whisper's
    if suffix in SUFFIXES and SUFFIXES[suffix] in ("text", "markdown"):
        return SUFFIXES[suffix]
    return "markdown" if _MD_HINT.search(head) else "text"


def detect_format(path: Path, data: bytes, override: str | None = None) -> str:
    """The parser name for a file: ``override``, else by content, else by suffix."""
    if override:
        if override not in PARSERS:
            raise QualcodeError(f"unknown format {override!r}; choose one of: {', '.join(PARSERS)}")
        return override
    found = _sniff_binary(data, path)
    if found is not None:
        return found
    suffix = path.suffix.lower()
    if suffix in _UNSUPPORTED:
        raise QualcodeError(f"{path}: {_UNSUPPORTED[suffix]}")
    if suffix in (".docx", ".pdf", ".rtf"):
        raise QualcodeError(f"{path}: is named {suffix} but is not a {suffix[1:].upper()} file; "
                            "check the file or pass --as text")
    try:
        return _sniff_text(data, path)
    except UnicodeDecodeError:  # a cut in the middle of a multi-byte character
        return SUFFIXES.get(suffix, "text")


def read_transcript(path: Path, *, fmt: str | None = None,
                    speaker_pattern: str | None = None) -> tuple[Transcript, bytes]:
    """Read, detect, decode and parse one file. Returns the transcript and original bytes."""
    if not path.exists():
        raise QualcodeError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise QualcodeError(f"{path}: is a folder; give the transcript files inside it (e.g. {path}/*.txt)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QualcodeError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise QualcodeError(f"{path}: is empty; nothing to ingest")
    if speaker_pattern is not None:
        check_pattern(speaker_pattern)
    if fmt is None:  # --as text reads anything as a transcript, on purpose
        from qualcode.inputs import refuse_as_transcript

        refuse_as_transcript(path, data[:512])
    name = detect_format(path, data, fmt)
    transcript = PARSERS[name](data, name=str(path), speaker_pattern=speaker_pattern)
    if not transcript.turns:
        raise QualcodeError(
            f"{path}: no speaker turns found; label turns like 'Name: text' or pass "
            "--speaker-pattern REGEX with a (?P<label>...) group"
        )
    return transcript, data


def check_pattern(pattern: str) -> None:
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise QualcodeError(f"--speaker-pattern is not a valid regular expression ({exc})") from None
    if "label" not in compiled.groupindex:
        raise QualcodeError("--speaker-pattern needs a named group (?P<label>...) for the speaker")

"""Bytes to normalised text: encoding detection and whitespace/Unicode normalisation.

The stored text is NFC with ``\\n`` newlines and ordinary spaces, so offsets are stable and
match what other tools (REFI-QDA) count.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from qualcode.errors import QualcodeError

# Spaces that transcription tools and Word leave behind (NBSP, thin spaces, ...).
_ODD_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Return (text, encoding name). Refuses binary data with a message naming the file."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), enc
    if b"\x00" in data[:8192]:
        raise QualcodeError(f"{name}: looks like a binary file, not a text transcript; export it as text first")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _decode_legacy(data, name)


def _decode_legacy(data: bytes, name: str) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "iso8859_15", "mac_roman", "cp850"]).best()
    encoding = best.encoding if best is not None else "cp1252"
    # cp1252 is a superset of Latin-1's printable range and is what Windows tools write;
    # prefer it when both decode, since 0x80-0x9F are then curly quotes, not controls.
    if encoding in ("latin_1", "iso8859_1"):
        encoding = "cp1252"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        text, encoding = data.decode("latin_1"), "latin_1"
    if _CONTROL.search(text[:4096]):
        raise QualcodeError(f"{name}: looks like a binary file, not a text transcript; export it as text first")
    return text, encoding.replace("_", "-")


def normalise(text: str) -> str:
    """NFC, ``\\n`` newlines, ordinary spaces; trailing spaces on lines are kept out."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = _ODD_SPACES.sub(" ", text)
    text = text.replace("\t", " ")
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"

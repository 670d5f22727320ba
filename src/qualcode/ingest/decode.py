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


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),  # before UTF-16 LE: same first bytes
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)
# Bytes 0x80-0x9F that cp1252 leaves undefined: a file using them is not cp1252.
_CP1252_HOLES = frozenset(b"\x81\x8d\x8f\x90\x9d")
_NOT_C1 = bytes(range(0x80)) + bytes(range(0xA0, 0x100))


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Return (text, encoding name). Refuses binary data with a message naming the file.

    UTF-8/16/32 with a BOM, UTF-16 without one (every other byte NUL), UTF-8, and otherwise
    a legacy 8-bit encoding: cp1252 when bytes 0x80-0x9F occur (Word's curly quotes and
    dashes; in Latin-1 those bytes are invisible control codes), Latin-1 when they do not.
    """
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace"), label
    head = data[:8192]
    if b"\x00" in head:
        utf16 = _utf16_without_bom(head)
        if utf16 is None:
            raise QualcodeError(f"{name}: looks like a binary file, not a text transcript; export it as text first")
        return data.decode(utf16, errors="replace"), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _decode_legacy(data, name)


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text without a BOM has NUL in every other byte (for Latin-script text)."""
    even, odd = head[0::2], head[1::2]
    if len(head) >= 4 and odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if len(head) >= 4 and even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _decode_legacy(data: bytes, name: str) -> tuple[str, str]:
    high = set(data.translate(None, _NOT_C1))
    if high & _CP1252_HOLES:
        raise QualcodeError(f"{name}: is in a text encoding qualcode cannot tell (not UTF-8, UTF-16, "
                            "cp1252 or Latin-1); save it as UTF-8 text")
    encoding = "cp1252" if high else "latin-1"
    text = data.decode(encoding)
    if _CONTROL.search(text[:4096]):
        raise QualcodeError(f"{name}: looks like a binary file, not a text transcript; export it as text first")
    return text, encoding


def normalise(text: str) -> str:
    """NFC, ``\\n`` newlines, ordinary spaces; trailing spaces on lines are kept out."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = _ODD_SPACES.sub(" ", text)
    text = text.replace("\t", " ")
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"

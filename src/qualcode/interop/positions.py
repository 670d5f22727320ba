"""Selection positions: what other tools count, and qualcode's offsets.

qualcode's offsets are Python code points of the *normalised* text (NFC, ``\\n`` newlines,
no trailing spaces, no zero-width characters; see :func:`qualcode.ingest.decode.normalise`).
A REFI-QDA ``PlainTextSelection`` counts positions in the plain-text file *as written* by
its producer, and producers count differently:

- ``utf16``: UTF-16 code units (a character outside the Basic Multilingual Plane, such as an
  emoji, counts two), the byte-order mark dropped, CRLF counted as two. NVivo 12 does this:
  in its sample export 278 of 303 selections fall exactly on line boundaries this way and
  only 14 when counted as code points. ATLAS.ti and MAXQDA are Windows/.NET tools and are
  assumed to count the same way (their samples hold no selections to check).
- ``codepoints``: Unicode code points of the text as written (QualCoder, Taguette and
  qualcode itself, which exports its normalised text, so its positions map one to one).

ATLAS.ti and MAXQDA also count a CRLF line break as *one* position although their text
files hold both characters (QualCoder's importer and exporter, the one open-source client,
correct for exactly this: ``crlf_one``). qualcode states what it wrote in the ``origin``
(``qualcode 0.1.0; positions=utf16; crlf=1``).

:class:`PositionMap` converts in both directions for one source text: a producer's
positions to qualcode offsets on import, and qualcode offsets to positions in the text as
it is written out on export (the original file of an imported source, or the stored text).
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from dataclasses import dataclass

from qualcode.ingest.decode import _CONTROL, _INVISIBLE, _ODD_SPACES, normalise

CONVENTIONS = ("codepoints", "utf16")
# Producers (the REFI-QDA `origin` attribute) whose positions count UTF-16 code units.
_UTF16_PRODUCERS = ("nvivo", "atlas.ti", "maxqda")
# Producers that count CRLF as one position (see the module docstring).
_CRLF_ONE_PRODUCERS = ("atlas.ti", "maxqda")


_NON_BMP = re.compile("[\U00010000-\U0010FFFF]")
_STATED = re.compile(r"positions[=:]\s*(utf16|codepoints)")


def producer_convention(origin: str | None) -> str:
    """The position convention of the tool named in a project's ``origin`` attribute.
    qualcode states its own in the origin (``qualcode 0.1.0; positions=utf16``)."""
    name = (origin or "").lower()
    stated = _STATED.search(name)
    if stated:
        return stated.group(1)
    return "utf16" if any(p in name for p in _UTF16_PRODUCERS) else "codepoints"


def producer_crlf_one(origin: str | None) -> bool:
    """Whether the producer counts a CRLF line break as one position."""
    name = (origin or "").lower()
    if _STATED.search(name):
        return "crlf=1" in name
    return any(p in name for p in _CRLF_ONE_PRODUCERS)


def _special_chars() -> tuple[frozenset[str], frozenset[str]]:
    """(characters normalise drops, characters it turns into a space), from its own regexes."""
    drop, space = set(), {"\t"}
    for cp in range(0x10000):
        ch = chr(cp)
        if _INVISIBLE.match(ch) or _CONTROL.match(ch):
            drop.add(ch)
        elif _ODD_SPACES.match(ch):
            space.add(ch)
    return frozenset(drop), frozenset(space)


_SPECIALS: tuple[frozenset[str], frozenset[str]] | None = None


def normalise_with_origins(raw: str) -> tuple[str, list[int]]:
    """:func:`normalise` that also returns, for each character of the result, the index in
    ``raw`` it came from (non-decreasing). The final newline it adds points at ``len(raw)``."""
    global _SPECIALS
    if _SPECIALS is None:
        _SPECIALS = _special_chars()
    drop, space = _SPECIALS
    special = drop | space | {"\r"}
    chars: list[str] = []
    origins: list[int] = []
    add_char, add_origin = chars.append, origins.append
    for i, ch in enumerate(raw):  # newlines, invisible and control characters, odd spaces
        if ch in special:
            if ch == "\r":
                if raw[i + 1:i + 2] == "\n":
                    continue  # CRLF: the LF stands for both
                ch = "\n"
            elif ch in drop:
                continue
            else:
                ch = " "
        add_char(ch)
        add_origin(i)
    chars, origins = _nfc(chars, origins)
    text, origins = _rstrip_lines("".join(chars), origins)
    stripped = text.lstrip("\n")
    lead = len(text) - len(stripped)
    stripped = stripped.rstrip("\n")
    text = stripped + "\n"
    origins = origins[lead:lead + len(stripped)] + [len(raw)]
    if text != normalise(raw):  # a guard: the two must never drift apart
        raise AssertionError("normalise_with_origins disagrees with normalise")
    return text, origins


def _nfc(chars: list[str], origins: list[int]) -> tuple[list[str], list[int]]:
    text = "".join(chars)
    if unicodedata.is_normalized("NFC", text):
        return chars, origins
    out: list[str] = []
    out_origins: list[int] = []
    run_start = 0
    for k in range(1, len(chars) + 1):  # runs: a starter and the combining marks after it
        if k == len(chars) or unicodedata.combining(chars[k]) == 0:
            composed = unicodedata.normalize("NFC", "".join(chars[run_start:k]))
            run = origins[run_start:k]
            out.extend(composed)
            out_origins.extend(run[min(j, len(run) - 1)] for j in range(len(composed)))
            run_start = k
    whole = unicodedata.normalize("NFC", text)
    if "".join(out) != whole:  # rare scripts compose across starters: spread proportionally
        out = list(whole)
        out_origins = [origins[min(len(origins) - 1, j * len(origins) // max(1, len(whole)))]
                       for j in range(len(whole))]
    return out, out_origins


def _rstrip_lines(text: str, origins: list[int]) -> tuple[str, list[int]]:
    lines = text.split("\n")
    out_origins: list[int] = []
    pos = 0
    for k, line in enumerate(lines):
        kept = len(line.rstrip())
        out_origins.extend(origins[pos:pos + kept])
        if k < len(lines) - 1:
            out_origins.append(origins[pos + len(line)])  # the newline
        pos += len(line) + 1
    return "\n".join(line.rstrip() for line in lines), out_origins


def _unit_starts(raw: str, convention: str, crlf_one: bool = False) -> list[int] | None:
    """Where each character of ``raw`` starts in the producer's units (plus the end); None
    when that is simply the character index."""
    wide = convention == "utf16" and _NON_BMP.search(raw) is not None
    crlf = crlf_one and "\r\n" in raw
    if not wide and not crlf:
        return None
    weights = [2 if wide and ch > "\uffff" else 1 for ch in raw]
    if crlf:
        for m in re.finditer("\r\n", raw):
            weights[m.start()] = 0  # the LF stands for the whole line break
    return list(itertools.accumulate(weights, initial=0))


@dataclass
class PositionMap:
    """Converts positions of one source between a producer's convention and qualcode's
    offsets. ``raw`` is the text as written (BOM dropped), ``text`` its normalised form and
    ``origins[k]`` the index in ``raw`` of ``text[k]``."""

    raw: str
    text: str
    origins: list[int]
    convention: str
    _units: list[int] | None
    crlf_one: bool = False

    @classmethod
    def from_raw(cls, raw: str, convention: str, crlf_one: bool = False) -> "PositionMap":
        text, origins = normalise_with_origins(raw)
        return cls(raw, text, origins, convention, _unit_starts(raw, convention, crlf_one), crlf_one)

    @classmethod
    def for_export(cls, text: str, convention: str, crlf_one: bool = False, newline: str = "\n") -> "PositionMap":
        """For a stored (already normalised) text, written out as it is, or with ``newline``
        for each line break."""
        if newline == "\n":
            raw, origins = text, list(range(len(text)))
        else:
            raw = text.replace("\n", newline)
            step = len(newline) - 1
            origins, shift = [], 0
            for k, ch in enumerate(text):
                if ch == "\n":
                    shift += step
                origins.append(k + shift)  # a newline's origin is its LF, as normalise_with_origins does
        return cls(raw, text, origins, convention, _unit_starts(raw, convention, crlf_one), crlf_one)

    @property
    def length(self) -> int:
        """The raw text's length in the producer's units."""
        return self._units[-1] if self._units is not None else len(self.raw)

    def _raw_index(self, position: int) -> int:
        if self._units is None:
            return position
        return bisect.bisect_left(self._units, position)  # inside a surrogate pair: snap forward

    def to_offset(self, position: int) -> int:
        """A producer's position to a qualcode offset (into ``text``)."""
        return bisect.bisect_left(self.origins, self._raw_index(position))

    def to_position(self, offset: int, end: bool = False) -> int:
        """A qualcode offset to a position in ``raw``, counted in the producer's units. An
        ``end`` offset maps to just after the character before it (and any combining marks
        NFC folded into it), so what was dropped between two characters stays outside."""
        if end:
            r = self.origins[offset - 1] + 1 if offset > 0 else 0
            while r < len(self.raw) and unicodedata.combining(self.raw[r]):
                r += 1
            r = min(r, len(self.raw))
        else:
            r = self.origins[offset] if offset < len(self.origins) else len(self.raw)
            r = min(r, len(self.raw))
        return self._units[r] if self._units is not None else r

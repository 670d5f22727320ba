"""Selection positions: producers' conventions to qualcode offsets and back."""

from __future__ import annotations

import pytest

from qualcode.ingest.decode import normalise
from qualcode.interop.positions import PositionMap, normalise_with_origins, producer_convention


@pytest.mark.parametrize("raw", [
    "A: one\r\nB: two\r\n",
    "\n\n  \nA: trailing   \t\nB: x\u00a0y\u200b z\r\rC: end\n\n\n",
    "e\u0301t\u00e9 cafe\u0301\n",          # decomposed accents become NFC
    "smile \U0001F600 and \U0001F680\r\nnext",
    "",
    "ctrl\x07char\x0b and tab\there",
])
def test_normalise_with_origins_matches_normalise(raw: str) -> None:
    text, origins = normalise_with_origins(raw)
    assert text == normalise(raw)
    assert len(origins) == len(text)
    assert origins == sorted(origins)


def test_origins_point_back_at_the_same_characters() -> None:
    raw = "\r\n  A: caf\u0065\u0301 \U0001F600  \r\nB: ok\r\n"
    text, origins = normalise_with_origins(raw)
    for k, ch in enumerate(text[:-1]):
        if ch not in "\n\u00e9":
            assert raw[origins[k]] == ch


def test_utf16_positions_with_emoji_bom_dropped_and_crlf_counted_twice() -> None:
    raw = "\U0001F600 hi\r\nthere \U0001F680 go\r\n"
    pm = PositionMap.from_raw(raw, "utf16")
    units = raw.encode("utf-16-le")
    # "there" in UTF-16 code units: emoji = 2 units, CRLF = 2 units.
    start = units.index("there".encode("utf-16-le")) // 2
    assert start == 7
    s, e = pm.to_offset(start), pm.to_offset(start + 5)
    assert pm.text[s:e] == "there"
    # "go" after the second emoji.
    start = units.index("go".encode("utf-16-le")) // 2
    assert pm.text[pm.to_offset(start):pm.to_offset(start + 2)] == "go"
    assert pm.length == len(units) // 2


def test_codepoint_positions_differ_from_utf16_after_an_emoji() -> None:
    raw = "\U0001F600 abc"
    assert PositionMap.from_raw(raw, "codepoints").to_offset(2) == 2
    assert PositionMap.from_raw(raw, "utf16").to_offset(3) == 2


def test_position_inside_a_surrogate_pair_snaps_forward() -> None:
    pm = PositionMap.from_raw("a\U0001F600b", "utf16")
    assert pm.to_offset(2) == 2  # unit 2 is the low surrogate: snap to "b"


def test_export_positions_round_trip() -> None:
    text = normalise("x \U0001F600 y\nz \U0001F680\n")
    pm = PositionMap.for_export(text, "utf16")
    back = PositionMap.from_raw(text, "utf16")
    for offset in range(len(text)):
        assert back.to_offset(pm.to_position(offset)) == offset
    assert PositionMap.for_export(text, "codepoints").to_position(5) == 5


def test_producer_conventions() -> None:
    assert producer_convention("NVivo for Windows 12.6") == "utf16"
    assert producer_convention("ATLAS.ti for Windows 23.2.3.27778") == "utf16"
    assert producer_convention("MAXQDA 24 (Release 24.7.0)") == "utf16"
    assert producer_convention("QualCoder 3.5") == "codepoints"
    assert producer_convention("Taguette 1.4.1") == "codepoints"
    assert producer_convention("qualcode 0.1.0; positions=utf16") == "utf16"
    assert producer_convention("qualcode 0.1.0; positions=codepoints") == "codepoints"
    assert producer_convention(None) == "codepoints"


def test_crlf_counted_as_one_for_atlas_and_maxqda() -> None:
    raw = "A: one \U0001F600\r\nB: two\r\n"
    pm = PositionMap.from_raw(raw, "utf16", crlf_one=True)
    # "two": A: one + emoji (2 units) = 9, the line break one more, "B: " three: 13.
    assert pm.to_offset(13) == pm.text.index("two")
    assert producer_convention("ATLAS.ti 23.2") == "utf16"
    from qualcode.interop.positions import producer_crlf_one

    assert producer_crlf_one("ATLAS.ti 23.2") and producer_crlf_one("MAXQDA 2024")
    assert not producer_crlf_one("NVivo 12") and not producer_crlf_one("qualcode 0.1.0; positions=utf16")
    assert producer_crlf_one("qualcode 0.1.0; positions=utf16; crlf=1")


@pytest.mark.parametrize("convention", ["codepoints", "utf16"])
def test_offsets_map_back_onto_the_original_text(convention: str) -> None:
    """Export writes an imported source's original file: each coding's offsets go back to
    the positions that select the same characters there (combining marks, ZWJ and CRLF included)."""
    raw = "A: cafe\u0301 \U0001F469\u200D\U0001F4BB  \r\nB: done\r\n"
    pm = PositionMap.from_raw(raw, convention)
    units = raw.encode("utf-16-le") if convention == "utf16" else None
    for word in ("cafe\u0301", "\U0001F469\u200D\U0001F4BB", "done"):
        r = raw.index(word)
        start, end = (len(raw[:r].encode("utf-16-le")) // 2, len(raw[:r + len(word)].encode("utf-16-le")) // 2) \
            if units is not None else (r, r + len(word))
        s, e = pm.to_offset(start), pm.to_offset(end)
        assert (pm.to_position(s), pm.to_position(e, end=True)) == (start, end)


def test_export_with_crlf_line_breaks_counts_positions_on_the_written_text() -> None:
    text = "A: one\nB: two \U0001F600 three\n"
    pm = PositionMap.for_export(text, "utf16", crlf_one=True, newline="\r\n")
    assert pm.raw == "A: one\r\nB: two \U0001F600 three\r\n"
    k = text.index("three")
    assert pm.to_position(k) == k + 1  # the emoji counts two UTF-16 units; CRLF counts one
    pm2 = PositionMap.for_export(text, "codepoints", newline="\r\n")
    assert pm2.to_position(k) == k + 1  # here the CR counts

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

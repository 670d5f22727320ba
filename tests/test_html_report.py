"""`report html`: one self-contained file, opened in headless Chromium to check that the
charts render; `report charts` writes the same charts as SVG and PNG.

Chromium is Debian's ``chromium`` package, installed by `make test`'s set-up (as root, with
apt-get) rather than by a test; without it the browser test skips with the reason.
"""

from __future__ import annotations

import re
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.test_reports_golden import study  # noqa: F401  (fixture)

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed: `make test` installs it (as root, with apt-get), "
                    "or run `apt-get install chromium`")
    return CHROMIUM


def _browser(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and raw scanlines (filter bytes undone) of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = channels = 0
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            channels = {2: 3, 6: 4}[body[9]]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def _has_colour(data: bytes, rgb: tuple[int, int, int], tolerance: int = 12) -> int:
    """How many pixels are within ``tolerance`` of ``rgb``."""
    width, _height, rows = _png_pixels(data)
    channels = len(rows[0]) // width
    hits = 0
    for line in rows:
        for x in range(0, len(line), channels):
            if all(abs(line[x + k] - rgb[k]) <= tolerance for k in range(3)):
                hits += 1
    return hits


def test_html_is_self_contained_and_printable(run: Run, study: Path, tmp_path: Path) -> None:
    run("report", "html", "--output", tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched from a network
    assert "@import" not in page and "url(" not in page
    assert "@media print" in page and "break-before: page" in page
    for section in ("themes", "matrix", "cooccurrence", "quotes", "agreement"):
        assert f'<section id="{section}">' in page
    assert page.count('class="bar"') == 4 and page.count("<svg") == 3


def test_html_charts_render_in_headless_chromium(run: Run, study: Path, tmp_path: Path, chromium: str) -> None:
    run("report", "html", "--output", tmp_path / "r.html")
    url = (tmp_path / "r.html").as_uri()
    dom = _browser(chromium, tmp_path / "profile1", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-500:]
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body is not None
    # the script ran after the charts were in the DOM: 4 bars + 4x2 role cells (facilitators left out)
    # + 4x4 co-occurrence cells
    assert 'data-ready="yes"' in body.group(0) and 'data-charts="28"' in body.group(0)
    shot = tmp_path / "shot.png"
    done = _browser(chromium, tmp_path / "profile2", "--window-size=1200,1600", f"--screenshot={shot}", url)
    assert done.returncode == 0 and shot.exists(), done.stderr[-500:]
    data = shot.read_bytes()
    # the first theme's bar colour (#4e79a7) and the heat map's darkest blue (#084594) are painted
    assert _has_colour(data, (0x4E, 0x79, 0xA7)) > 500
    assert _has_colour(data, (0x08, 0x45, 0x94)) > 200


def test_chart_files_for_papers(run: Run, study: Path, tmp_path: Path) -> None:
    run("report", "charts", tmp_path / "charts", "--by", "role")
    names = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert names == ["cooccurrence.png", "cooccurrence.svg", "matrix.png", "matrix.svg", "themes.png", "themes.svg"]
    svg = (tmp_path / "charts" / "themes.svg").read_text()
    assert svg.startswith("<svg xmlns") and svg.count('class="bar"') == 4 and "Seniors&apos;" not in svg
    png = (tmp_path / "charts" / "themes.png").read_bytes()
    width, height, _ = _png_pixels(png)
    assert (width, height) == (2 * 740, 2 * (40 + 4 * 22 + 30))
    assert _has_colour(png, (0x4E, 0x79, 0xA7)) > 1000


def test_memos_appear_pseudonymised_in_the_reports(run: Run, study: Path, tmp_path: Path) -> None:
    run("--coder", "kim", "memo", "add", "Ana's account anchors the seniors theme.", "--code", "seniors")
    run("--coder", "kim", "memo", "add", "Second round planned.")
    run("report", "html", "--output", tmp_path / "r.html", "--pseudonymise")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<section id="memos">' in page and "Alex&#x27;s account anchors the seniors theme." in page
    assert "Second round planned." in page and "Ana" not in page
    run("report", "html", "--output", tmp_path / "plain.html")
    assert "Ana&#x27;s account" in (tmp_path / "plain.html").read_text(encoding="utf-8")


def test_html_agreement_by_character_only_when_asked(run: Run, study: Path, tmp_path: Path) -> None:
    """`--characters` adds the character-level table under its title, with the figures of
    `report agreement --characters`; without it (slow at a million codings) the page has none."""
    import json

    run("report", "html", "--output", tmp_path / "plain.html")
    plain = (tmp_path / "plain.html").read_text(encoding="utf-8")
    assert "<h3>Inter-coder agreement</h3>" in plain and "Agreement by character" not in plain
    run("report", "html", "--characters", "--output", tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    agreement = page[page.index('<section id="agreement">'):]
    titles = re.findall(r"<h3>([^<]*)</h3>", agreement)
    assert titles == ["Inter-coder agreement", "Agreement by character", "Disagreements to discuss"]
    chars = json.loads(run("report", "agreement", "--characters", "-f", "json").stdout)["characters"]
    by_character = agreement[agreement.index("Agreement by character"):agreement.index("Disagreements to discuss")]
    assert f"{chars['units']} characters spoken in those segments" in by_character
    overall = re.search(r"<td>\(overall\)</td><td>all codes pooled</td>((?:<td[^>]*>[^<]*</td>)+)", by_character)
    assert overall is not None
    assert re.findall(r">([^<]*)</td>", overall.group(1))[2] == f"{chars['overall']['kappa']:.3f}"

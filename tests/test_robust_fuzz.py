"""Malformed files thrown at every command that reads one (issue 19.8): a seeded generator
mutates valid transcripts, codebooks, CSVs and archives (truncation, random bytes, markup
characters, repeated chunks). Every run must exit 0, or exit 1 with one ``Error:`` line (a
codebook's validate lists its problems first); never a traceback, never a changed project
on failure. Fixed seed, seed files made the same every run (a real export's GUIDs and
times fixed) and a bounded number of cases: a few seconds, the same every run."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest

from qualcode.cli.main import app
from tests.conftest import CODEBOOKS, SAMPLES, Run, db_snapshot

SEED = 19_8
CASES = 8
NOISE = [b"[", b"]", b"{", b"}", b":", b"- ", b"\"", b"'", b"&a ", b"*a", b"\x00", b"\r", b"\xff\xfe", b"\t",
         b"\n\n", b"<", b"PK\x03\x04", b",", b"-->", b"00:00:01.000 --> 00:00:02.000\n", b"Speaker:", b"\x1b[31m"]


def mutate(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(5)
        at = rng.randrange(len(data) + 1)
        if kind == 0:
            data = data[:at]
        elif kind == 1:
            data = data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + data[at:]
        elif kind == 2:
            data = data[:at] + rng.choice(NOISE) * rng.randint(1, 50) + data[at:]
        elif kind == 3 and data:
            end = min(len(data), at + rng.randint(1, 200))
            data = data[:at] + data[at:end] * rng.randint(2, 5) + data[end:]
        elif data:
            i = rng.randrange(len(data))
            data = data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:]
    return data


def _archive(tmp_path: Path, run: Run) -> bytes:
    """A real export made the same every run: its GUIDs (numbered in order of appearance)
    and times fixed, so that the seeded mutations hit the same bytes every run."""
    import re

    run("export", "qdpx", tmp_path / "seed.qdpx")
    guids: dict[str, str] = {}

    def fixed(data: bytes) -> bytes:
        text = re.sub(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?", b"2026-01-01T00:00:00Z", data)
        return re.sub(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                      lambda m: guids.setdefault(m.group().decode(), f"00000000-0000-4000-8000-{len(guids):012d}").encode(),
                      text)
    with zipfile.ZipFile(tmp_path / "seed.qdpx") as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    qde = fixed(members.pop("project.qde"))  # first: the GUIDs are numbered in its order
    return _zip_of({"project.qde": qde, **{fixed(name.encode()).decode(): fixed(data) for name, data in members.items()}},
                   zipfile.ZIP_DEFLATED)


def _zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    """A zip of these members, the same bytes every run (fixed member times)."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return buffer.getvalue()


def check(run: Run, project: Path, args: list[str], validate: bool = False) -> Any:
    before = db_snapshot(project)
    result = run.runner.invoke(app, args)
    detail = f"qualcode {' '.join(args)} -> {result.exit_code}\n{result.stderr[-2000:]}\n{result.exception!r}"
    assert result.exit_code in (0, 1), detail
    assert result.exception is None or isinstance(result.exception, SystemExit), detail
    assert "Traceback" not in result.stderr + result.stdout, detail
    if result.exit_code == 1:
        lines = result.stderr.strip().splitlines()
        assert lines and lines[-1].startswith("Error: "), detail
        assert validate or len(lines) == 1, detail
        assert db_snapshot(project) == before, detail
    return result


SEEDS: dict[str, tuple[Callable[[Path, Run], bytes], str, list[str]]] = {
    "transcript": (lambda p, r: (SAMPLES / "mentorship_fg1.txt").read_bytes()[:3000], ".txt", ["ingest"]),
    "subtitles": (lambda p, r: b"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ana>We talked.\n\n"
                               b"00:00:05.000 --> 00:00:09.000\n<v Ben>About the rota.\n", ".vtt", ["ingest"]),
    "codebook load": (lambda p, r: (CODEBOOKS / "mentorship.yaml").read_bytes()[:4000], ".yaml",
                      ["codebook", "load", "--yes"]),
    "codebook validate": (lambda p, r: (CODEBOOKS / "em_peer_support.yaml").read_bytes()[:4000], ".yaml",
                          ["codebook", "validate"]),
    "codings csv": (lambda p, r: b"source,segment,code,coder,memo\nem_peer_support_fg1.txt,5,cohort-belonging,kim,ok\n"
                                 b"em_peer_support_fg1.txt,6,normalising-struggles,kim,\n", ".csv", ["import", "codings"]),
    "qdpx": (_archive, ".qdpx", ["import", "qdpx"]),
    "qdpx members": (lambda p, r: _zip_of({"project.qde": _archive(p, r)[:0] + b"<?xml version='1.0'?><Project/>",
                                           "sources/x.txt": b"hello"}), ".qdpx", ["import", "qdpx"]),
    "qdc": (lambda p, r: b'<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
                         b'<Codes><Code guid="3f2504e0-4f89-11d3-9a0c-0305e82c3301" name="Rota" isCodable="true"/>'
                         b'</Codes></CodeBook>\n', ".qdc", ["import", "qdc"]),
}


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_malformed_files_exit_cleanly_and_change_nothing_on_failure(
        run: Run, em_project: Path, tmp_path: Path, kind: str) -> None:
    make, suffix, command = SEEDS[kind]
    seed = make(tmp_path, run)
    rng = random.Random(f"{SEED}:{kind}")
    for case in range(CASES):
        path = tmp_path / f"fuzz{case}{suffix}"
        path.write_bytes(mutate(seed, rng))
        check(run, em_project, [*command, str(path)], validate=command[-1] == "validate")


def test_the_mutations_do_produce_failures(tmp_path: Path) -> None:
    """The generator is not too gentle: most mutated codebooks are refused."""
    from qualcode.codebook.loader import parse_codebook

    rng = random.Random(SEED)
    text = (CODEBOOKS / "em_peer_support.yaml").read_bytes()[:4000]
    refused = sum(bool(parse_codebook(mutate(text, rng).decode("utf-8", "replace"))[1]) for _ in range(30))
    assert refused >= 10


def _docx(text: bytes) -> bytes:
    body = b"".join(b"<w:p><w:r><w:t>" + line + b"</w:t></w:r></w:p>" for line in text.splitlines() if line)
    return _zip_of({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               b'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
        "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                             b'wordprocessingml/2006/main"><w:body>' + body + b"</w:body></w:document>",
    })


MORE_SEEDS: dict[str, tuple[Callable[[Path, Run], bytes], str, list[str]]] = {
    "srt": (lambda p, r: b"1\n00:00:01,000 --> 00:00:04,000\nAna: We talked.\n\n2\n00:00:05,000 --> 00:00:09,000\n"
                         b"Ben: About the rota.\n", ".srt", ["ingest"]),
    "markdown": (lambda p, r: (SAMPLES / "intervision_fg2.md").read_bytes()[:3000], ".md", ["ingest"]),
    "docx": (lambda p, r: _docx(b"Ana: We talked about the rota.\nBen: It was hard.\nAna: Yes."), ".docx", ["ingest"]),
    "participants": (lambda p, r: (SAMPLES / "participants_em.csv").read_bytes()[:1500], ".csv",
                     ["participants", "import"]),
    "codebook diff": (lambda p, r: (CODEBOOKS / "em_peer_support_v2.yaml").read_bytes()[:4000], ".yaml",
                      ["codebook", "diff"]),
}


@pytest.mark.parametrize("kind", sorted(MORE_SEEDS))
def test_more_malformed_files_exit_cleanly(run: Run, em_project: Path, tmp_path: Path, kind: str) -> None:
    make, suffix, command = MORE_SEEDS[kind]
    seed = make(tmp_path, run)
    rng = random.Random(f"{SEED}:{kind}")
    for case in range(CASES):
        path = tmp_path / f"fuzz{case}{suffix}"
        path.write_bytes(mutate(seed, rng))
        check(run, em_project, [*command, str(path)])


def test_a_damaged_project_given_to_merge_is_one_line(run: Run, em_project: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    run("--db", other, "init")
    run("--db", other, "ingest", SAMPLES / "em_peer_support_fg1.txt")
    import sqlite3

    conn = sqlite3.connect(other)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file, which is what is damaged
    conn.close()
    seed = other.read_bytes()
    rng = random.Random(f"{SEED}:merge")
    errors: list[str] = []
    for case in range(CASES):
        path = tmp_path / f"damaged{case}.db"
        data = bytearray(seed)
        for _ in range(rng.randint(1, 20)):  # damage pages past the header, where the rows live
            at = rng.randrange(100, len(data))
            data[at:at + 16] = bytes(rng.randrange(256) for _ in range(16))
        path.write_bytes(bytes(data))
        errors.append(check(run, em_project, ["merge", str(path)]).stderr)
    assert any("is damaged" in e for e in errors)  # the damage was read, and reported in one line

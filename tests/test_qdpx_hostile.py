"""Hostile or broken archives are refused with a clear error and nothing written; a failed
import leaves the project exactly as it was."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from qualcode.interop import archive
from tests.conftest import Run, break_deflate, db_snapshot

PROJECT = b"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="Test">
  <Users><User guid="11111111-1111-1111-1111-111111111111" name="ann"/></Users>
  <CodeBook><Codes><Code guid="22222222-2222-2222-2222-222222222222" name="Hope" isCodable="true"/></Codes></CodeBook>
  <Sources>
    <TextSource guid="33333333-3333-3333-3333-333333333333" name="s1" plainTextPath="internal://33333333-3333-3333-3333-333333333333.txt">
      <PlainTextSelection guid="44444444-4444-4444-4444-444444444444" startPosition="0" endPosition="5">
        <Coding guid="55555555-5555-5555-5555-555555555555" creatingUser="11111111-1111-1111-1111-111111111111">
          <CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>
"""
TEXT = b"Hello world\n"


def make_zip(path: Path, members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def good_members() -> list[tuple[str, bytes]]:
    return [("project.qde", PROJECT), ("sources/33333333-3333-3333-3333-333333333333.txt", TEXT)]


def refused(run: Run, project: Path, path: Path, *messages: str) -> str:
    """Import ``path`` into the existing project: exit 1, one error line, nothing changed."""
    before = db_snapshot(project)
    result = run("import", "qdpx", path, code=1)
    assert result.stderr.startswith("Error: ")
    assert result.stderr.count("\n") == 1
    for message in messages:
        assert message in result.stderr
    assert db_snapshot(project) == before
    return str(result.stderr)


def test_a_good_small_archive_imports(run: Run, project: Path, tmp_path: Path) -> None:
    path = make_zip(tmp_path / "ok.qdpx", good_members())
    result = run("import", "qdpx", path)
    assert "codings: 1 added" in result.stdout
    import sqlite3

    conn = sqlite3.connect(project)
    assert conn.execute("SELECT substr(s.text, c.start + 1, c.end - c.start), c.coder FROM codings c "
                        "JOIN sources s ON s.id = c.source_id").fetchall() == [("Hello", "ann")]


def test_zip_slip_is_refused(run: Run, project: Path, tmp_path: Path) -> None:
    path = make_zip(tmp_path / "slip.qdpx", [*good_members(), ("sources/../../evil.txt", b"x")])
    refused(run, project, path, "points outside the archive (zip slip)")
    assert not (tmp_path.parent / "evil.txt").exists()


@pytest.mark.parametrize("name", ["/etc/evil.txt", "C:\\evil.txt", "\\\\server\\evil.txt"])
def test_absolute_paths_are_refused(run: Run, project: Path, tmp_path: Path, name: str) -> None:
    path = make_zip(tmp_path / "abs.qdpx", [*good_members(), (name, b"x")])
    refused(run, project, path, "has an absolute path")


def test_zip_bomb_by_ratio_is_refused(run: Run, project: Path, tmp_path: Path) -> None:
    path = make_zip(tmp_path / "bomb.qdpx", [*good_members(), ("sources/zeros.txt", b"\0" * (20 * 1024 * 1024))])
    assert path.stat().st_size < 100_000
    refused(run, project, path, "possible zip bomb", ":1 (limit 200:1)")


def test_zip_bomb_by_size_is_refused(run: Run, project: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 1000)
    members = [*good_members(), *((f"sources/f{i}.txt", bytes(range(256)) * 2) for i in range(3))]
    path = make_zip(tmp_path / "big.qdpx", members, zipfile.ZIP_STORED)
    refused(run, project, path, "the archive unpacks to", "possible zip bomb")


def test_one_oversized_member_is_refused(run: Run, project: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 100)
    path = make_zip(tmp_path / "big.qdpx", good_members(), zipfile.ZIP_STORED)
    refused(run, project, path, "unpacks to", "possible zip bomb")


def test_a_member_larger_than_its_header_says_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "lie.qdpx", good_members(), zipfile.ZIP_STORED)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("project.qde")
        info.file_size = 10  # the header lies: reading stops at the declared size and fails
        with pytest.raises(archive.ArchiveError, match="more than its header says|Bad CRC-32"):
            archive._read_member(zf, info)


def test_external_entities_are_refused_and_never_read(run: Run, project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = PROJECT.replace(b'<?xml version="1.0" encoding="utf-8"?>',
                          b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE Project [<!ENTITY x SYSTEM "'
                          + secret.as_uri().encode() + b'">]>').replace(b'name="Hope"', b'name="&x;"')
    path = make_zip(tmp_path / "xxe.qdpx", [("project.qde", xxe)])
    error = refused(run, project, path, "declares a DTD")
    assert "TOP-SECRET" not in error


def test_entity_expansion_is_refused(run: Run, project: Path, tmp_path: Path) -> None:
    lol = b'<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY %s "%s">' % (chr(98 + i).encode(), b"".join(b"&%s;" % chr(97 + i).encode() for _ in range(10)))
        for i in range(8))
    bomb = PROJECT.replace(b'<?xml version="1.0" encoding="utf-8"?>',
                           b'<?xml version="1.0"?>\n<!DOCTYPE Project [' + lol + b"]>").replace(
        b'name="Hope"', b'name="&i;"')
    path = make_zip(tmp_path / "lol.qdpx", [("project.qde", bomb)])
    refused(run, project, path, "declares a DTD")


def test_missing_project_qde_is_refused(run: Run, project: Path, tmp_path: Path) -> None:
    path = make_zip(tmp_path / "empty.qdpx", [("sources/a.txt", TEXT)])
    refused(run, project, path, "no project.qde in the archive")


def test_malformed_project_qde_is_refused_with_its_line(run: Run, project: Path, tmp_path: Path) -> None:
    path = make_zip(tmp_path / "bad.qdpx", [("project.qde", PROJECT.replace(b"</Sources>", b"</Sourcez>"))])
    refused(run, project, path, "project.qde:13: malformed XML")


def test_a_codebook_given_as_a_project_is_refused_with_a_hint(run: Run, project: Path, tmp_path: Path) -> None:
    qdc = b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="22222222-2222-2222-2222-222222222222" name="a" isCodable="true"/></Codes></CodeBook>'
    path = make_zip(tmp_path / "cb.qdpx", [("project.qde", qdc)])
    refused(run, project, path, "not <Project>", "qualcode import qdc")


def test_not_an_archive_is_refused(run: Run, project: Path, tmp_path: Path) -> None:
    path = tmp_path / "photo.qdpx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    refused(run, project, path, "neither a .qdpx (zip) archive nor REFI-QDA XML")


def test_a_damaged_zip_is_refused(run: Run, project: Path, tmp_path: Path) -> None:
    path = make_zip(tmp_path / "ok.qdpx", good_members())
    data = path.read_bytes()
    path.write_bytes(data[:30] + b"\xff" * 40 + data[70:])
    refused(run, project, path)


def test_damaged_compressed_data_is_refused(run: Run, project: Path, tmp_path: Path) -> None:
    """A member whose deflate stream is broken (zlib.error, not BadZipFile: a fuzzed export
    found it) is one clear line, not a traceback."""
    path = make_zip(tmp_path / "ok.qdpx", [("project.qde", PROJECT * 40), *good_members()[1:]])
    break_deflate(path, "project.qde")
    assert "project.qde" in refused(run, project, path)


def test_a_failure_half_way_leaves_the_project_exactly_as_it_was(run: Run, em_project: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.interop import importer

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(importer, "_cases", boom)  # after codes, sources and codings were written
    before = db_snapshot(em_project)
    path = make_zip(tmp_path / "ok.qdpx", good_members())
    result = run("import", "qdpx", path, code=1)
    assert isinstance(result.exception, RuntimeError)
    assert db_snapshot(em_project) == before


def test_a_failed_import_into_a_new_project_leaves_no_file(run: Run, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.interop import importer

    def boom(*args: object, **kwargs: object) -> None:
        raise archive.ArchiveError("stop here; nothing should remain")

    monkeypatch.setattr(importer, "_cases", boom)
    path = make_zip(tmp_path / "ok.qdpx", good_members())
    result = run("--db", tmp_path / "new.db", "import", "qdpx", path, code=1)
    assert result.stderr == "Error: stop here; nothing should remain\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.qdpx"]


def test_a_missing_file_is_a_clear_error(run: Run, project: Path) -> None:
    result = run("import", "qdpx", "nope.qdpx", code=1)
    assert result.stderr == "Error: nope.qdpx: no such file; check the path\n"


def test_hostile_codebook_is_refused(run: Run, project: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.qdc"
    path.write_bytes(b'<?xml version="1.0"?><!DOCTYPE CodeBook [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                     b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="22222222-2222-2222-2222-'
                     b'222222222222" name="&x;" isCodable="true"/></Codes></CodeBook>')
    before = db_snapshot(project)
    result = run("import", "qdc", path, code=1)
    assert "declares a DTD" in result.stderr and "root:" not in result.stderr
    assert db_snapshot(project) == before

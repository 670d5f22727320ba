"""``export qdpx --pseudonymise``: names leave neither texts nor cases, codings stay on
the same (masked) words."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

from lxml import etree

from qualcode.interop.masking import Pseudonymising
from qualcode.project import open_project
from tests.conftest import CODEBOOKS, SAMPLES, Run, shared_or_skip

NS = {"q": "urn:QDA-XML:project:1.0"}


def test_pseudonymised_export_hides_names_and_keeps_codings_aligned(run: Run, project: Path, tmp_path: Path) -> None:
    run("ingest", SAMPLES / "mentorship_fg1.txt", SAMPLES / "mentorship_fg2.txt")
    run("participants", "import", SAMPLES / "participants_mentorship.csv")
    run("codebook", "load", CODEBOOKS / "mentorship.yaml")
    run("suggest")
    run("accept")
    conn = sqlite3.connect(project)
    codings = conn.execute("SELECT s.name, c.start, c.end, s.text FROM codings c JOIN sources s ON s.id = c.source_id "
                           "WHERE c.status = 'accepted' ORDER BY s.name, c.start, c.end").fetchall()
    conn.close()
    assert codings

    result = run("export", "qdpx", "p.qdpx", "--pseudonymise")
    assert "pseudonymised" in result.stderr
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        members = {n: zf.read(n).decode("utf-8") for n in zf.namelist()}
    assert "qualcode/codebook.yaml" not in members  # its examples may quote people
    for content in members.values():
        for name in ("Tomasz", "Ines", "Kwame"):
            assert name not in content
    doc = etree.fromstring(members["project.qde"].encode("utf-8"))
    xsd = etree.XMLSchema(etree.parse(str(shared_or_skip("refi-qda", "Project-mrt2019.xsd"))))
    assert xsd.validate(doc), xsd.error_log
    assert sorted(c.get("name") for c in doc.iterfind(".//q:Case", NS))[:2] == ["MS-F1", "MS-F2"]

    # Every exported selection holds exactly the masked form of what was coded.
    mask = Pseudonymising(open_project(project))
    exported = []
    for src in doc.iterfind(".//q:TextSource", NS):
        text = members["sources/" + src.get("plainTextPath").split("://")[1]]
        for sel in src.iterfind("q:PlainTextSelection", NS):
            for _ in sel.iterfind("q:Coding", NS):
                exported.append((src.get("name"), text[int(sel.get("startPosition")):int(sel.get("endPosition"))]))
    expected = [(mask.source_name(name), mask.text(text[start:end])) for name, start, end, text in codings]
    assert sorted(exported) == sorted(expected)
    assert any("[name]" in words for _, words in exported)  # the test does exercise masking

"""qualcode → QualCoder → qualcode, through QualCoder's own REFI-QDA import and export.

    python benchmarks/qualcoder_roundtrip.py QUALCODER_SRC [--qualcoder-python PY] [--work DIR] [--json]

QUALCODER_SRC is a checkout of QualCoder's source (it is not on PyPI); PY is a Python with
QualCoder's requirements for its REFI code (PyQt6, qtawesome, pymupdf, Pillow; default
/work/qualcoder-venv/bin/python). Without either, the script says what is missing and exits 0.

It builds a project with several coders on shared spans, memos on the project, sources,
codes and codings, participants with typed attributes, and a transcript full of text
outside the Basic Multilingual Plane (emoji, a ZWJ sequence, CJK Extension B, mathematical
letters); exports it with ``export qdpx --for qualcoder``; runs QualCoder's ``RefiImport``
and ``RefiExport`` headless (``benchmarks/qualcoder_side.py``); imports QualCoder's export
into a new project; and compares, both inside QualCoder and back in qualcode, every coding
(source, code, coder, offsets, text), every memo and every participant link.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

NON_BMP = """Interviewer: Welcome \U0001F44B to the session on remote study. How do you work from home \U0001F469\u200D\U0001F4BB?
Dana: I keep a reading log with tags \U0001F4DA for papers and \U0001F9EA for labs; the character \U0002070E broke my font once.
Interviewer: What helps you focus?
Dana: Honestly, music \U0001F3A7 and a timer. When the timer rings I stand up \U0001F6B6 and stretch, then write in \U0001D4A9otion.
Eli: For me it is the library \U0001F3DB; at home the cat \U0001F408 sits on the keyboard and types \U0001D538\U0001D539.
Interviewer: Does anyone study with others?
Eli: We have a group chat \U0001F4AC where we share notes and cheer each other on \U0001F389. It keeps me going when motivation is low.
Dana: Same here. Seeing someone else grinding \U0001F4AA makes it easier to start.
"""

PARTICIPANTS = """source,speaker,participant,age,cohort,remote,gpa
remote_study_\U0001F3A7.txt,Dana,RS-P01,24,2025,true,3.7
remote_study_\U0001F3A7.txt,Eli,RS-P02,31,2024,false,3.25
remote_study_\U0001F3A7.txt,Interviewer,RS-F1,45,staff,false,4.0
"""


def cli(*args: str, db: Path, coder: str = "alice") -> str:
    from typer.testing import CliRunner

    from qualcode.cli.main import app

    result = CliRunner().invoke(app, ["--db", str(db), "--coder", coder, *args], catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"qualcode {' '.join(args)} failed: {result.output}")
    return result.output


def build(work: Path) -> Path:
    """The project: 3 sources, 3 coders (two on the same spans), 10 memos, 15 participants."""
    db = work / "original.db"
    samples = ROOT / "sample_transcripts"
    nonbmp = work / "remote_study_\U0001F3A7.txt"
    nonbmp.write_text(NON_BMP, encoding="utf-8")
    people = work / "participants_rs.csv"
    people.write_text(PARTICIPANTS, encoding="utf-8")
    cli("init", db=db)
    cli("ingest", str(samples / "em_peer_support_fg1.txt"), str(samples / "em_peer_support_fg2.txt"), str(nonbmp), db=db)
    cli("participants", "import", str(samples / "participants_em.csv"), db=db)
    cli("participants", "import", str(people), db=db)
    cli("codebook", "load", str(ROOT / "codebooks" / "em_peer_support.yaml"), db=db)
    cli("suggest", db=db)
    cli("accept", "--max-score", "0.9", db=db, coder="alice")
    conn = sqlite3.connect(db)
    alice = conn.execute("SELECT segment_id, code_id FROM codings WHERE status = 'accepted' AND segment_id IS NOT NULL "
                         "ORDER BY id").fetchall()
    codes = [r[0] for r in conn.execute("SELECT id FROM codes WHERE status = 'active' ORDER BY position")]
    rs = {r[1]: r[0] for r in conn.execute("SELECT s.id, s.text FROM segments s JOIN sources src ON src.id = s.source_id "
                                           "WHERE src.name LIKE 'remote_study%'")}
    conn.close()
    for k, (segment, code) in enumerate(alice[::3]):  # bob agrees with a third of alice's codings, same spans
        cli("code", str(segment), code, db=db, coder="bob")
        if k % 4 == 0:
            cli("code", str(segment), codes[(codes.index(code) + 1) % len(codes)], db=db, coder="bob")
    quotes = [("music \U0001F3A7 and a timer", codes[0]), ("library \U0001F3DB", codes[1]),
              ("group chat \U0001F4AC where we share notes", codes[2]), ("grinding \U0001F4AA", codes[3]),
              ("the character \U0002070E broke my font", codes[4]), ("types \U0001D538\U0001D539", codes[5])]
    for quote, code in quotes:
        segment = next(i for text, i in rs.items() if quote in text)
        for coder in ("carol", "bob"):  # two coders on the same non-BMP span
            cli("code", str(segment), code, "--quote", quote, db=db, coder=coder)
    cli("memo", "add", "Project memo: the remote-study interview was added as a contrast case.", db=db)
    cli("memo", "add", "Second project memo,\nover two lines \U0001F4DD.", db=db, coder="bob")
    cli("memo", "add", "Source memo: recorded on a video call \U0001F4F9.", "--source", nonbmp.name, db=db)
    cli("memo", "add", "Source memo: the facilitator knew the group.", "--source", "em_peer_support_fg1.txt", db=db)
    cli("memo", "add", "Code memo: overlaps with the next code.", "--code", codes[0], db=db)
    cli("memo", "add", "Code memo by bob.", "--code", codes[2], db=db, coder="bob")
    conn = sqlite3.connect(db)
    coded = [r[0] for r in conn.execute("SELECT id FROM codings WHERE status = 'accepted' ORDER BY coder, id")]
    conn.close()
    for k, coding in enumerate(coded[:: max(1, len(coded) // 4)][:4]):
        cli("memo", "add", f"Coding memo {k + 1}: why this passage \U0001F914.", "--coding", str(coding), db=db)
    return db


def state(db: Path) -> dict[str, Any]:
    """Codings, memos and participant links keyed by names (ids differ between projects)."""
    conn = sqlite3.connect(db)
    q = conn.execute
    texts = dict(q("SELECT id, text FROM sources").fetchall())
    names = dict(q("SELECT id, name FROM sources").fetchall())
    code_names = dict(q("SELECT id, name FROM codes").fetchall())
    codings = {}
    dates = []
    for cid, sid, code, start, end, coder, created in q(
            "SELECT id, source_id, code_id, start, end, coder, created_at FROM codings WHERE status = 'accepted'"):
        codings[cid] = (names[sid], code_names[code], coder, start, end, texts[sid][start:end])
        dates.append((*codings[cid][:5], created))
    memos = []
    for kind, target, text in q("SELECT target_type, target_id, text FROM memos"):
        key: Any = ""
        if kind == "source":
            key = names.get(int(target)) if str(target).isdigit() else target
        elif kind == "code":
            key = code_names.get(target)
        elif kind == "coding":
            key = codings.get(int(target), ("?",))[:5]
        memos.append((kind, key, text.strip()))
    links = q("SELECT s.name, sp.label, sp.participant_id FROM speakers sp JOIN sources s ON s.id = sp.source_id "
              "WHERE sp.participant_id IS NOT NULL").fetchall()
    attributes = {pid: json.loads(a) for pid, a in q("SELECT id, attributes FROM participants")}
    conn.close()
    return {"codings": sorted(codings.values()), "memos": sorted(memos, key=repr), "links": sorted(links),
            "attributes": attributes, "dates": sorted(dates)}


def kept(before: list[Any], after: list[Any]) -> tuple[int, int]:
    after_set = set(map(tuple, after)) if after and isinstance(after[0], (list, tuple)) else set(after)
    return sum(1 for x in before if tuple(x) in after_set), len(before)


def inside_qualcoder(original: dict[str, Any], qc: dict[str, Any], db: Path) -> dict[str, Any]:
    """What QualCoder holds after its import, against the project that was exported."""
    from qualcode.interop.descriptions import split_memos

    codings = [list(c[:6]) for c in qc["codings"]]
    conn = sqlite3.connect(db)
    turns = conn.execute(
        "SELECT sp.participant_id, s.name, seg.start, seg.end FROM segments seg JOIN speakers sp "
        "ON sp.id = seg.speaker_id JOIN sources s ON s.id = seg.source_id WHERE sp.participant_id IS NOT NULL").fetchall()
    conn.close()
    case_text = set(turns)
    def parts(memo: str) -> list[str]:
        first, rest = split_memos(memo)
        return [m for m in (first, *rest) if m]

    qc_memos: set[tuple[str, Any, str]] = {("coding", tuple(c[:5]), m) for c in qc["codings"] for m in parts(c[6])}
    qc_memos |= {("source", n, m) for n, memo in qc["source_memos"] for m in parts(memo)}
    qc_memos |= {("code", n, m) for n, memo in qc["code_memos"] for m in split_memos(memo)[1]}
    qc_memos |= {("project", "", j[1].strip()) for j in qc["journals"]}
    return {
        "codings": kept([list(c) for c in original["codings"]], codings),
        "memos": kept(original["memos"], sorted(qc_memos, key=repr)),
        "case links": kept(sorted(case_text), [tuple([c[0], c[1], c[2], c[3]]) for c in qc["case_text"]]),
        "cases": len(qc["cases"]),
        "empty annotations": qc["annotations"],
    }


def schema_valid(qdpx: Path) -> bool | None:
    """Whether the archive's project.qde validates against the REFI-QDA Project schema (None
    when the schema is not at ../shared/refi-qda)."""
    import zipfile

    from lxml import etree

    xsd_path = Path(os.environ.get("QUALCODE_SHARED") or ROOT.parent / "shared") / "refi-qda" / "Project-mrt2019.xsd"
    if not xsd_path.exists():
        return None
    with zipfile.ZipFile(qdpx) as zf:
        doc = etree.fromstring(zf.read("project.qde"))
    return bool(etree.XMLSchema(etree.parse(str(xsd_path))).validate(doc))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("qualcoder_src", type=Path, nargs="?", help="QualCoder's source folder")
    parser.add_argument("--qualcoder-python", type=Path, default=Path("/work/qualcoder-venv/bin/python"))
    parser.add_argument("--work", type=Path, help="keep the files here (default: a temporary folder)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--for", dest="tool", default="qualcoder",
                        help="the export's --for (default qualcoder; others show what QualCoder makes of them)")
    args = parser.parse_args()
    if args.qualcoder_src is None or not (args.qualcoder_src / "src" / "qualcoder" / "refi.py").exists():
        where = f"is not at {args.qualcoder_src}" if args.qualcoder_src else "was not given"
        print(f"skipped: QualCoder's source {where} (it is not on PyPI; clone ccbogel/QualCoder from "
              "GitHub and give its folder)")
        return
    if not args.qualcoder_python.exists():
        print(f"skipped: no Python for QualCoder at {args.qualcoder_python} (make a venv with PyQt6, "
              "qtawesome, pymupdf and Pillow and give it with --qualcoder-python)")
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="qualcode-qualcoder-"))
    work.mkdir(parents=True, exist_ok=True)
    db = build(work)
    cli("export", "qdpx", str(work / "for-qualcoder.qdpx"), *(["--for", args.tool] if args.tool != "none" else []),
        db=db)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run([str(args.qualcoder_python), str(ROOT / "benchmarks" / "qualcoder_side.py"),
                    str(args.qualcoder_src), str(work / "for-qualcoder.qdpx"), str(work)],
                   check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    qc = json.loads((work / "qualcoder_state.json").read_text(encoding="utf-8"))
    back = work / "back.db"
    cli("import", "qdpx", qc["exported"], db=back)
    original, returned = state(db), state(back)
    figures = {
        "project": {"codings": len(original["codings"]), "coders": sorted({c[2] for c in original["codings"]}),
                    "memos": len(original["memos"]), "participant links": len(original["links"]),
                    "non-BMP codings": sum(any(ch > "\uffff" for ch in c[5]) for c in original["codings"]),
                    "export schema-valid": schema_valid(work / "for-qualcoder.qdpx")},
        "inside QualCoder": inside_qualcoder(original, qc, db),
        "back in qualcode": {
            "codings": kept(original["codings"], returned["codings"]),
            "memos": kept(original["memos"], returned["memos"]),
            "participant links": kept(original["links"], returned["links"]),
            "coding dates": kept(original["dates"], returned["dates"]),
            "typed attributes": returned["attributes"].get("RS-P02"),
            "QualCoder's export schema-valid": schema_valid(Path(qc["exported"])),
        },
    }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    for part, values in figures.items():
        print(part)
        for key, value in values.items():
            shown = f"{value[0]}/{value[1]} ({100 * value[0] / value[1]:.0f} %)" if isinstance(value, tuple) else value
            print(f"  {key}: {shown}")


if __name__ == "__main__":
    main()

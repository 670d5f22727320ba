"""A REFI-QDA project (or codebook) into a qualcode project, in one transaction.

What maps to what (docs/refi-qda.md has the full table):

- Users → coder names; Codes → codes of a new codebook version (:mod:`.codes`);
- TextSources → sources (plain text, normalised like ``ingest``; speaker turns become
  segments, or lines when the text has no speaker labels); other source kinds (PDF,
  picture, audio, video) and text sources without a plain-text file are skipped, with the
  reason in the summary;
- PlainTextSelection/Coding → accepted codings, origin ``import``, coder from the REFI-QDA
  user, positions converted from the producer's convention (:mod:`.positions`). A coding
  lying inside one segment gets that segment; one that spans several keeps its offsets with
  no segment (reports cite it by source and line);
- Notes → memos on the project, a source, a code or a coding; so are memos in the
  ``Description`` of a selection, source or code (after its ``---`` line), where QualCoder
  keeps them (:mod:`.descriptions`); a memo already on its target is not added twice;
- Cases with their variable values → participants with attributes; variable values on a
  source → source attributes; Sets of sources → source groups. A code with a case's GUID
  (QualCoder's way of linking a case to text) is no code: its codings are the case's links.

The plain-text file of each new source is kept byte for byte (``source_originals``), so an
export gives the other tool its own text back (:mod:`.export_parts`).

A dry run does everything and rolls back, so its summary is exactly what would happen.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.coding import ledger
from qualcode.errors import QualcodeError
from qualcode.interop.archive import Archive
from qualcode.interop.codes import import_codes
from qualcode.interop.ids import known, remember
from qualcode.interop.descriptions import split_memos
from qualcode.interop.positions import PositionMap, producer_convention, producer_crlf_one
from qualcode.interop.reader import RCoding, RProject, RSelection, RSource
from qualcode.interop.xmlbuild import stored_datetime

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class ImportSummary:
    file: str
    origin: str
    positions: str
    dry_run: bool
    users: list[str] = field(default_factory=list)
    codes_added: int = 0
    codes_matched: int = 0
    sources_added: list[str] = field(default_factory=list)
    sources_matched: list[str] = field(default_factory=list)
    codings_added: int = 0
    codings_without_segment: int = 0
    codings_already_present: int = 0
    codings_folded: int = 0  # codings of the file that repeat one of its own (same span, code, coder)
    memos_added: int = 0
    participants: int = 0
    speakers_linked: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def skip(self, kind: str, name: str, reason: str, count: int = 1) -> None:
        for item in self.skipped:
            if item["kind"] == kind and item["reason"] == reason and item["name"] == name:
                item["count"] += count
                return
        self.skipped.append({"kind": kind, "name": name, "reason": reason, "count": count})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# With --segments auto, speaker turns are used when at least this share of the non-empty
# lines start a turn; otherwise each non-empty line is a segment.
TURN_SHARE = 0.05
# qualcode's own codebook YAML inside its .qdpx exports (ids, criteria, keywords, patterns).
CODEBOOK_MEMBER = "qualcode/codebook.yaml"


class _DryRun(Exception):
    """Raised at the end of a dry run to roll the transaction back."""


@dataclass
class _Source:
    id: int
    pm: PositionMap
    seg_starts: list[int]
    segs: list[tuple[int, int, int]]  # (start, end, id) by start


@dataclass
class _State:
    db: "Database"
    project: RProject
    archive: Archive | None
    summary: ImportSummary
    coder: str
    segment_by: str
    code_ids: dict[str, str] = field(default_factory=dict)
    sources: dict[str, _Source] = field(default_factory=dict)
    selections: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # guid → source id, start, end
    note_targets: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    seen_codings: dict[str, str] = field(default_factory=dict)  # GUIDs of codings imported before
    created: set[int] = field(default_factory=set)  # codings this import made
    crlf_one: bool = False
    case_guids: set[str] = field(default_factory=set)
    case_links: dict[str, list[str]] = field(default_factory=dict)  # case GUID → selection GUIDs
    source_ids: dict[str, int] = field(default_factory=dict)  # source name in the file → source id
    # Memos from Descriptions: (target type, target id, author, text), added unless already there.
    described: list[tuple[str, str, str | None, str]] = field(default_factory=list)


def now() -> str:
    from qualcode.coding.common import now as _now

    return _now()


def import_project(db: "Database", project: RProject, archive: Archive | None, *, file: str, coder: str,
                   positions: str | None = None, segment_by: str = "auto", dry_run: bool = False) -> ImportSummary:
    """Import ``project``. One transaction: it lands whole, or (on error or dry run) not at all."""
    convention = positions or producer_convention(project.origin)
    summary = ImportSummary(file=file, origin=project.origin, positions=convention, dry_run=dry_run)
    state = _State(db, project, archive, summary, coder, segment_by)
    state.crlf_one = producer_crlf_one(project.origin)
    state.case_guids = {c.guid for c in project.cases}
    try:
        with ledger.write_transaction(db):
            state.seen_codings = known(db, "coding")
            _users(state)
            codes = import_codes(db, [c for c in project.codes if c.guid not in state.case_guids],
                                 origin=project.origin, path=file, coder=coder,
                                 hints=_hints(archive, project.origin))
            state.code_ids = codes.ids
            summary.codes_added, summary.codes_matched = codes.added, codes.matched
            if codes.not_codable:
                summary.notes.append(f"{codes.not_codable} code(s) marked not codable (folders in the other tool) "
                                     "were imported as ordinary codes")
            groups = _groups(project, summary)
            for source in project.sources:
                _source(state, source, groups.get(source.guid), convention)
            for s in project.sets:
                if s.sources and not any(m in state.sources for m in s.sources):
                    summary.skip("set", s.name, "none of its sources was imported")
            _cases(state)
            _notes(state)
            if dry_run:
                raise _DryRun()
    except _DryRun:
        pass
    return summary


def _hints(archive: Archive | None, origin: str) -> dict[str, Any]:
    from qualcode.interop.codes import hints_from_yaml

    if archive is None or not origin.lower().startswith("qualcode"):
        return {}
    data = archive.read_extra(CODEBOOK_MEMBER)
    return hints_from_yaml(data.decode("utf-8", errors="replace") if data else None)


def import_codebook(db: "Database", project: RProject, *, file: str, coder: str,
                    dry_run: bool = False) -> ImportSummary:
    summary = ImportSummary(file=file, origin=project.origin, positions="n/a", dry_run=dry_run)
    try:
        with ledger.write_transaction(db):
            codes = import_codes(db, project.codes, origin=project.origin, path=file, coder=coder)
            summary.codes_added, summary.codes_matched = codes.added, codes.matched
            if dry_run:
                raise _DryRun()
    except _DryRun:
        pass
    return summary


def _users(state: _State) -> None:
    for guid, name in state.project.users.items():
        state.summary.users.append(name)
        remember(state.db, "user", name, guid)


def _groups(project: RProject, summary: ImportSummary) -> dict[str, str]:
    groups: dict[str, str] = {}
    for s in project.sets:
        for member in s.sources:
            if member in groups and groups[member] != s.name:
                summary.notes.append(f"a source is in sets '{groups[member]}' and '{s.name}'; its group is the first")
            groups.setdefault(member, s.name)
        if s.codes:
            summary.skip("set", s.name, "sets of codes are not imported (qualcode has no code sets)")
    return groups


def _coder(state: _State, *users: str | None) -> str:
    for user in users:
        if user and user in state.project.users:
            return state.project.users[user]
    return "unknown"


def _read_text(state: _State, src: RSource) -> tuple[bytes | None, str]:
    """The source's plain-text bytes, or None and why not."""
    if src.kind != "TextSource":
        kind = src.kind.replace("Source", "").lower()
        return None, f"a {kind} source: qualcode imports text sources only"
    if src.content is not None:
        return src.content.encode("utf-8"), ""
    path = src.plain_path or ""
    if not path:
        return None, "no plain-text version (rich text only); export plain text too"
    if not path.startswith("internal://"):
        return None, f"its text is outside the archive ({path.split('://', 1)[0]} path); export with sources embedded"
    data = state.archive.read_source(path) if state.archive is not None else None
    if data is None:
        return None, f"its plain-text file {path} is not in the archive"
    return data, ""


def _source(state: _State, src: RSource, group: str | None, convention: str) -> None:
    from qualcode.ingest.decode import decode

    name = src.name or src.guid
    coded = sum(len(s.codings) for s in src.selections) + len(src.codings) + src.other_selections
    data, reason = _read_text(state, src)
    raw = ""
    if data is not None:
        try:
            raw, encoding = decode(data, name)
        except QualcodeError:
            data, reason = None, "its plain-text file is not text"
    if data is not None and not raw.strip():
        data, reason = None, "its text is empty"
    if data is None:
        state.summary.skip("source", name, reason)
        if coded:
            state.summary.skip("coding", name, f"in a skipped source ({reason})", coded)
        return
    pm = PositionMap.from_raw(raw, convention, state.crlf_one)
    sha = hashlib.sha256(data).hexdigest()
    row = state.db.execute("SELECT id, name FROM sources WHERE sha256 = ? OR text = ?", [sha, pm.text]).fetchone()
    if row is not None:
        state.summary.sources_matched.append(row[1])
        source_id = int(row[0])
    else:
        source_id = _store_source(state, src, name, pm, data, encoding, group)
        state.summary.sources_added.append(_name_of(state.db, source_id))
    remember(state.db, "source", _name_of(state.db, source_id), src.guid)
    state.source_ids.setdefault(name, source_id)
    state.described += [("source", str(source_id), None, m) for m in _described(src.description)]
    segs = sorted((r[1], r[2], r[0]) for r in state.db.execute(
        "SELECT id, start, end FROM segments WHERE source_id = ?", [source_id]).fetchall())
    info = _Source(source_id, pm, [s[0] for s in segs], segs)
    state.sources[src.guid] = info
    for note in src.notes:
        state.note_targets.setdefault(note, []).append(("source", str(source_id)))
    for sel in src.selections:
        _selection(state, info, name, sel)
    if src.codings:  # codes applied to the whole source
        _selection(state, info, name, RSelection(src.guid, 0, pm.length, None, None, src.codings, []))
    if src.other_selections:
        state.summary.skip("coding", name, "on a picture, PDF or media region", src.other_selections)


def _name_of(db: "Database", source_id: int) -> str:
    return str(db.execute("SELECT name FROM sources WHERE id = ?", [source_id]).fetchone()[0])


def _store_source(state: _State, src: RSource, name: str, pm: PositionMap, data: bytes, encoding: str,
                  group: str | None) -> int:
    from qualcode.ingest.service import count_words

    db = state.db
    base, n = name, 2
    while db.execute("SELECT 1 FROM sources WHERE name = ?", [name]).fetchone():
        name, n = f"{base} ({n})", n + 1
    if name != base:
        state.summary.notes.append(f"source '{base}' is already in the project with other text; "
                                   f"imported as '{name}'")
    turns, header = _segments(pm.text, state.segment_by)
    metadata: dict[str, Any] = {"refi": {"guid": src.guid, "origin": state.project.origin}}
    if header:
        metadata["header"] = header
    cursor = db.execute(
        "INSERT INTO sources (name, path, format, encoding, sha256, text, words, source_group, attributes, "
        "metadata, ingested_at) VALUES (?, ?, 'text', ?, ?, ?, ?, ?, ?, ?, ?)",
        [name, f"{state.summary.file}#{src.plain_path or src.guid}", encoding, hashlib.sha256(data).hexdigest(),
         pm.text, count_words(pm.text),
         group, json.dumps(src.variables, ensure_ascii=False), json.dumps(metadata, ensure_ascii=False), now()])
    source_id = int(cursor.lastrowid or 0)
    db.execute("INSERT INTO source_originals (source_id, data) VALUES (?, ?)", [source_id, data])
    _store_segments(db, source_id, pm.text, turns)
    return source_id


def _segments(text: str, segment_by: str) -> tuple[list[Any], list[str]]:
    """Speaker turns when the text has speaker labels, else one segment per non-empty line."""
    from qualcode.ingest.model import Turn
    from qualcode.ingest.text import parse_text

    if segment_by != "lines":
        transcript = parse_text(text)
        lines = sum(1 for line in text.split("\n") if line.strip())
        # A transcript labels a good share of its paragraphs; exported comments, articles or
        # field notes have a stray "Name:" now and then, which would make absurd turns.
        if segment_by == "turns" or len(transcript.turns) >= max(2, lines * TURN_SHARE):
            return transcript.turns, transcript.metadata.get("header", [])
    turns, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            turns.append(Turn(speaker=None, pieces=[(pos + lead, pos + lead + len(stripped))]))
        pos += len(line) + 1
    return turns, []


def _store_segments(db: "Database", source_id: int, text: str, turns: list[Any]) -> None:
    from qualcode.ingest.roles import default_role
    from qualcode.ingest.service import count_words

    speakers: dict[str, int] = {}
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    rows = []
    for ordinal, turn in enumerate(turns, start=1):
        if turn.speaker is not None and turn.kind == "speech" and turn.speaker not in speakers:
            cur = db.execute("INSERT INTO speakers (source_id, label, role) VALUES (?, ?, ?)",  # issue 14: roles
                             [source_id, turn.speaker, default_role(turn.speaker)])
            speakers[turn.speaker] = int(cur.lastrowid or 0)
        turn_text = turn.text(text)
        rows.append((source_id, speakers.get(turn.speaker) if turn.speaker is not None else None, ordinal,
                     turn.start, turn.end, bisect.bisect_right(line_starts, turn.start), turn.timestamp,
                     turn.kind, turn_text, json.dumps(turn.pieces) if len(turn.pieces) > 1 else None,
                     count_words(turn_text)))
    db.conn.executemany(
        "INSERT INTO segments (source_id, speaker_id, ordinal, start, end, line, timestamp, kind, text, pieces, "
        "words) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _described(description: str | None) -> list[str]:
    """The memos a selection's or source's Description holds (QualCoder keeps them there)."""
    first, rest = split_memos(description)
    return [m for m in (first, *rest) if m]


def _selection(state: _State, info: _Source, name: str, sel: RSelection) -> None:
    summary = state.summary
    start, end = sel.start, sel.end
    codings = [c for c in sel.codings if c.code not in state.case_guids]
    if start is None or end is None or not 0 <= start < end <= info.pm.length:
        if codings:
            summary.skip("coding", name, "its position is missing or outside the text", len(codings))
        return
    s, e = info.pm.to_offset(start), info.pm.to_offset(end)
    if s >= e:
        if codings:
            summary.skip("coding", name, "it selects only spaces or line breaks", len(codings))
        return
    state.selections[sel.guid] = (info.id, s, e)
    for c in sel.codings:
        if c.code in state.case_guids:  # QualCoder's link from a case to its text
            state.case_links.setdefault(c.code, []).append(sel.guid)
    k = bisect.bisect_right(info.seg_starts, s) - 1
    segment = info.segs[k][2] if k >= 0 and info.segs[k][1] >= e else None
    seen = state.seen_codings
    memos = _described(sel.description)
    for coding in codings:
        code_id = state.code_ids.get(coding.code)
        if code_id is None:
            summary.skip("coding", name, "it refers to a code that is not in the codebook")
            continue
        coder = _coder(state, coding.user, sel.user)
        if coding.guid in seen:
            summary.codings_already_present += 1
            state.described += [("coding", str(seen[coding.guid]), coder, m) for m in memos]
            continue
        at = stored_datetime(coding.created) or stored_datetime(sel.created) or now()
        added = ledger.add_coding(
            state.db, ledger.NewCoding(info.id, segment, code_id, s, e, coder, "accepted", "import", "import",
                                       created_at=at, decided_at=at),
            actor=state.coder, action="import", detail={"file": summary.file, "guid": coding.guid})
        coding_id = added.coding_id
        if not added.created:
            if coding_id in state.created:  # two codings in the file are one: the same span, code and coder
                ledger.note_fold(state.db, coding_id, actor=state.coder,
                                 detail={"file": summary.file, "guid": coding.guid})
                summary.codings_folded += 1
            else:
                summary.codings_already_present += 1
                state.described += [("coding", str(coding_id), coder, m) for m in memos]
            continue
        state.created.add(coding_id)
        remember(state.db, "coding", str(coding_id), coding.guid)
        summary.codings_added += 1
        summary.codings_without_segment += segment is None
        for note in coding.notes + sel.notes:
            state.note_targets.setdefault(note, []).append(("coding", str(coding_id)))
        state.described += [("coding", str(coding_id), coder, m) for m in memos]


def _cases(state: _State) -> None:
    from qualcode.interop.importer_people import import_cases

    import_cases(state.db, state.project, state.sources, state.selections, state.summary,
                 links=state.case_links, source_ids=state.source_ids)


def _notes(state: _State) -> None:
    from qualcode.interop.importer_people import import_described, import_notes

    for code in state.project.codes:
        if code.guid in state.code_ids:
            for note in code.notes:
                state.note_targets.setdefault(note, []).append(("code", state.code_ids[code.guid]))
            state.described += [("code", state.code_ids[code.guid], None, m) for m in code.memos]
    for note in state.project.project_notes:
        state.note_targets.setdefault(note, []).append(("project", ""))
    if state.project.description:  # QualCoder's project memo
        state.described.append(("project", "", None, state.project.description))
    import_notes(state.db, state.project, state.archive, state.note_targets, state.summary)
    import_described(state.db, state.described, state.summary)

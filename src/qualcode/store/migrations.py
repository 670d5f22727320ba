"""Numbered schema migrations, applied on every open.

Each migration runs once, in a transaction, and is recorded in ``_sqlite_migrations``.
A released migration is never edited: change the schema with a new ``m00N_…`` function
whose docstring says why it exists.

Offsets (``start``/``end``) everywhere are character offsets into ``sources.text``, the
normalised text (NFC, ``\\n`` newlines), so REFI-QDA ``PlainTextSelection`` positions map
one to one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qualcode.imports import import_sqlite_utils

if TYPE_CHECKING:
    from sqlite_utils import Database, Migrations
else:  # the first import of sqlite-utils may be this one: without pandas (qualcode.imports)
    Migrations = import_sqlite_utils().Migrations

MIGRATION_SET = "qualcode"
MIGRATIONS_TABLE = "_sqlite_migrations"

migrations = Migrations(MIGRATION_SET)


@migrations()
def m001_initial(db: "Database") -> None:
    """The first schema: sources, speakers, participants, segments, codes, codings, memos."""
    _run_script(
        db,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);

        CREATE TABLE participants (
            id TEXT PRIMARY KEY,              -- the researcher's id, e.g. EM-P03
            pseudonym TEXT,                   -- shown in pseudonymised output
            attributes TEXT NOT NULL DEFAULT '{}'  -- JSON: role, site, year, ...
        );

        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,        -- file name as ingested
            path TEXT,                        -- where it was read from
            format TEXT NOT NULL,
            encoding TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,      -- of the original bytes
            text TEXT NOT NULL,               -- normalised text: the offsets' reference
            words INTEGER NOT NULL,
            source_group TEXT,
            attributes TEXT NOT NULL DEFAULT '{}',  -- JSON from --attr
            metadata TEXT NOT NULL DEFAULT '{}',    -- JSON: header lines, legends
            ingested_at TEXT NOT NULL
        );

        CREATE TABLE speakers (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            label TEXT NOT NULL,              -- as written in the transcript
            participant_id TEXT REFERENCES participants(id),
            UNIQUE (source_id, label)
        );

        CREATE TABLE segments (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            speaker_id INTEGER REFERENCES speakers(id),
            ordinal INTEGER NOT NULL,         -- turn number within the source, from 1
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            line INTEGER NOT NULL,            -- 1-based line of `start` in sources.text
            timestamp REAL,                   -- seconds from the start, when known
            kind TEXT NOT NULL DEFAULT 'speech',  -- speech | nonspeech
            text TEXT NOT NULL,               -- the turn as quoted (labels, stamps removed)
            pieces TEXT,                      -- JSON [[start, end], ...] when not one span
            words INTEGER NOT NULL,
            UNIQUE (source_id, ordinal)
        );
        CREATE INDEX segments_speaker ON segments(speaker_id);

        CREATE TABLE codebook_versions (
            id INTEGER PRIMARY KEY,
            name TEXT,
            path TEXT,
            sha256 TEXT NOT NULL,
            yaml TEXT NOT NULL,
            language TEXT NOT NULL DEFAULT 'en',
            diff TEXT NOT NULL DEFAULT '{}',  -- JSON: added, removed, changed
            loaded_by TEXT,
            loaded_at TEXT NOT NULL
        );

        CREATE TABLE codes (
            id TEXT PRIMARY KEY,              -- stable slug from the codebook
            name TEXT NOT NULL,
            parent_id TEXT REFERENCES codes(id),
            position INTEGER NOT NULL,        -- order in the codebook
            description TEXT,
            include_criteria TEXT,
            exclude_criteria TEXT,
            colour TEXT,
            keywords TEXT NOT NULL DEFAULT '[]',  -- JSON
            patterns TEXT NOT NULL DEFAULT '[]',  -- JSON
            examples TEXT NOT NULL DEFAULT '[]',  -- JSON
            status TEXT NOT NULL DEFAULT 'active',  -- active | removed
            version_id INTEGER REFERENCES codebook_versions(id)
        );

        CREATE TABLE codings (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            segment_id INTEGER REFERENCES segments(id),
            code_id TEXT NOT NULL REFERENCES codes(id),
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            coder TEXT,                       -- who decided; NULL while only suggested
            status TEXT NOT NULL,             -- suggested | accepted | rejected
            origin TEXT NOT NULL,             -- suggest | manual | import
            method TEXT NOT NULL,             -- keyword, pattern, keyword+pattern, manual, ...
            score REAL,
            evidence TEXT NOT NULL DEFAULT '[]',  -- JSON list of matches
            created_at TEXT NOT NULL,
            decided_at TEXT
        );
        -- One machine suggestion per (segment, code): re-running suggest updates it.
        CREATE UNIQUE INDEX codings_one_suggestion ON codings(segment_id, code_id)
            WHERE origin = 'suggest';
        CREATE INDEX codings_code ON codings(code_id, status);
        CREATE INDEX codings_segment ON codings(segment_id);

        CREATE TABLE memos (
            id INTEGER PRIMARY KEY,
            target_type TEXT NOT NULL,        -- project | source | code | coding
            target_id TEXT,
            author TEXT,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL
        );

        -- The audit trail: every decision, who made it and from which state.
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT,
            action TEXT NOT NULL,
            coding_id INTEGER,
            from_status TEXT,
            to_status TEXT,
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_coding ON events(coding_id);
        """
    )


def _run_script(db: "Database", script: str) -> None:
    # Not executescript(): it COMMITs first, which would break the migration's transaction.
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


def migrate(db: "Database", version: str | None = None) -> None:
    """Apply every pending migration (each in its own transaction). ``version``, the
    qualcode applying them, is recorded in ``meta`` so that an older qualcode that meets
    this schema can name the version it needs (``qualcode.project``)."""
    if not migrations.pending(db):
        return
    migrations.apply(db)
    if version is not None:
        with db.atomic():
            db.execute("INSERT INTO meta (key, value) VALUES ('qualcode_version', ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [version])


def newer_migrations(db: "Database") -> list[str]:
    """Migrations recorded in the project that this qualcode does not have: the project
    was upgraded by a newer version, whose schema this one must not write to."""
    if MIGRATIONS_TABLE not in db.table_names():
        return []
    known = {m.name for m in migrations._migrations}
    rows = db.execute(f"SELECT name FROM [{MIGRATIONS_TABLE}] WHERE migration_set = ? ORDER BY rowid",
                      [MIGRATION_SET]).fetchall()
    return [r[0] for r in rows if r[0] not in known]


# m002 was reserved for ingest and never needed: numbers need not be contiguous, only ordered.
@migrations()
def m003_nlp_cache(db: "Database") -> None:
    """A cache of the per-segment spaCy pass for ``qualcode suggest`` (issue 5).

    ``analysis`` is JSON: the segment's content lemmas and its lexical evidence. It depends
    only on the segment's text, the pipeline and the codebook's keywords and patterns, which
    is what the key is: ``text_hash`` (sha1 of the text) and ``pipeline`` (a hash of the
    pipeline name and those codebook fields). Re-running suggest on unchanged segments and
    codebook never runs spaCy again; entries for an older key are dropped on the next run."""
    _run_script(
        db,
        """
        CREATE TABLE nlp_cache (
            text_hash TEXT NOT NULL,
            pipeline TEXT NOT NULL,
            analysis TEXT NOT NULL,
            PRIMARY KEY (text_hash, pipeline)
        ) WITHOUT ROWID
        """
    )


@migrations()
def m004_codebook_evolution_and_undo(db: "Database") -> None:
    """Codebook evolution and undoable decisions (issue 6).

    ``codes.renamed_from`` / ``codes.merged_into`` record where a code's codings came from or
    went when an edited codebook renamed or merged it; ``codes.status`` now also takes
    ``renamed``, ``merged`` and ``retired`` (a removed code whose orphaned codings the user
    chose to keep out of the way). ``events.batch`` groups the events of one decision (an
    "accept all" is one batch) so that undo can restore exactly the state before it; each
    event's ``detail`` holds the coding's previous status, coder and decision time."""
    _run_script(
        db,
        """
        ALTER TABLE codes ADD COLUMN renamed_from TEXT;
        ALTER TABLE codes ADD COLUMN merged_into TEXT;
        ALTER TABLE events ADD COLUMN batch TEXT;
        CREATE INDEX events_batch ON events(batch);
        CREATE INDEX events_actor ON events(actor, id)
        """
    )


@migrations()
def m005_report_index(db: "Database") -> None:
    """A covering index for the reports (issue 7). Every report starts from "which segments
    carry which code (by which coder)"; with this index SQLite answers that from the index
    alone, without reading the codings rows, which keeps reports over a million codings
    within seconds (benchmarks/reports.py)."""
    _run_script(
        db,
        """
        CREATE INDEX codings_report ON codings(status, code_id, coder, segment_id, source_id)
        """
    )


@migrations()
def m006_refi_ids(db: "Database") -> None:
    """REFI-QDA GUIDs of imported objects (issue 8). Re-exporting a project that came from
    NVivo or ATLAS.ti keeps their GUIDs for codes, sources, users, cases and codings, so the
    other tool recognises its own objects; importing the same file again matches on them
    instead of duplicating. ``kind`` is code | source | user | participant | coding | memo;
    ``local_id`` is the qualcode id (code slug, source name, coder, participant id, row id)."""
    _run_script(
        db,
        """
        CREATE TABLE refi_ids (
            kind TEXT NOT NULL,
            local_id TEXT NOT NULL,
            guid TEXT NOT NULL,
            PRIMARY KEY (kind, local_id)
        );
        CREATE INDEX refi_ids_guid ON refi_ids(kind, guid);
        """
    )


@migrations()
def m007_coder_sources_index(db: "Database") -> None:
    """Which sources each coder has coded, without reading every coding (issue 7). The
    agreement report and ``report html`` start from that list; with this index SQLite takes
    one index step per (coder, source) pair instead of reading a million codings
    (``qualcode.reports.agreement.coder_sources``). Partial: only accepted codings are
    indexed, so writing suggestions costs nothing more."""
    _run_script(
        db,
        """
        CREATE INDEX codings_coder_source ON codings(coder, source_id) WHERE status = 'accepted'
        """
    )


@migrations()
def m008_one_coding_rule(db: "Database") -> None:
    """One coding per segment, span, code and coder (issue 14 point 4).

    A codebook merge could leave a coder with two accepted codings of one code on one span,
    which every export then wrote twice. This folds the twins that exist: among *live*
    codings (status ``accepted``) with the same source, code, coder, start and end, the
    first made (lowest id) is kept and each later one is set to ``removed``, its memos moved
    to the kept one, with a ``fold`` event (actor ``qualcode``) naming it. Then a unique
    index makes a twin impossible. Rejected and removed codings are history and may repeat;
    pending suggestions keep their own index (one per segment and code). The span lies in
    one segment, so the source's offsets stand for the segment (and cover codings that
    cross segments, whose segment_id is NULL). Self-contained SQL: a migration must not
    change when the ledger module does."""
    import json
    from datetime import datetime, timezone

    at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    groups = db.execute(
        "SELECT group_concat(id) FROM (SELECT id, source_id, code_id, ifnull(coder, '') AS who, start, end "
        "FROM codings WHERE status = 'accepted' ORDER BY id) GROUP BY source_id, code_id, who, start, end "
        "HAVING count(*) > 1").fetchall()
    for (ids_text,) in groups:
        keep, *twins = sorted(int(i) for i in str(ids_text).split(","))
        for twin in twins:
            coder, decided = db.execute("SELECT coder, decided_at FROM codings WHERE id = ?", [twin]).fetchone()
            memos = [r[0] for r in db.execute(
                "SELECT id FROM memos WHERE target_type = 'coding' AND target_id = ?", [str(twin)]).fetchall()]
            db.execute("UPDATE codings SET status = 'removed', decided_at = ? WHERE id = ?", [at, twin])
            db.execute("UPDATE memos SET target_id = ? WHERE target_type = 'coding' AND target_id = ?",
                       [str(keep), str(twin)])
            detail = {"before": {"status": "accepted", "coder": coder, "decided_at": decided}, "into": keep,
                      "memos": memos, "by": "m008_one_coding_rule"}
            db.execute("INSERT INTO events (at, actor, action, coding_id, from_status, to_status, detail) "
                       "VALUES (?, 'qualcode', 'fold', ?, 'accepted', 'removed', ?)", [at, twin, json.dumps(detail)])
    db.execute("CREATE UNIQUE INDEX codings_one_coding ON codings(source_id, code_id, ifnull(coder, ''), start, end) "
               "WHERE status = 'accepted'")


@migrations()
def m009_roles_and_source_attributes(db: "Database") -> None:
    """Speaker roles (issue 14): ``speakers.role`` is ``facilitator`` or ``participant`` and
    ``speakers.role_from`` says who decided it: ``label`` (guessed from the label or the
    transcript's legend at ingest), ``participants`` (the participants file's ``role``
    column) or ``user`` (``qualcode speakers role``). Facilitator turns get no suggestions
    or quotes and do not count as speakers in reports. Existing projects get their roles
    here: from a participant's ``role`` attribute where one was imported, else from the
    label. Session attributes (site, group, date) use the existing ``sources.attributes``
    and ``sources.source_group``: no column is needed for them."""
    from qualcode.ingest.roles import default_role, role_from_value

    _run_script(
        db,
        """
        ALTER TABLE speakers ADD COLUMN role TEXT NOT NULL DEFAULT 'participant'
            CHECK (role IN ('facilitator', 'participant'));
        ALTER TABLE speakers ADD COLUMN role_from TEXT NOT NULL DEFAULT 'label'
            CHECK (role_from IN ('label', 'participants', 'user'))
        """
    )
    import json

    legends = {sid: json.loads(meta or "{}").get("legend") or {}
               for sid, meta in db.execute("SELECT id, metadata FROM sources")}
    rows = db.execute("SELECT sp.id, sp.source_id, sp.label, p.attributes FROM speakers sp "
                      "LEFT JOIN participants p ON p.id = sp.participant_id").fetchall()
    for speaker_id, source_id, label, attributes in rows:
        stated = json.loads(attributes or "{}").get("role")
        explicit = role_from_value(str(stated)) if stated not in (None, "") else None
        if explicit is not None:
            db.execute("UPDATE speakers SET role = ?, role_from = 'participants' WHERE id = ?", [explicit, speaker_id])
        elif default_role(label, legends.get(source_id)) == "facilitator":
            db.execute("UPDATE speakers SET role = 'facilitator' WHERE id = ?", [speaker_id])


@migrations()
def m011_exchange(db: "Database") -> None:
    """The plain-text file of each source imported from another tool, byte for byte (issue 17).
    ``sources.text`` is normalised (NFC, ``\\n`` newlines, no BOM or zero-width characters), so
    exporting it would hand NVivo back text that differs from its own. Exports write these
    bytes instead and map each coding's offsets back onto them
    (:mod:`qualcode.interop.positions`), so every selection covers the same words."""
    _run_script(
        db,
        """
        CREATE TABLE source_originals (
            source_id INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
            data BLOB NOT NULL
        )
        """
    )


@migrations()
def m013_embedding_cache(db: "Database") -> None:
    """Sentence embeddings per segment text (issue 15, the semantic layer). Embedding costs
    about a millisecond per word on a laptop CPU; a vector depends only on the text and the
    model, so ``suggest`` stores each one (float16, little-endian) keyed by a hash of the text
    and the model's key (name and weights' checksum) and a second run loads no model
    (``qualcode.coding.embeddings``)."""
    _run_script(
        db,
        """
        CREATE TABLE embedding_cache (
            text_hash TEXT NOT NULL,
            model TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (text_hash, model)
        ) WITHOUT ROWID
        """
    )


@migrations()
def m016_spans(db: "Database") -> None:
    """Where each coder's codings lie, character by character (issue 18 point 4). The
    agreement report compares coders at the character level, as NVivo's coding comparison
    does, from each accepted coding's source, start and end. Read through the rows, a
    million codings take seconds; this covering index answers "per code and coder, which
    spans" from the index alone, in code order (``qualcode.reports.characters``). Partial:
    only accepted codings are indexed, so writing suggestions costs nothing more; ``status``
    is a column too because SQLite (3.40) does not count the WHERE of a partial index as
    covering it, and would read every row to check it."""
    _run_script(
        db,
        """
        CREATE INDEX codings_spans ON codings(code_id, coder, source_id, start, end, status) WHERE status = 'accepted'
        """
    )

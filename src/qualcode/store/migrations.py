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

from sqlite_utils import Migrations

if TYPE_CHECKING:
    from sqlite_utils import Database

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


def migrate(db: "Database") -> None:
    """Apply every pending migration (each in its own transaction)."""
    migrations.apply(db)

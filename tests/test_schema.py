"""The schema comes from numbered migrations: an empty database migrates to exactly this."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from qualcode.project import init_project, open_project

EXPECTED = {
    "meta": ["key", "value"],
    "participants": ["id", "pseudonym", "attributes"],
    "sources": ["id", "name", "path", "format", "encoding", "sha256", "text", "words", "source_group",
                "attributes", "metadata", "ingested_at"],
    "speakers": ["id", "source_id", "label", "participant_id", "role", "role_from"],
    "segments": ["id", "source_id", "speaker_id", "ordinal", "start", "end", "line", "timestamp", "kind",
                 "text", "pieces", "words"],
    "codebook_versions": ["id", "name", "path", "sha256", "yaml", "language", "diff", "loaded_by", "loaded_at"],
    "codes": ["id", "name", "parent_id", "position", "description", "include_criteria", "exclude_criteria",
              "colour", "keywords", "patterns", "examples", "status", "version_id", "renamed_from", "merged_into"],
    "codings": ["id", "source_id", "segment_id", "code_id", "start", "end", "coder", "status", "origin",
                "method", "score", "evidence", "created_at", "decided_at"],
    "memos": ["id", "target_type", "target_id", "author", "text", "created_at"],
    "events": ["id", "at", "actor", "action", "coding_id", "from_status", "to_status", "detail", "batch"],
    "refi_ids": ["kind", "local_id", "guid"],
    "nlp_cache": ["text_hash", "pipeline", "analysis"],
    "source_originals": ["source_id", "data"],
    "embedding_cache": ["text_hash", "model", "vector"],
}


def columns(path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' "
            "AND name NOT LIKE 'sqlite_%'")]
        return {t: [r[1] for r in conn.execute(f"PRAGMA table_info([{t}])")] for t in tables}
    finally:
        conn.close()


def test_empty_database_migrates_to_the_expected_columns(tmp_path: Path) -> None:
    db, created = init_project(tmp_path / "p.db")
    db.close()
    assert created
    got = columns(tmp_path / "p.db")
    # Later migrations may add tables; every table and column listed here must be exactly as stated.
    for table, cols in EXPECTED.items():
        assert got.get(table, [])[: len(cols)] == cols, table


def test_migrations_are_recorded_once_and_reopening_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    init_project(path)[0].close()
    open_project(path).close()
    conn = sqlite3.connect(path)
    names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'qualcode'")]
    assert names[0] == "m001_initial"
    assert len(names) == len(set(names))
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_m008_allows_one_live_coding_per_span_code_and_coder(tmp_path: Path) -> None:
    db, _ = init_project(tmp_path / "p.db")
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'codings_one_coding'").fetchone()
    db.close()
    assert sql == ("CREATE UNIQUE INDEX codings_one_coding ON codings(source_id, code_id, ifnull(coder, ''), start, "
                   "end) WHERE status = 'accepted'",)


def test_m009_gives_existing_speakers_their_roles(tmp_path: Path) -> None:
    """A project made before speaker roles: facilitators are recognised from their label, the
    transcript's legend, or a participant's imported ``role`` attribute."""
    from qualcode.store.migrations import migrations

    path = tmp_path / "old.db"
    db, _ = init_project(path)
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm009_roles_and_source_attributes'")
    conn = db.conn
    conn.executescript(
        "CREATE TABLE speakers_old (id INTEGER PRIMARY KEY, source_id INTEGER, label TEXT, participant_id TEXT);"
        "DROP TABLE speakers; ALTER TABLE speakers_old RENAME TO speakers;"
        "INSERT INTO sources (id, name, format, encoding, sha256, text, words, metadata, ingested_at) VALUES "
        "(1, 'a.txt', 'text', 'utf-8', 'x', '', 0, '{\"legend\": {\"X\": \"Interviewer\"}}', 'now');"
        "INSERT INTO participants VALUES ('F1', NULL, '{\"role\": \"moderator\"}'), ('P1', NULL, '{\"role\": \"nurse\"}');"
        "INSERT INTO speakers VALUES (1, 1, 'Moderator', NULL), (2, 1, 'Ana', NULL), (3, 1, 'X', NULL),"
        " (4, 1, 'Host', 'F1'), (5, 1, 'Interviewer', 'P1');")
    migrations.apply(db)
    got = db.execute("SELECT label, role, role_from FROM speakers ORDER BY id").fetchall()
    assert got == [("Moderator", "facilitator", "label"), ("Ana", "participant", "label"),
                   ("X", "facilitator", "label"), ("Host", "facilitator", "participants"),
                   ("Interviewer", "participant", "participants")]
    db.close()


def test_m016_indexes_accepted_spans_for_character_agreement(tmp_path: Path) -> None:
    db, _ = init_project(tmp_path / "p.db")
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'codings_spans'").fetchone()[0]
    plan = db.execute("EXPLAIN QUERY PLAN SELECT code_id, coder, group_concat(start) FROM codings INDEXED BY "
                      "codings_spans WHERE status = 'accepted' GROUP BY code_id, coder").fetchall()
    db.close()
    assert sql.strip() == ("CREATE INDEX codings_spans ON codings(code_id, coder, source_id, start, end, status) "
                           "WHERE status = 'accepted'")
    assert "COVERING INDEX codings_spans" in " ".join(str(r[-1]) for r in plan)

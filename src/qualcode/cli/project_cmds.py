"""``init``, ``sources``, ``speakers``, ``segments`` and ``participants``."""

from __future__ import annotations

import enum
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import typer

from qualcode.cli.context import emit, open_db, say, settings

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table or json.")]


class Role(str, enum.Enum):
    """A speaker's role as typed on the command line (moderator and interviewer are facilitators)."""

    facilitator = "facilitator"
    participant = "participant"


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json"):
        raise typer.BadParameter("choose table or json", param_hint="--format")


def init(ctx: typer.Context) -> None:
    """Create a project database (./qualcode.db, or --db PATH)."""
    from qualcode.project import init_project

    path = settings(ctx).db_path
    db, created = init_project(path)
    db.close()
    say(ctx, f"Created project {path}" if created else f"Project {path} already exists; nothing to do")


sources_app = typer.Typer(help="List the ingested sources (with no command: --format), or give them "
                               "session attributes with `import`.")


@sources_app.callback(invoke_without_command=True)
def sources(ctx: typer.Context, fmt: FormatOpt = "table") -> None:
    """List the ingested sources (`sources import FILE` gives them attributes: site, group, date)."""
    if ctx.invoked_subcommand is None:
        _list_sources(ctx, fmt)


@sources_app.command("list")
def sources_list(ctx: typer.Context, fmt: FormatOpt = "table") -> None:
    """List the ingested sources with their group and attributes."""
    _list_sources(ctx, fmt)


def _list_sources(ctx: typer.Context, fmt: str) -> None:
    from qualcode.render.tabular import Table, to_json, to_rich
    from qualcode.store.queries import list_sources

    _check_format(fmt)
    rows = list_sources(open_db(ctx))
    if fmt == "json":
        return emit(ctx, to_json([asdict(r) for r in rows]), None)
    columns = ["id", "name", "format", "encoding", "speakers", "turns", "words", "group"]
    attributes = any(r.attributes for r in rows)
    table = Table("Sources", columns + (["attributes"] if attributes else []),
                  [[r.id, r.name, r.format, r.encoding, _speakers(r.speakers, r.facilitators), r.turns, r.words, r.group]
                   + ([", ".join(f"{k}={v}" for k, v in r.attributes.items())] if attributes else []) for r in rows],
                  numeric=("id", "speakers", "turns", "words"))
    emit(ctx, to_rich(table), None)


def _speakers(speakers: int, facilitators: int) -> str:
    """"7 + 1 facilitator": reports leave facilitators out, so `sources` counts them apart."""
    if not facilitators:
        return str(speakers)
    return f"{speakers - facilitators} + {facilitators} facilitator" + ("s" if facilitators > 1 else "")


@sources_app.command("import")
def sources_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV, YAML or .xlsx: a source column, then one column per attribute.")],
) -> None:
    """Give sources session attributes (site, group, date, ...): one row per source."""
    from qualcode.ingest.source_attributes import import_sources

    result = import_sources(open_db(ctx), file)
    say(ctx, f"{result.sources} source(s) given {', '.join(result.attributes) or 'no attributes'}")
    for item in result.unmatched:
        say(ctx, f"not in the project, skipped: {item}", style="yellow")
    for name in result.also_participant:
        say(ctx, f"'{name}' is also a participant attribute: reports need "
                 f"source.{name} or participant.{name}", style="yellow")


speakers_app = typer.Typer(help="List the speaker labels of each source (with no command: --source, --format), or fix one with `rename`.")


@speakers_app.callback(invoke_without_command=True)
def speakers(ctx: typer.Context,
             source: Annotated[Optional[str], typer.Option(help="Only this source (its name).")] = None,
             fmt: FormatOpt = "table") -> None:
    """List speakers per source with their turns, words and participant (`speakers rename` fixes a label)."""
    if ctx.invoked_subcommand is None:
        _list_speakers(ctx, source, fmt)


@speakers_app.command("list")
def speakers_list(ctx: typer.Context,
                  source: Annotated[Optional[str], typer.Option(help="Only this source (its name).")] = None,
                  fmt: FormatOpt = "table") -> None:
    """List speakers per source with their turns, words and participant."""
    _list_speakers(ctx, source, fmt)


def _list_speakers(ctx: typer.Context, source: Optional[str], fmt: str) -> None:
    from qualcode.render.tabular import Table, to_json, to_rich
    from qualcode.store.queries import list_speakers

    _check_format(fmt)
    rows = list_speakers(open_db(ctx), source)
    if fmt == "json":
        return emit(ctx, to_json([asdict(r) for r in rows]), None)
    table = Table("Speakers", ["source", "label", "role", "turns", "words", "participant", "attributes"],
                  [[r.source, r.label, r.role, r.turns, r.words, r.participant,
                    ", ".join(f"{k}={v}" for k, v in r.attributes.items())] for r in rows],
                  numeric=("turns", "words"))
    emit(ctx, to_rich(table), None)


@speakers_app.command("rename")
def speakers_rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The label as it is now (see `qualcode speakers`).")],
    new: Annotated[str, typer.Argument(help="The label to use instead.")],
    source: Annotated[Optional[str], typer.Option(help="Only in this source (its name); default: every source.")] = None,
) -> None:
    """Rename a speaker label everywhere (or in one source); into an existing label, the two merge.

    Segments keep their ids, so codings and participants stay; the source text is unchanged."""
    from qualcode.ingest.participants import rename_speaker

    result = rename_speaker(open_db(ctx), old, new, source)
    merged = f", {result.merged} merged into an existing '{new}'" if result.merged else ""
    say(ctx, f"Renamed '{old}' to '{new}' in {len(result.sources)} source(s){merged}; "
             f"{result.segments} segments now under '{new}'")


@speakers_app.command("role")
def speakers_role(
    ctx: typer.Context,
    label: Annotated[str, typer.Argument(help="The speaker label (see `qualcode speakers`).")],
    role: Annotated[Role, typer.Argument(help="facilitator (a moderator or interviewer) or participant.")],
    source: Annotated[Optional[str], typer.Option(help="Only in this source (its name); default: every source.")] = None,
) -> None:
    """Set a speaker's role. Facilitator turns get no suggestions or quotes and do not count as
    speakers in reports (unless --include-facilitators)."""
    from qualcode.ingest.roles import set_role

    result = set_role(open_db(ctx), label, "facilitator" if role is Role.facilitator else "participant", source)
    say(ctx, f"'{label}' is now a {role.value} in {len(result.sources)} source(s)"
             + (f" ({result.unchanged} already were)" if result.unchanged else ""))


def segments(ctx: typer.Context,
             source: Annotated[Optional[str], typer.Option(help="Only this source (its name).")] = None,
             speaker: Annotated[Optional[str], typer.Option(help="Only this speaker label.")] = None,
             limit: Annotated[Optional[int], typer.Option(min=1, help="At most this many.")] = None,
             fmt: FormatOpt = "table") -> None:
    """List segments (speaker turns) with their ids and text: the ids to code one by hand."""
    from qualcode.render.reports import format_seconds
    from qualcode.render.tabular import Table, to_json, to_rich
    from qualcode.store.queries import list_segments

    _check_format(fmt)
    rows = list_segments(open_db(ctx), source, speaker, limit)
    if fmt == "json":
        return emit(ctx, to_json([asdict(r) for r in rows]), None)
    table = Table("Segments", ["id", "source", "#", "speaker", "time", "text"],
                  [[r.id, r.source, r.ordinal, r.speaker, format_seconds(r.timestamp), r.text] for r in rows],
                  numeric=("id", "#"))
    emit(ctx, to_rich(table), None)


participants_app = typer.Typer(help="Participants: the people behind speaker labels, and their attributes.",
                               no_args_is_help=True)


@participants_app.command("import")
def participants_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV (source,speaker,participant,attr…) or YAML list.")],
) -> None:
    """Map speaker labels to participants with attributes (role, site, year, group, ...)."""
    from qualcode.ingest.participants import import_participants

    result = import_participants(open_db(ctx), file)
    facilitators = f"; {result.facilitators} facilitator(s) set by the role column" if result.facilitators else ""
    say(ctx, f"{result.participants} participants; {result.speakers_linked} speaker labels linked{facilitators}")
    for item in result.unmatched:
        say(ctx, f"not in the project, skipped: {item}", style="yellow")


@participants_app.command("list")
def participants_list(ctx: typer.Context, fmt: FormatOpt = "table") -> None:
    """List participants, their attributes and how many speaker labels map to them."""
    import json

    from qualcode.render.tabular import Table, to_json, to_rich

    _check_format(fmt)
    db = open_db(ctx)
    rows = db.execute(
        "SELECT p.id, p.pseudonym, p.attributes, count(sp.id) FROM participants p "
        "LEFT JOIN speakers sp ON sp.participant_id = p.id GROUP BY p.id ORDER BY p.id").fetchall()
    data = [{"id": r[0], "pseudonym": r[1], "attributes": json.loads(r[2]), "speakers": r[3]} for r in rows]
    if fmt == "json":
        return emit(ctx, to_json(data), None)
    table = Table("Participants", ["id", "pseudonym", "speakers", "attributes"],
                  [[d["id"], d["pseudonym"], d["speakers"],
                    ", ".join(f"{k}={v}" for k, v in d["attributes"].items())] for d in data],
                  numeric=("speakers",))
    emit(ctx, to_rich(table), None)


from qualcode.cli import privacy_cmds  # noqa: E402,F401  (adds participants identifying)

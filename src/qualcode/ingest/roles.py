"""Speaker roles: who leads the conversation (``facilitator``: also moderator or interviewer)
and who is studied (``participant``).

A role belongs to a speaker (a label in one source). It is decided at ingest from the label
(``Facilitator``, ``Moderator 2``, ``Interviewer (Sam)``, ``I``, ``I1``, ``Int``, ``Mod``…)
or from the transcript's legend (``I1 = Interviewer``), and stored with where it came from
(``speakers.role_from``): ``label``, ``participants`` (the participants file's ``role``
column) or ``user`` (``qualcode speakers role``). An explicit choice is never re-guessed.

What a role changes: facilitator turns get no suggestions and no quotes, and facilitators
do not count as speakers or participants in reports, unless the user asks for them
(``--include-facilitators``). A coding a coder made on a facilitator turn still counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args


if TYPE_CHECKING:
    from sqlite_utils import Database

    from qualcode.ingest.model import Transcript

Role = Literal["facilitator", "participant"]
ROLES: tuple[Role, ...] = get_args(Role)

# A role word, alone or with a number and/or a name: "Moderator", "Co-facilitator 2",
# "Interviewer (Sam)", "Interviewer - Anna", "Lead moderator".
_LONG = re.compile(
    r"^(?:co[-\s]?|assistant\s+|asst\.?\s+|lead\s+|senior\s+)?"
    r"(?:facilitators?|moderators?|interviewers?|researchers?)"
    r"(?:\s*[-_#.]?\s*\d++[a-z]?)*+"  # possessive: no backtracking over long numbers
    r"(?:(?:\s+|\s*[-–—:,/(]\s*)[^\W\d_][\w .'’-]*\)?)?$", re.IGNORECASE)
# Abbreviations alone or with a number, never with more letters: "I", "I1", "Int", "INT-2",
# "Mod", "Fac". "Ines", "Ian" and "Intern" are not facilitators.
_SHORT = re.compile(r"^(?:i|int|intv|mod|fac|facil)\s*[-_#.]?\s*\d*\.?$", re.IGNORECASE)


# Joint labels: "I1 + I2", "Moderator & Co-moderator" are facilitators when every part is.
_JOINT = re.compile(r"\s*(?:\+|&|/|,|\band\b|\bog\b|\bund\b|\bet\b|\ben\b|\by\b)\s*", re.IGNORECASE)


def is_facilitator_label(text: str) -> bool:
    """True for a label (or a legend's description of one) naming a facilitator."""
    text = " ".join(text.split())
    if not text:
        return False
    if _SHORT.match(text) or _LONG.match(text):
        return True
    parts = [p for p in _JOINT.split(text) if p]
    return len(parts) > 1 and all(_SHORT.match(p) or _LONG.match(p) for p in parts)


def default_role(label: str, legend: dict[str, Any] | None = None) -> Role:
    """The role a label gets at ingest: from the label, else from the legend's description."""
    if is_facilitator_label(label):
        return "facilitator"
    description = (legend or {}).get(label)
    if isinstance(description, str) and is_facilitator_label(description):
        return "facilitator"
    return "participant"


def role_from_value(value: str) -> Role | None:
    """A participants file's ``role`` cell: facilitator, moderator or interviewer (and the
    label forms above) make a facilitator; any other value (participant, resident, nurse…)
    a participant; an empty cell leaves the role as it is (None)."""
    value = value.strip()
    if not value:
        return None
    return "facilitator" if is_facilitator_label(value) else "participant"


@dataclass
class RoleResult:
    changed: int = 0
    unchanged: int = 0
    sources: list[str] = field(default_factory=list)


def set_role(db: "Database", label: str, role: Role, source: str | None = None) -> RoleResult:
    """Give speaker ``label`` (in every source, or one) the role ``role``, as the user's choice."""
    from qualcode.store.queries import speakers_labelled

    rows = speakers_labelled(db, label, source, "sp.id, src.name, sp.role, sp.role_from")
    result = RoleResult()
    with db.atomic():
        for speaker_id, name, old, old_from in rows:
            if old == role and old_from == "user":
                result.unchanged += 1
            else:
                result.changed += old != role
                result.unchanged += old == role
            db.execute("UPDATE speakers SET role = ?, role_from = 'user' WHERE id = ?", [role, speaker_id])
            result.sources.append(name)
    return result


def speaker_roles(transcript: "Transcript") -> dict[str, Role]:
    """The role ingest gives each speaker of a parsed transcript (``default_role``, with the
    transcript's legend): one rule for ingest and for scoring suggestions on benchmark text."""
    legend = transcript.metadata.get("legend")
    return {label: default_role(label, legend) for label in transcript.speakers}


def facilitator_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of ``text`` (a plain-text transcript) that a facilitator says, read as
    ingest reads it (``ingest/text.py``) and with ingest's roles (``speaker_roles``), so that
    ``evaluate`` skips the turns ``suggest`` skips.

    One difference, because evaluation scores lines (the benchmark protocol's utterances): a
    facilitator's turn whose label opens a line with text after it (``MODERATOR: Could you…``)
    covers that line only; the unlabelled lines after it, which ingest would add to the same
    turn, are nobody's here. Transcripts that interleave unlabelled participant talk with
    labelled interjections (serdif_usability) would otherwise lose the participants' talk.
    A label alone on its line (``[00:10] RESEARCHER:``) covers the whole turn below it."""
    from qualcode.ingest.text import parse_text

    transcript = parse_text(text)
    roles = speaker_roles(transcript)
    spans: list[tuple[int, int]] = []
    for turn in transcript.turns:
        if turn.kind != "speech" or turn.speaker is None or roles.get(turn.speaker) != "facilitator":
            continue
        line_start = text.rfind("\n", 0, turn.start) + 1
        if text[line_start:turn.start].strip():  # the label is on the turn's first line
            line_end = text.find("\n", turn.start)
            spans.append((line_start, len(text) if line_end < 0 else line_end))
        else:
            spans += turn.pieces
    return spans

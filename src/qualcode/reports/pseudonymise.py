"""Pseudonymised output: speaker labels become participant pseudonyms, and names of people
in quoted text become pseudonyms or ``[name]``.

The mapping lives in the project (the ``participants`` table) and never appears in output:
callers only ever receive the replacements. Any report or export can use it::

    from qualcode.reports.pseudonymise import load_pseudonymiser

    pz = load_pseudonymiser(db)
    pz.speaker(label="Tomasz", participant_id="MS-P01", speaker_id=7)  # -> "Ben" or "MS-P01"
    pz.participant("MS-P01")                                            # -> "Ben" or "MS-P01"
    pz.text("Tomasz said Ines was right")                               # -> "Ben said [name] was right"
    pz.attributes({"role": "mentor", "names": "Tomasz Nowak"})          # -> {"role": "mentor"}

Rules (documented in docs/reports.md, "Pseudonymised output"):

- A participant is shown as their ``pseudonym`` (the ``pseudonym`` column of the
  participants file), else as their participant id (a researcher's code such as EM-P03).
  A speaker not linked to a participant is shown as ``Speaker N`` (numbered by source name,
  then first appearance).
- Names masked in text: every form listed in the participant's ``names`` attribute (a
  ``names`` column in the participants file, forms separated by ``;`` or ``|``), and every
  speaker label that looks like a personal name (capitalised words of letters only, not a
  role word such as Facilitator, Moderator or Resident). A name is replaced by its
  participant's pseudonym when one is set, else by ``[name]``. Matching is case-sensitive
  and on whole words, longest form first.
- The ``names`` attribute is dropped from any attributes shown.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

NAMES_ATTRIBUTE = "names"
MASK = "[name]"
HIDDEN_ATTRIBUTES = frozenset({NAMES_ATTRIBUTE, "pseudonym"})
# Speaker labels starting with one of these words are roles, not names.
ROLE_WORDS = frozenset("""
facilitator moderator interviewer interviewee participant respondent resident speaker host
researcher unknown student nurse doctor mentor mentee chair observer audience group all everyone
several multiple unidentified inaudible crosstalk voice man woman male female attendee member
trainee registrar consultant fellow intern attending physician coordinator note-taker notetaker
fac facil mod int res inv iv pi q a
""".split())
_NAME_LIKE = re.compile(r"^[^\W\d_][^\W\d_'’.-]*(?:[-'’.][^\W\d_]+)*\.?(?: [^\W\d_][^\W\d_'’.-]*(?:[-'’.][^\W\d_]+)*\.?)*$")


def looks_like_name(label: str) -> bool:
    """True for labels such as ``Tomasz`` or ``Maria Jansen``; false for ``R1``,
    ``Facilitator``, ``Resident A`` or ``PGY2-C``."""
    label = label.strip()
    if not label or not _NAME_LIKE.match(label) or not all(w[0].isupper() for w in label.split()):
        return False
    first = label.split()[0].lower().rstrip(".")
    if first in ROLE_WORDS:
        return False
    return any(len(w.rstrip(".")) > 1 for w in label.split())


def split_names(value: Any) -> list[str]:
    """The forms listed in a ``names`` attribute: ``"Maria Jansen; Maria"`` → two forms."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in re.split(r"[;|]", str(value or "")) if part.strip()]


@dataclass
class Pseudonymiser:
    """Replacements computed from the project; apply with the methods below."""

    participants: dict[str, str] = field(default_factory=dict)   # participant id -> shown name
    unlinked: dict[int, str] = field(default_factory=dict)       # speaker id -> "Speaker N"
    replacements: dict[str, str] = field(default_factory=dict)   # name form -> pseudonym or [name]
    _pattern: re.Pattern[str] | None = None

    def __post_init__(self) -> None:
        forms = sorted(self.replacements, key=lambda f: (-len(f), f))
        if forms:
            alternation = "|".join(re.escape(f) for f in forms)
            # Whole words: no letter or digit on either side (underscores and punctuation split).
            self._pattern = re.compile(rf"(?<![^\W_])(?:{alternation})(?![^\W_])")

    def participant(self, participant_id: str | None) -> str | None:
        if participant_id is None:
            return None
        return self.participants.get(participant_id, participant_id)

    def speaker(self, label: str | None, participant_id: str | None, speaker_id: int | None = None) -> str | None:
        """What to show for a speaker: the participant's pseudonym or id, else ``Speaker N``."""
        if participant_id is not None:
            return self.participant(participant_id)
        if speaker_id is not None and speaker_id in self.unlinked:
            return self.unlinked[speaker_id]
        return None if label is None else MASK

    def text(self, text: str) -> str:
        """``text`` with every known name replaced."""
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(lambda m: self.replacements[m.group(0)], text)

    def attributes(self, attributes: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in attributes.items() if k not in HIDDEN_ATTRIBUTES}


def load_pseudonymiser(db: "Database") -> Pseudonymiser:
    """Everything needed to pseudonymise output from this project (read-only)."""
    participants: dict[str, str] = {}
    replacements: dict[str, str] = {}
    pseudonyms: dict[str, str | None] = {}
    for pid, pseudonym, attrs in db.execute("SELECT id, pseudonym, attributes FROM participants ORDER BY id"):
        pseudonyms[pid] = pseudonym or None
        participants[pid] = pseudonym or pid
        for form in split_names(json.loads(attrs or "{}").get(NAMES_ATTRIBUTE)):
            replacements.setdefault(form, pseudonym or MASK)
    unlinked: dict[int, str] = {}
    rows = db.execute(
        "SELECT sp.id, sp.label, sp.participant_id FROM speakers sp JOIN sources src ON src.id = sp.source_id "
        "ORDER BY src.name, (SELECT min(ordinal) FROM segments WHERE speaker_id = sp.id), sp.id").fetchall()
    for speaker_id, label, pid in rows:
        if pid is None:
            unlinked[speaker_id] = f"Speaker {len(unlinked) + 1}"
        if looks_like_name(label):
            replacements.setdefault(label, (pseudonyms.get(pid) if pid else None) or MASK)
    # A name that is also somebody's pseudonym stays as it is (it is already the output).
    for shown in participants.values():
        if replacements.get(shown) == shown:
            del replacements[shown]
    return Pseudonymiser(participants=participants, unlinked=unlinked, replacements=replacements)


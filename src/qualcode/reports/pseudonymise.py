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
  participant's pseudonym when one is set, else by ``[name]``. Matching is on whole words,
  longest form first, ignores case (``MARIA``, ``maria``) and Unicode normalisation (a name
  typed in decomposed NFD form, as macOS writes it, matches the composed text). Each part of
  a name is masked too: ``Jansen-de Vries`` also masks ``Jansen``, ``de Vries`` and ``Vries``
  (particles such as ``de`` or ``van`` alone are left, or every Dutch sentence would lose them).
- Source names (file names such as ``interview_maria_jansen.txt``) become ``Source N``
  (numbered in name order) wherever they appear; a source name that is a plain word
  (``notes``) only where it names the source (:meth:`Pseudonymiser.source`).
- Identifying attributes (:data:`DEFAULT_IDENTIFYING` plus those named with
  ``qualcode participants identifying``) are dropped with ``names`` and ``pseudonym``, and
  their values are masked as ``[redacted]`` in any text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

NAMES_ATTRIBUTE = "names"
MASK = "[name]"
REDACTED = "[redacted]"
HIDDEN_ATTRIBUTES = frozenset({NAMES_ATTRIBUTE, "pseudonym"})
# Attributes that identify a person whatever the study: hidden unless the user says otherwise.
DEFAULT_IDENTIFYING = frozenset({"email", "e-mail", "phone", "telephone", "mobile", "address"})
IDENTIFYING_KEY = "identifying_attributes"  # in ``meta``: a JSON list set by the user
# Name particles: masked as part of a longer form, never on their own.
PARTICLES = frozenset("""
de da das dos du del della der den di do la le les van von vom zu ten ter bin ibn al el y e st
""".split())
# Titles: part of a listed form ("Dr Jansen"), but masking "Dr" alone would hide every doctor.
TITLES = frozenset("dr mr mrs ms miss mx prof sir dame rev fr sr jr dr. mr. mrs. ms. prof.".split())
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


def nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _key(form: str) -> str:
    return nfc(form).casefold()


def name_forms(name: str) -> list[str]:
    """A name and its parts: ``Jansen-de Vries`` → itself, ``Jansen``, ``de Vries``, ``Vries``."""
    name = " ".join(nfc(name).split())
    forms = [name]
    for chunk in re.split(r"\s+", name):
        forms += [p for p in re.split(r"[-‐]", chunk) if p]
    forms += [p.strip() for p in re.split(r"[-‐]", name) if p.strip()]
    return [f for f in dict.fromkeys(forms) if len(f) > 1 and f.casefold() not in PARTICLES | TITLES]


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
    hidden: frozenset[str] = HIDDEN_ATTRIBUTES                    # attributes never shown
    sources: dict[str, str] = field(default_factory=dict)        # source name -> "Source N"
    _pattern: re.Pattern[str] | None = None
    _by_key: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for form, shown in self.replacements.items():
            self._by_key.setdefault(_key(form), shown)
        forms = sorted({nfc(f) for f in self.replacements}, key=lambda f: (-len(f), f))
        if forms:
            alternation = "|".join(re.escape(f) for f in forms)
            # Whole words: no letter or digit on either side (underscores and punctuation split);
            # any case, so MARIA and maria go too.
            self._pattern = re.compile(rf"(?<![^\W_])(?:{alternation})(?![^\W_])", re.IGNORECASE)

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
        # Stored text is NFC already (so offsets do not move); other text is made NFC first.
        return self._pattern.sub(lambda m: self._by_key.get(_key(m.group(0)), MASK), nfc(text))

    def source(self, name: str) -> str:
        """What to call a source: ``Source N`` (its file name may name a person)."""
        return self.sources.get(name) or self.text(name)

    def attributes(self, attributes: dict[str, Any]) -> dict[str, Any]:
        """The attributes that may be shown, with any name in their values masked."""
        return {k: self.text(v) if isinstance(v, str) else v for k, v in attributes.items()
                if k not in self.hidden and k.casefold() not in self.hidden}


def identifying_attributes(db: "Database") -> frozenset[str]:
    """The attributes hidden from pseudonymised output: the defaults and the user's own."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [IDENTIFYING_KEY]).fetchone()
    chosen = json.loads(row[0]) if row and row[0] else []
    return DEFAULT_IDENTIFYING | {str(a).casefold() for a in chosen}


def set_identifying_attributes(db: "Database", names: list[str]) -> list[str]:
    """Mark these attributes (in addition to the defaults) as identifying; returns the list."""
    chosen = sorted({n.strip() for n in names if n.strip()})
    with db.atomic():
        db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   [IDENTIFYING_KEY, json.dumps(chosen, ensure_ascii=False)])
    return chosen


def load_pseudonymiser(db: "Database") -> Pseudonymiser:
    """Everything needed to pseudonymise output from this project (read-only)."""
    participants: dict[str, str] = {}
    replacements: dict[str, str] = {}
    pseudonyms: dict[str, str | None] = {}
    identifying = identifying_attributes(db)
    redacted: set[str] = set()
    for pid, pseudonym, attrs in db.execute("SELECT id, pseudonym, attributes FROM participants ORDER BY id"):
        pseudonyms[pid] = pseudonym or None
        participants[pid] = pseudonym or pid
        values = json.loads(attrs or "{}")
        for name in split_names(values.get(NAMES_ATTRIBUTE)):
            for form in name_forms(name):
                replacements.setdefault(form, pseudonym or MASK)
        redacted |= {nfc(str(v)).strip() for k, v in values.items() if k.casefold() in identifying and str(v).strip()}
    unlinked: dict[int, str] = {}
    rows = db.execute(
        "SELECT sp.id, sp.label, sp.participant_id FROM speakers sp JOIN sources src ON src.id = sp.source_id "
        "ORDER BY src.name, (SELECT min(ordinal) FROM segments WHERE speaker_id = sp.id), sp.id").fetchall()
    for speaker_id, label, pid in rows:
        if pid is None:
            unlinked[speaker_id] = f"Speaker {len(unlinked) + 1}"
        if looks_like_name(label):
            for form in name_forms(label):
                replacements.setdefault(form, (pseudonyms.get(pid) if pid else None) or MASK)
    for value in redacted:
        replacements.setdefault(value, REDACTED)
    names = [r[0] for r in db.execute("SELECT name FROM sources ORDER BY name, id")]
    sources = {name: f"Source {number}" for number, name in enumerate(names, start=1)}
    for name, shown in sources.items():
        # A file name (interview_maria_jansen.txt) may hold a name in any form, so it goes
        # wherever it appears; a plain word ("notes") is only replaced where it names the source.
        if re.search(r"[\d._-]", name):
            replacements[nfc(name)] = shown
    # A name that is also somebody's pseudonym stays as it is (it is already the output).
    for shown in participants.values():
        for form in [f for f, r in replacements.items() if r == shown and _key(f) == _key(shown)]:
            del replacements[form]
    return Pseudonymiser(participants=participants, unlinked=unlinked, replacements=replacements,
                         hidden=HIDDEN_ATTRIBUTES | identifying, sources=sources)


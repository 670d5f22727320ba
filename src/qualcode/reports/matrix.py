"""Code × attribute matrix (NVivo's matrix coding query).

Rows are codes (rolled up the tree like the theme report), columns the values of one
attribute, cells the number of distinct coded *units* — segments (default), participants or
sources — whose attribute has that value. Percentages: ``row`` divides by the code's total
(units coded with it whatever the value), ``column`` by the number of units of that kind
with the value in the whole project (e.g. the share of the residents' turns coded with
the code), so groups of different size can be compared.

Attributes are looked up by name: a participant attribute (role, training_year, …), a
source attribute (``--attr`` at ingest, a sources file: site, date, …) or ``group`` (the
source group). A name that is both a participant and a source attribute is refused as
ambiguous: ``participant.NAME`` or ``source.NAME`` says which one. ``participant`` and
``source`` alone give one column per participant or source. ``speaker.role`` is the speaker's
role (facilitator or participant), and so is ``role`` without a participant attribute of that
name; a report titles the two apart ("speaker role", "role attribute"), since a
participants file's ``role`` column often holds a job (resident, nurse) rather than a role.

Facilitators' turns are not in the bases, and facilitators are not counted as participants,
unless ``include_facilitators``; a coding someone made on a facilitator's turn still counts
as a coded segment (and source).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from itertools import repeat
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from qualcode.errors import QualcodeError
from qualcode.reports.coded import Segments, code_masks, reading_once, segment_arrays, segment_table
from qualcode.reports.common import code_tree, descendants
from qualcode.reports.pseudonymise import HIDDEN_ATTRIBUTES, load_pseudonymiser

if TYPE_CHECKING:
    import numpy as np
    from sqlite_utils import Database

NONE = "(none)"
UNITS = ("segments", "participants", "sources")
PERCENTS = ("none", "row", "column")
SPEAKER_ROLE = "speaker.role"   # the speaker's role, whatever the participants' attributes are called


@dataclass
class MatrixRow:
    code_id: str
    name: str
    depth: int
    counts: dict[str, int]
    total: int
    percent: dict[str, float] | None = None


@dataclass
class MatrixReport:
    attribute: str
    unit: str
    values: list[str]
    bases: dict[str, int]          # units of this kind per value, in the whole project
    rows: list[MatrixRow]
    percent: str
    include_suggested: bool
    include_facilitators: bool = False
    title: str = ""                # the attribute as titles name it (attribute_title)

    def __post_init__(self) -> None:
        self.title = self.title or self.attribute


def attribute_names(db: "Database") -> tuple[set[str], set[str]]:
    """Attribute names in use: (participant attributes, source attributes)."""
    people = {k for (a,) in db.execute("SELECT attributes FROM participants") for k in json.loads(a or "{}")}
    sources = {k for (a,) in db.execute("SELECT attributes FROM sources") for k in json.loads(a or "{}")}
    return people - HIDDEN_ATTRIBUTES, sources


def value_sql(db: "Database", attribute: str) -> str:
    """The SQL expression giving a segment's value of ``attribute`` (aliases s, sp, p, src)."""
    people, sources = attribute_names(db)
    if attribute == SPEAKER_ROLE:
        return "sp.role"
    kind, _, key = attribute.partition(".") if attribute.startswith(("participant.", "source.")) else ("", "", attribute)
    if not kind and key in ("participant", "source"):
        return "COALESCE(sp.participant_id, 'speaker:' || sp.id)" if key == "participant" else "src.name"
    quoted = '$."' + key.replace('"', '') + '"'
    in_sources = key in sources or (key == "group" and _has_groups(db))
    if not kind and key in people and in_sources:
        raise QualcodeError(f"'{key}' is both a participant attribute and a source attribute; say which: "
                            f"--by participant.{key} or --by source.{key}")
    if kind in ("", "participant") and key in people:
        return f"json_extract(p.attributes, '{quoted}')"
    if kind in ("", "source") and key in sources:
        return f"json_extract(src.attributes, '{quoted}')"
    if kind in ("", "source") and key in ("group", "source_group"):
        return "src.source_group"
    if not kind and key == "role":
        return "sp.role"  # the speaker's role, when no participant attribute is called role
    known = sorted(people | {f"source.{s}" for s in sources} | {"group", "participant", "source", SPEAKER_ROLE}
                   | ({"role"} if not people & {"role"} else set()))
    raise QualcodeError(f"unknown attribute '{attribute}'; choose one of: {', '.join(known)}")


def attribute_title(db: "Database", attribute: str) -> str:
    """How a report names ``attribute`` in its titles: the speaker's role is "speaker role" and a
    participant attribute called role is "role attribute", so that a researcher
    never takes one for the other; any other name as given."""
    if attribute == SPEAKER_ROLE:
        return "speaker role"
    if attribute == "participant.role" or (attribute == "role" and "role" in attribute_names(db)[0]):
        return "role attribute"
    return "speaker role" if attribute == "role" else attribute


def _has_groups(db: "Database") -> bool:
    return db.execute("SELECT 1 FROM sources WHERE source_group IS NOT NULL LIMIT 1").fetchone() is not None


def _label(value: object) -> str:
    if value is None or value == "":
        return NONE
    return str(value)


@reading_once
def matrix_report(db: "Database", attribute: str, *, unit: str = "segments", percent: str = "none",
                  include_suggested: bool = False, pseudonymise: bool = False,
                  include_facilitators: bool = False) -> MatrixReport:
    if unit not in UNITS:
        raise QualcodeError(f"unknown unit '{unit}'; choose one of: {', '.join(UNITS)}")
    if percent not in PERCENTS:
        raise QualcodeError(f"unknown percentage '{percent}'; choose one of: {', '.join(PERCENTS)}")
    import numpy as np  # counting in arrays, not Python sets: see reports/coded.py

    tree = code_tree(db)
    direct = code_masks(db, include_suggested=include_suggested, include_facilitators=include_facilitators)
    below = descendants(tree)
    table = segment_table(db)
    value = _segment_values(db, attribute, table, _shower(db, attribute, pseudonymise))
    speech = segment_arrays(db).counted(include_facilitators)
    labels = list(dict.fromkeys(value))
    number = {v: k for k, v in enumerate(labels)}
    value_no = np.fromiter(map(number.__getitem__, value), dtype=np.int64, count=len(value))
    # The units a cell counts: segments, or the distinct (value, unit) pairs of participants
    # or sources, each pair a number (value × span + unit): a code's cells are one np.unique.
    unit_no, span = None, 0
    if unit == "segments":
        bases = _by_value(value_no[speech], labels)
    else:
        arrays = segment_arrays(db)
        unit_no = (arrays.who if unit == "participants" else arrays.source) + 1
        span = int(unit_no.max(initial=0)) + 1
        bases = _by_value(np.unique(value_no[speech] * span + unit_no[speech]) // span, labels)
    people_only = unit == "participants" and not include_facilitators

    def cells(mask: "np.ndarray | None") -> tuple[Counter[str], int]:
        if mask is None or not mask.any():
            return Counter(), 0
        if unit_no is None:
            return _by_value(value_no[mask], labels), int(np.count_nonzero(mask))
        if people_only:  # facilitators are not participants
            mask = mask & ~segment_arrays(db).facilitator
        pairs = np.unique(value_no[mask] * span + unit_no[mask])
        return _by_value(pairs // span, labels), int(np.unique(pairs % span).size)

    def rolled(node_id: str) -> "np.ndarray | None":
        parts = [direct[c] for c in sorted(below.get(node_id, {node_id})) if c in direct]
        return np.logical_or.reduce(parts) if len(parts) > 1 else (parts[0] if parts else None)

    by_node = {node.id: cells(rolled(node.id)) for node in tree}
    values = sorted({v for c, _t in by_node.values() for v in c} | set(bases), key=lambda v: (v == NONE, v))
    out = []
    for node in tree:
        if node.status != "active" and node.id not in direct:
            continue
        found, total = by_node[node.id]
        counts = {v: found.get(v, 0) for v in values}
        out.append(MatrixRow(node.id, node.name, node.depth, counts, total, _percent(counts, total, bases, percent)))
    return MatrixReport(attribute, unit, values, {v: bases.get(v, 0) for v in values}, out, percent,
                        include_suggested, include_facilitators, attribute_title(db, attribute))


def _by_value(numbers: "np.ndarray", labels: list[str]) -> Counter[str]:
    """How many times each value's number occurs, by its label (values that occur only)."""
    import numpy as np

    return Counter({labels[v]: int(n) for v, n in enumerate(np.bincount(numbers, minlength=len(labels))) if n})


def _segment_values(db: "Database", attribute: str, table: Segments, show: Callable[[object], str]) -> list[str]:
    """Each segment's value of ``attribute``, as shown. The value depends only on the source
    and the speaker, so it is read once per speaker (and once per source for turns without
    one), not once per segment; the segments then take theirs without a Python loop."""
    expr = value_sql(db, attribute)
    shown: dict[object, str] = {}

    def label(v: object) -> str:
        if v not in shown:
            shown[v] = show(v)
        return shown[v]
    speaker_source: dict[int | None, int] = {}  # each speaker's own source (None is never a key)
    speaker_label: dict[int | None, str] = {}
    for spk, src, v in db.execute(f"SELECT sp.id, src.id, {expr} FROM speakers sp JOIN sources src ON src.id = "
                                  "sp.source_id LEFT JOIN participants p ON p.id = sp.participant_id"):
        speaker_source[spk], speaker_label[spk] = src, label(v)
    source_label = {src: label(v) for src, v in db.execute(  # turns without a speaker: sp and p are NULL
        f"SELECT src.id, {expr} FROM sources src, (SELECT NULL AS id, NULL AS participant_id, NULL AS role) sp, "
        "(SELECT NULL AS attributes) p")}
    value = list(map(source_label.get, table.source, repeat(NONE)))  # NONE: an id that is no segment
    if list(map(speaker_source.get, table.speaker, table.source)) == table.source:
        return list(map(speaker_label.get, table.speaker, value))  # every speaker speaks in their own source
    elsewhere: dict[tuple[int, int], str] = {}  # a speaker of another source: not made by ingest, but possible
    for seg, (spk, src) in enumerate(zip(table.speaker, table.source)):
        if spk is None:
            continue
        if speaker_source[spk] == src:
            value[seg] = speaker_label[spk]
            continue
        if (spk, src) not in elsewhere:
            elsewhere[(spk, src)] = label(db.execute(
                f"SELECT {expr} FROM sources src JOIN speakers sp ON sp.id = ? "
                "LEFT JOIN participants p ON p.id = sp.participant_id WHERE src.id = ?", [spk, src]).fetchone()[0])
        value[seg] = elsewhere[(spk, src)]
    return value


def _shower(db: "Database", attribute: str, pseudonymise: bool) -> Callable[[object], str]:
    """How a raw value is shown: participants by id (unlinked speakers by label), or, when
    pseudonymising, by pseudonym; names inside other values masked."""
    pz = load_pseudonymiser(db) if pseudonymise else None
    if attribute == "source" and pz:
        return lambda val: pz.source(_label(val))
    if attribute != "participant":
        return (lambda val: pz.text(_label(val))) if pz else _label
    labels = {f"speaker:{i}": (pz.speaker(lab, None, i) if pz else lab) or NONE
              for i, lab in db.execute("SELECT id, label FROM speakers")}

    def person(val: object) -> str:
        text = str(val)
        if text in labels:
            return labels[text]
        return (pz.participant(text) if pz else text) or NONE
    return person


def _percent(counts: dict[str, int], total: int, bases: Counter[str], how: str) -> dict[str, float] | None:
    if how == "none":
        return None
    if how == "row":
        return {v: round(100 * n / total, 1) if total else 0.0 for v, n in counts.items()}
    return {v: round(100 * n / bases[v], 1) if bases.get(v) else 0.0 for v, n in counts.items()}

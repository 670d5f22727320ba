"""Fast access to "which segments carry which code" for the reports.

Every report starts from the same facts: for each code (and, for agreement, each coder),
the set of segments coded with it; and, for each segment, its source and who spoke it.
Fetching one row per coding into Python is what makes reports slow on big projects, so
the segment ids come from one aggregate query (``group_concat`` over the covering index
``codings_report``, migration m005) and are parsed in C into numpy arrays; the rest is
array algebra over boolean arrays indexed by segment id (:func:`code_masks`,
:func:`segment_arrays`), with Python sets only where a report needs a few segments
(quotes' candidates, agreement's disagreements). Reports built together (``report html``)
share that query, the segment table and the arrays (:func:`shared_reads`). A coding that spans several turns (imported from another tool,
``segment_id`` NULL) counts in every segment it overlaps.

Facilitators (issue 14): unless a report includes them, a suggestion accepted on a
facilitator's turn does not count (suggest no longer makes those; older projects have
some), while a coding someone made by hand, imported or merged there is deliberate and
counts. Who counts as a speaker is the reports' business (:meth:`SegmentArrays.speakers_in`).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, ParamSpec, TypeVar

from qualcode.reports.beside import Beside
from qualcode.reports.common import status_clause

if TYPE_CHECKING:
    from sqlite_utils import Database
    import numpy as np


_shared: dict[tuple[object, ...], Any] | None = None
P = ParamSpec("P")
R = TypeVar("R")


@contextlib.contextmanager
def shared_reads() -> Iterator[None]:
    """Within this block, reports built together (``report html``) read the coded sets and
    the segment table once. Results are shared, so callers must not change them in place."""
    global _shared
    outer = _shared
    _shared = {} if outer is None else outer
    try:
        yield
    finally:
        _shared = outer


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a report builds a hundred thousand rows (tuples of
    strings and numbers, which hold no cycles): each collection would walk all of them again,
    about a sixth of the agreement report's time. Back to what it was on the way out."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def reading_once(report: Callable[P, R]) -> Callable[P, R]:
    """Build ``report`` inside :func:`shared_reads`, so that the helpers it calls (the coded
    sets, their arrays, the segment table and its arrays) read the project once between them."""
    @functools.wraps(report)
    def build(*args: P.args, **kwargs: P.kwargs) -> R:
        with shared_reads():
            return report(*args, **kwargs)
    return build


def _ids(text: str | None) -> list[int]:
    return json.loads(f"[{text}]") if text else []


def _cached(key: tuple[object, ...]) -> Any:
    return _shared.get(key) if _shared is not None else None


def _keep(key: tuple[object, ...], value: Any) -> None:
    if _shared is not None:
        _shared[key] = value


def _read_ids(db: "Database", include_suggested: bool,
              include_facilitators: bool = False) -> dict[tuple[str, str | None], "np.ndarray"]:
    """{(code id, coder): segment ids, maybe repeated} for every coder (None: suggestions
    nobody decided). Arrays parsed in C (numpy; no Python number per coding), not sets: each
    caller builds the sets or masks it needs from them once."""
    import numpy as np

    cache_key = ("ids", id(db), include_suggested, include_facilitators)
    cached = _cached(cache_key)
    if cached is not None:
        return cached
    status = status_clause(include_suggested)
    # Grouping by code and coder follows the index order (status, code_id, coder, segment_id),
    # so SQLite streams it.
    unindexed = status.replace("c.status", "+c.status")  # few codings lack a segment: use segment_id's index
    # The biggest read of every report: the codes' first half here, the second beside it (on
    # the second core; both halves walk the same index, each its own part of it).
    query = ("SELECT c.code_id, c.coder, group_concat(c.segment_id) FROM codings c "
             f"WHERE {status} AND c.segment_id IS NOT NULL AND c.code_id {{}} ? GROUP BY 1, 2")
    codes = sorted(code for (code,) in db.execute("SELECT id FROM codes"))
    middle = codes[len(codes) // 2] if codes else ""
    second = Beside(db, query.format(">="), [middle])
    out = {(code_id, coder): _array(segs) for code_id, coder, segs in db.execute(query.format("<"), [middle])}
    out.update({(code_id, coder): _array(segs) for code_id, coder, segs in second.rows()})
    across: dict[tuple[str, str | None], list[int]] = {}
    for code_id, coder, seg in db.execute(
            f"SELECT c.code_id, c.coder, s.id FROM codings c JOIN segments s ON s.source_id = c.source_id "
            f"AND s.start < c.end AND s.end > c.start WHERE c.segment_id IS NULL AND {unindexed}"):
        across.setdefault((code_id, coder), []).append(seg)
    for key, segs in across.items():
        out[key] = np.concatenate((out.get(key, _array(None)), np.array(segs, dtype=np.int64)))
    if not include_facilitators:
        for key, drop in _machine_codings_of_facilitators(db, status).items():
            if key in out:
                out[key] = out[key][~np.isin(out[key], list(drop))]
    _keep(cache_key, out)
    return out


def coded_arrays(db: "Database", *, include_suggested: bool = False,
                 include_facilitators: bool = False) -> dict[tuple[str, str | None], "np.ndarray"]:
    """{(code id, coder): the segment ids coded, an array, maybe with repeats}; shared like
    the rest (callers must not change the arrays in place)."""
    return _read_ids(db, include_suggested, include_facilitators)


def _array(text: str | None) -> "np.ndarray":
    """The numbers of a ``group_concat`` (comma-separated integers) as an array."""
    import numpy as np

    return np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, dtype=np.int64)


def _machine_codings_of_facilitators(db: "Database", status: str) -> dict[tuple[str, str | None], set[int]]:
    """{(code, coder): facilitator turns whose only such codings came from suggest}. Read from
    the facilitators' segments (few), not from the codings."""
    out: dict[tuple[str, str | None], set[int]] = {}
    for code_id, coder, seg in db.execute(
            # CROSS JOIN fixes the order: facilitators, their turns (segments_speaker), then
            # those turns' codings (codings_segment), never a scan of every coding.
            f"SELECT c.code_id, c.coder, c.segment_id FROM speakers sp CROSS JOIN segments s ON s.speaker_id = sp.id "
            f"CROSS JOIN codings c ON c.segment_id = s.id WHERE sp.role = 'facilitator' AND {status} "
            "GROUP BY 1, 2, 3 HAVING max(c.origin != 'suggest') = 0"):
        out.setdefault((code_id, coder), set()).add(seg)
    return out


@dataclass
class Segments:
    """Per segment id (list index): its source id, who spoke it, whether it is speech, its
    speaker id (None when it has none, or the speaker is missing) and whether a facilitator
    spoke it."""

    source: list[int]
    who: list[str]
    speech: list[bool]
    speaker: list[int | None]
    facilitator: list[bool] = field(default_factory=list)

    def counted(self, include_facilitators: bool = False) -> list[int]:
        """The segments a report counts in its totals: speech, by participants unless asked."""
        if include_facilitators:
            return [seg for seg, is_speech in enumerate(self.speech) if is_speech]
        return [seg for seg, (is_speech, fac) in enumerate(zip(self.speech, self.facilitator)) if is_speech and not fac]


# Four columns as four strings parsed in C: faster than a Python loop over a row per segment.
_SEGMENT_COLUMNS = ("SELECT group_concat(id), group_concat(source_id), group_concat(ifnull(speaker_id, 'null')), "
                    "group_concat(kind = 'speech') FROM segments")


def read_segments_beside(db: "Database") -> Beside | None:
    """The segment table's read started beside the caller's next reads (pass it to
    :func:`segment_table`), or None when the table is read already."""
    return None if _cached(("segments", id(db))) is not None else Beside(db, _SEGMENT_COLUMNS)


def segment_table(db: "Database", reading: Beside | None = None) -> Segments:
    """``reading``: what :func:`read_segments_beside` started."""
    key = ("segments", id(db))
    cached = _cached(key)
    if cached is not None:
        return cached
    people: dict[int, str] = {}
    facilitators: set[int] = set()
    for sid, pid, role in db.execute("SELECT id, participant_id, role FROM speakers"):
        people[sid] = f"p:{pid}" if pid is not None else f"s:{sid}"
        if role == "facilitator":
            facilitators.add(sid)
    ids_text, sources_text, speakers_text, speech_text = (
        reading.rows() if reading is not None else db.execute(_SEGMENT_COLUMNS).fetchall())[0]
    ids, sources, speech = (_array(text).tolist() for text in (ids_text, sources_text, speech_text))
    speakers = _ids(speakers_text)  # null where a turn has no speaker
    # Maps in C, not a Python loop per segment (a fifth of a report at a million codings); a
    # loop only where turns have no speaker (or one that is missing).
    speaker = speakers if set(speakers) <= people.keys() | {None} else [
        spk if spk in people else None for spk in speakers]
    found: list[str | None] = list(map(people.get, speaker))  # type: ignore[arg-type]  # None: no speaker
    who: list[str] = ([person if person is not None else f"n:{src}" for person, src in zip(found, sources)]
                      if None in found else found)  # type: ignore[assignment]
    facilitator = list(map(facilitators.__contains__, speaker)) if facilitators else [False] * len(speaker)
    table = Segments([0], [""], [False], [None], [False])  # index 0: no segment has id 0
    if ids == list(range(1, len(ids) + 1)):  # the usual case: no segment ever deleted
        table.source += sources
        table.who += who
        table.speech += map(bool, speech)
        table.speaker += speaker
        table.facilitator += facilitator
    elif ids:
        top = max(ids)
        table = Segments([0] * (top + 1), [""] * (top + 1), [False] * (top + 1), [None] * (top + 1),
                         [False] * (top + 1))
        for seg, src, person, is_speech, spk, fac in zip(ids, sources, who, speech, speaker, facilitator):
            table.source[seg], table.who[seg], table.speech[seg], table.speaker[seg] = src, person, bool(is_speech), spk
            table.facilitator[seg] = fac
    _keep(key, table)
    return table


def segment_table_if_read(db: "Database") -> Segments | None:
    """The segment table when reports built together have read it already, else None."""
    found: Segments | None = _cached(("segments", id(db)))
    return found


def code_masks(db: "Database", *, include_suggested: bool = False,
               include_facilitators: bool = False) -> dict[str, "np.ndarray"]:
    """{code id: a boolean array over segment ids (the indices of :func:`segment_table`), true
    where anyone (or a pending suggestion) coded the segment with the code}.
    Counting the segments, sources or speakers of a code (or of a theme: the ``|`` of its
    codes' arrays) is then a few passes in numpy instead of a Python loop per coded segment,
    which is what made the reports grow slow with the codings. One byte per segment and code."""
    import numpy as np

    cache_key = ("masks", id(db), include_suggested, include_facilitators)
    cached = _cached(cache_key)
    if cached is not None:
        return cached
    reading = read_segments_beside(db)  # the two biggest reads of a report, side by side
    ids = _read_ids(db, include_suggested, include_facilitators)
    size = len(segment_table(db, reading).source)
    out: dict[str, np.ndarray] = {}
    for (code_id, _coder), segs in ids.items():
        mask = out.get(code_id)
        if mask is None:
            mask = out[code_id] = np.zeros(size, dtype=bool)
        # A turn ingested since the segment table was read (by another process, meanwhile) is left out.
        mask[segs[segs < size] if len(segs) and segs.max() >= size else segs] = True
    _keep(cache_key, out)
    return out


@dataclass
class SegmentArrays:
    """The segment table's columns as numpy arrays (index: segment id): the source, and who
    spoke it as a number (-1: nobody to count: not a segment, or a facilitator's turn in
    ``people``)."""

    source: "np.ndarray"
    who: "np.ndarray"       # every speaker, facilitators too
    people: "np.ndarray"    # facilitators' turns -1
    facilitator: "np.ndarray"
    speech: "np.ndarray"

    def counted(self, include_facilitators: bool = False) -> "np.ndarray":
        """The segments a report counts in its totals (as :meth:`Segments.counted`)."""
        import numpy as np

        return np.flatnonzero(self.speech if include_facilitators else self.speech & ~self.facilitator)

    def sources_in(self, mask: "np.ndarray") -> int:
        """How many sources the segments in ``mask`` come from."""
        import numpy as np

        return int(np.count_nonzero(np.bincount(self.source[mask]))) if mask.any() else 0

    def speakers_in(self, mask: "np.ndarray", include_facilitators: bool = False) -> int:
        """How many people spoke the segments in ``mask``; facilitators only when asked for."""
        import numpy as np

        who = (self.who if include_facilitators else self.people)[mask]
        return int(np.count_nonzero(np.bincount(who + 1)[1:])) if len(who) else 0


def segment_arrays(db: "Database") -> SegmentArrays:
    import numpy as np

    key = ("segment arrays", id(db))
    cached = _cached(key)
    if cached is not None:
        return cached
    table = segment_table(db)
    numbers = {w: k for k, w in enumerate(dict.fromkeys(table.who))}
    who = np.fromiter(map(numbers.__getitem__, table.who), dtype=np.int64, count=len(table.who))
    if "" in numbers:  # no segment with this id
        who[who == numbers[""]] = -1
    facilitator = np.array(table.facilitator, dtype=bool)
    arrays = SegmentArrays(np.array(table.source, dtype=np.int64), who, np.where(facilitator, -1, who), facilitator,
                           np.array(table.speech, dtype=bool))
    _keep(key, arrays)
    return arrays

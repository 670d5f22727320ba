"""Importing a library without the optional heavy libraries it would pull in for nothing.

Two libraries import another one whenever it is installed, only to record that it is there:
- thinc (spaCy's machine-learning library) imports **torch** in ``thinc/compat.py``.
  qualcode's default pipeline (a tokenizer, lookup lemmas and matchers) never uses it, but
  the semantic extra installs torch, and then every command that imports spaCy (``suggest``,
  ``evaluate``, ``codebook load`` of a codebook with patterns) would spend about two seconds
  of CPU importing it.
- sqlite-utils imports **pandas** and **numpy** in ``sqlite_utils/db.py``, only to map their
  scalar types to column types when it creates a table from values, which qualcode never
  does (its tables come from the migrations). pandas is installed for the agreement
  statistics (krippendorff), and then every command that opens a project would spend about
  half a second importing them.

Every spaCy and sqlite-utils import in qualcode goes through :func:`import_spacy` and
:func:`import_sqlite_utils` first. The module imports nothing of ours, so any part may use it.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


def import_hiding(name: str, *hidden: str) -> ModuleType:
    """Module ``name``, imported (the first time) as if the ``hidden`` modules were not installed.

    While ``name`` is first imported, ``sys.modules[h] = None`` makes ``import h`` raise
    ImportError (Python's documented meaning of a None entry); the entries are removed
    afterwards, so the rest of the process imports them as usual. A hidden module already
    imported is left alone: there is nothing to save."""
    if name in sys.modules:
        return importlib.import_module(name)
    blocked = [h for h in hidden if h not in sys.modules]
    for h in blocked:
        sys.modules[h] = None  # type: ignore[assignment]
    try:
        return importlib.import_module(name)
    finally:
        for h in blocked:
            if sys.modules.get(h, False) is None:
                del sys.modules[h]


def import_spacy(*, torch: bool = False) -> ModuleType:
    """spaCy, imported (the first time) without letting thinc import torch. ``torch=True``
    (a ``--model`` pipeline, which may wrap a PyTorch model) imports spaCy as it is: thinc
    then sees torch. A pipeline that needs torch cannot be loaded in a process that already
    imported spaCy without it."""
    if torch:
        import spacy

        return spacy
    return import_hiding("spacy", "torch")


def import_sqlite_utils() -> ModuleType:
    """sqlite-utils, imported (the first time) without letting it import pandas and numpy."""
    return import_hiding("sqlite_utils", "pandas", "numpy")

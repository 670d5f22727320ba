"""Importing spaCy without torch.

thinc (spaCy's machine-learning library) imports torch in ``thinc/compat.py`` whenever it is
installed, only to record whether it is there. qualcode's default pipeline (a tokenizer,
lookup lemmas and matchers) never uses it, but the semantic extra installs torch, and then
every command that imports spaCy (``suggest``, ``evaluate``, ``codebook load`` of a codebook
with patterns) would spend about two seconds of CPU importing it. Every spaCy import in
qualcode goes through :func:`import_spacy` first. The module imports nothing of ours, so
that both ``codebook/`` and ``nlp/`` may use it.
"""

from __future__ import annotations

import sys
from types import ModuleType


def import_spacy(*, torch: bool = False) -> ModuleType:
    """spaCy, imported (the first time) without letting thinc import torch.

    While spaCy is first imported, ``sys.modules["torch"] = None`` makes thinc's
    ``import torch`` raise ImportError as if torch were absent (Python's documented meaning
    of a None entry); the entry is removed afterwards, so the semantic layer imports torch
    as usual. ``torch=True`` (a ``--model`` pipeline, which may wrap a PyTorch model)
    imports spaCy as it is: thinc then sees torch. A pipeline that needs torch cannot be
    loaded in a process that already imported spaCy without it."""
    if torch or "spacy" in sys.modules or "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy
    finally:
        if sys.modules.get("torch", False) is None:
            del sys.modules["torch"]
    return spacy

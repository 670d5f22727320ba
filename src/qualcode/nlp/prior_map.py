"""The prior map of ``nlp/probability.py``, written by benchmarks/fit_prior.py: do not edit.

Fitted on 26564 zero-shot suggestions (2705 right) with the semantic layer and on 52531 (3031 right) without it, of: serdif_usability utterances, serdif_usability sentences, pdpilot_interviews utterances, pdpilot_interviews sentences, scrum_quality utterances, scrum_quality sentences, paraphrase utterances (with the semantic layer: not scrum_quality sentences).
A suggestion is a shown code or, where a segment has none, its best code.
"""

# weights of layer score, first, keyword, name, others shown, codebook size, with the semantic layer
COEF = (0.1431, 0.7944, -2.1283, 0.4293, 0.0579, -1.2872)
INTERCEPT = 2.1365
SUGGESTIONS = 26564
ACCEPTED = 2705
# ... and without it
LEXICAL_COEF = (0.1837, 0.4419, -2.6432, 0.1311, 0.2335, -1.4507)
LEXICAL_INTERCEPT = 3.2099
LEXICAL_SUGGESTIONS = 52531
LEXICAL_ACCEPTED = 3031

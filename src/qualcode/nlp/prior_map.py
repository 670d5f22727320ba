"""The prior map of ``nlp/probability.py``, written by benchmarks/fit_prior.py: do not edit.

Fitted on 27607 zero-shot suggestions (1405 right) of: serdif_usability utterances, serdif_usability sentences, pdpilot_interviews utterances, pdpilot_interviews sentences, scrum_quality utterances, scrum_quality sentences, paraphrase utterances.
"""

# weights of layer score, first, keyword, name, others shown, codebook size
COEF = (0.1281, 0.0752, -0.2327, 0.4355, -0.0871, -0.8564)
INTERCEPT = 1.0531
SUGGESTIONS = 27607
ACCEPTED = 1405

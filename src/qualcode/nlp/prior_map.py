"""The prior map of ``nlp/probability.py``, written by benchmarks/fit_prior.py: do not edit.

Fitted on 39014 zero-shot suggestions (1902 right) of: serdif_usability utterances, serdif_usability sentences, pdpilot_interviews utterances, pdpilot_interviews sentences, scrum_quality utterances, scrum_quality sentences, paraphrase utterances.
"""

# weights of layer score, first, keyword, name, others shown, codebook size
COEF = (0.0455, 0.2493, 0.2532, 1.8959, -0.2618, -1.1255)
INTERCEPT = 1.4001
SUGGESTIONS = 39014
ACCEPTED = 1902

"""Known false alarms of the zero-shot layers (issue 15.4): a negated keyword, a generic or
shared word of a code's name, and a segment that matches what a code's `exclude` sends
elsewhere. Each would be suggested without its rule."""

from __future__ import annotations

from typing import Any

import pytest

from qualcode.codebook.model import Code

FILLER = [  # unrelated turns, so that the corpus statistics (IDF, backgrounds) are not degenerate
    "We met on Tuesday in the seminar room after the morning lecture.",
    "The parking was full again so I came by bus.",
    "Somebody brought cake for the birthday of the ward clerk.",
    "The new monitors arrived in the resuscitation bay last week.",
    "My pager battery died halfway through the afternoon.",
    "We should book the room earlier next month.",
]


def table(codes: list[Code], texts: list[str]) -> Any:
    from qualcode.nlp.analysis import analyse
    from qualcode.nlp.engine import score_segments
    from qualcode.nlp.lexical import LexicalMatcher
    from qualcode.nlp.pipeline import make_pipeline

    nlp = make_pipeline("en")
    texts = [*texts, *FILLER]
    analysed = list(analyse(nlp, LexicalMatcher(nlp, codes), texts))
    return score_segments(nlp, codes, analysed, ["doc"] * len(texts))


def suggested(codes: list[Code], texts: list[str]) -> list[set[str]]:
    t = table(codes, texts)
    return [t.suggested_codes(i) for i in range(len(texts))]


COPING = Code(id="coping", name="Maladaptive coping", keywords=["drink", "alcohol"],
              description="Harmful ways of getting through, such as alcohol or withdrawing.")


@pytest.mark.parametrize(("text", "expected"), [
    ("I don't drink at all anymore.", set()),
    ("I never drink during a run of nights.", set()),
    ("I had no alcohol in the house for a year.", set()),
    ("I drink most nights after a shift.", {"coping"}),
    ("I couldn't stop drinking after that shift.", {"coping"}),  # the negation is of "stop"
    ("It's not that bad, I drink every night though.", {"coping"}),  # the comma ends its scope
])
def test_a_negated_keyword_counts_against_the_code(text: str, expected: set[str]) -> None:
    assert suggested([COPING], [text])[0] == expected


def test_negated_evidence_is_marked_and_scores_below_zero() -> None:
    from qualcode.nlp.analysis import analyse
    from qualcode.nlp.lexical import LexicalMatcher
    from qualcode.nlp.pipeline import make_pipeline

    nlp = make_pipeline("en")
    [a] = analyse(nlp, LexicalMatcher(nlp, [COPING]), ["I don't drink at all anymore."])
    hit = a.lexical["coping"]
    assert hit["score"] < 0
    assert hit["evidence"][0]["negated"] is True and "counts against" in hit["evidence"][0]["reason"]


def test_generic_words_of_a_code_name_do_not_suggest_it() -> None:
    codes = [Code(id="barriers", name="Barriers to sharing"), Code(id="coping", name="Maladaptive coping"),
             Code(id="mentor", name="Mentor as role model")]
    texts = ["Thank you for sharing that with us.", "How do you all cope on your days off?",
             "She is a real mentor to me."]
    assert suggested(codes, texts)[:3] == [set(), set(), {"mentor"}]


def test_a_theme_prefix_every_code_of_a_family_shares_counts_little() -> None:
    family = {"exhaustion": "Feeling drained and worn out.", "cynicism": "Detached and cynical about patients.",
              "inefficacy": "Feeling that one's work achieves nothing."}
    codes = [Code(id=word, name=f"Burnout {word}", description=text) for word, text in family.items()]
    # apart, so that neither turn is the other's context
    texts = ["People talk about burnout all the time now.", *FILLER[:3], "The exhaustion after nights is unreal."]
    t = table(codes, texts)
    assert t.suggested_codes(0) == set()  # "burnout" alone is in every name
    assert t.suggested_codes(4) == {"exhaustion"}
    assert not t.sim.name_own[0].any() and t.sim.name_own[4, 0]  # no code's own name word in the first


def test_a_segment_matching_the_codes_exclude_is_demoted() -> None:
    description = "Residents feel drained, worn out and empty after shifts."
    plain = Code(id="exhaustion", name="Emotional exhaustion", description=description, keywords=["worn out"])
    excluding = Code(id="exhaustion", name="Emotional exhaustion", description=description, keywords=["worn out"],
                     exclude="Missing family events, weddings and holidays because of shifts (use work-life conflict).")
    text = "I felt empty and worn out after missing the family wedding because of shifts."
    before, after = table([plain], [text]), table([excluding], [text])
    assert after.zero_shot[0, 0] < before.zero_shot[0, 0] - 0.1
    assert before.suggested_codes(0) == {"exhaustion"} and after.suggested_codes(0) == set()
    assert any(e["kind"] == "exclude" for e in after.evidence(0, 0))

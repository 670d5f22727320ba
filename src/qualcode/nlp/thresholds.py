"""When the learned layer may score a code: enough of the researcher's own decisions.

Shared by the suggestion engine (which trains only then) and the review (which shows which
codes it has learned enough for)."""

MIN_ACCEPTED = 5
MIN_REJECTED = 5

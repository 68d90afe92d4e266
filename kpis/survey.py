"""Survey-derived KPI values from raw score distributions. Pure: no Django imports.

A distribution is either an iterable of individual scores or a mapping ``{score: count}``.

- NPS: % of promoters (9–10) minus % of detractors (0–6) on a 0–10 scale; range −100..100.
- CSAT: share of satisfied answers (4–5) on a 1–5 scale, in percent.
- CES: mean effort score on a 1–7 scale (lower effort is better).
"""

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportion_confint, proportions_ztest
from statsmodels.stats.weightstats import DescrStatsW

from kpis.stats.common import Result

NPS_SCALE = range(11)
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6
CSAT_SCALE = range(1, 6)
CSAT_SATISFIED_MIN = 4
CES_SCALE = range(1, 8)

MSG_EMPTY = "No survey answers: the score is undefined, not zero."
MSG_OUT_OF_SCALE = "Score {score} is outside the {name} scale {low}–{high}."
MSG_BAD_COUNT = "Count for score {score} must be a non-negative whole number."


class SurveyInputError(ValueError):
    """Answers the score cannot be computed from; ``template`` and ``params`` let a caller word the
    message in another language (this module stays free of Django)."""

    def __init__(self, template: str, **params):
        super().__init__(template.format(**params))
        self.template = template
        self.params = params


def _counts(scores: Iterable[int] | Mapping[int, int], *, scale: range, name: str) -> Counter:
    if isinstance(scores, Mapping):
        counts = Counter()
        for score, count in scores.items():
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise SurveyInputError(MSG_BAD_COUNT, score=score)
            counts[score] += count
    else:
        counts = Counter(scores)
    for score in counts:
        if isinstance(score, float) and (math.isnan(score) or not float(score).is_integer()):
            raise SurveyInputError(MSG_OUT_OF_SCALE, score=score, name=name, low=scale[0], high=scale[-1])
        if score not in scale:
            raise SurveyInputError(MSG_OUT_OF_SCALE, score=score, name=name, low=scale[0], high=scale[-1])
    if sum(counts.values()) == 0:
        raise SurveyInputError(MSG_EMPTY)
    return counts


def nps(scores: Iterable[int] | Mapping[int, int]) -> float:
    counts = _counts(scores, scale=NPS_SCALE, name="NPS")
    total = sum(counts.values())
    promoters = sum(c for s, c in counts.items() if s >= NPS_PROMOTER_MIN)
    detractors = sum(c for s, c in counts.items() if s <= NPS_DETRACTOR_MAX)
    return 100.0 * (promoters - detractors) / total


def csat(scores: Iterable[int] | Mapping[int, int]) -> float:
    counts = _counts(scores, scale=CSAT_SCALE, name="CSAT")
    total = sum(counts.values())
    satisfied = sum(c for s, c in counts.items() if s >= CSAT_SATISFIED_MIN)
    return 100.0 * satisfied / total


def ces(scores: Iterable[int] | Mapping[int, int]) -> float:
    counts = _counts(scores, scale=CES_SCALE, name="CES")
    total = sum(counts.values())
    return sum(s * c for s, c in counts.items()) / total


def sample_size(scores: Iterable[int] | Mapping[int, int]) -> int:
    if isinstance(scores, Mapping):
        return sum(scores.values())
    return sum(1 for _ in scores)


# --- Intervals and comparisons -------------------------------------------------------------------
# NPS = 100 (p₊ − p₋) with p₊, p₋ the shares of promoters and detractors of ONE sample: a
# difference of two multinomial shares, Var = (p₊ + p₋ − (p₊ − p₋)²) / n. CSAT is a binomial
# share (Wilson interval, statsmodels). CES is a mean (t interval, statsmodels' DescrStatsW with the
# counts as frequency weights). Two periods are independent samples: NPS by a z-test of the
# difference, CSAT by the two-proportion z-test (statsmodels), CES by Welch's t-test (scipy).

NPS = "nps"
CSAT = "csat"
CES = "ces"
SCALES = {NPS: NPS_SCALE, CSAT: CSAT_SCALE, CES: CES_SCALE}
DEFAULT_ALPHA = 0.05
W_TOO_FEW = "Fewer than 2 answers: the interval is undefined."
W_NO_SPREAD = "Every answer is the same: the spread is zero, so the interval and test are undefined."


@dataclass(frozen=True)
class SurveyScore(Result):
    kind: str
    n: int
    score: float
    ci_low: float | None
    ci_high: float | None
    std_error: float | None
    warnings: list[str]


@dataclass(frozen=True)
class SurveyComparison(Result):
    kind: str
    a: SurveyScore
    b: SurveyScore
    difference: float
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    method: str
    warnings: list[str]


def counts_of(kind: str, scores: Iterable[int] | Mapping[int, int]) -> dict[int, int]:
    """The answers as ``{score: count}`` over the kind's whole scale, checked (ValueError if not)."""
    counts = _counts(scores, scale=SCALES[kind], name=kind.upper())
    return {score: int(counts.get(score, 0)) for score in SCALES[kind]}


def _nps_parts(counts: Mapping[int, int]) -> tuple[int, float, float]:
    n = sum(counts.values())
    promoters = sum(c for s, c in counts.items() if s >= NPS_PROMOTER_MIN) / n
    detractors = sum(c for s, c in counts.items() if s <= NPS_DETRACTOR_MAX) / n
    return n, promoters, detractors


def _ces_stats(counts: Mapping[int, int]) -> DescrStatsW:
    scores = [s for s in counts if counts[s]]
    return DescrStatsW(
        np.array(scores, dtype=float), weights=np.array([counts[s] for s in scores], dtype=float)
    )


def survey_score(
    kind: str, scores: Iterable[int] | Mapping[int, int], *, alpha: float = DEFAULT_ALPHA
) -> SurveyScore:
    counts = counts_of(kind, scores)
    n = sum(counts.values())
    z = float(stats.norm.ppf(1 - alpha / 2))
    if kind == NPS:
        _, promoters, detractors = _nps_parts(counts)
        score = 100 * (promoters - detractors)
        se = 100 * math.sqrt(max(0.0, promoters + detractors - (promoters - detractors) ** 2) / n)
        if n < 2 or se == 0:
            return SurveyScore(kind, n, score, None, None, None, [W_TOO_FEW if n < 2 else W_NO_SPREAD])
        return SurveyScore(kind, n, score, max(-100.0, score - z * se), min(100.0, score + z * se), se, [])
    if kind == CSAT:
        satisfied = sum(c for s, c in counts.items() if s >= CSAT_SATISFIED_MIN)
        low, high = proportion_confint(satisfied, n, alpha=alpha, method="wilson")
        se = 100 * math.sqrt(satisfied / n * (1 - satisfied / n) / n)
        return SurveyScore(kind, n, 100 * satisfied / n, 100 * float(low), 100 * float(high), se, [])
    described = _ces_stats(counts)
    score = float(described.mean)
    if n < 2 or described.std == 0:
        return SurveyScore(kind, n, score, None, None, None, [W_TOO_FEW if n < 2 else W_NO_SPREAD])
    low, high = described.tconfint_mean(alpha=alpha)
    return SurveyScore(kind, n, score, float(low), float(high), float(described.std_mean), [])


def survey_compare(
    kind: str,
    a: Iterable[int] | Mapping[int, int],
    b: Iterable[int] | Mapping[int, int],
    *,
    alpha: float = DEFAULT_ALPHA,
) -> SurveyComparison:
    """Period ``b`` against period ``a``: difference b − a, its interval and the two-sided p-value."""
    first, second = survey_score(kind, a, alpha=alpha), survey_score(kind, b, alpha=alpha)
    counts_a, counts_b = counts_of(kind, a), counts_of(kind, b)
    difference = second.score - first.score
    z = float(stats.norm.ppf(1 - alpha / 2))
    if kind == CES:
        da, db = _ces_stats(counts_a), _ces_stats(counts_b)
        if first.std_error is None or second.std_error is None:
            return SurveyComparison(
                kind, first, second, difference, None, None, None, "welch_t", [W_NO_SPREAD]
            )
        # DescrStatsW's std divides by n; the t-test wants the sample standard deviation.
        sa, sb = (d.std * math.sqrt(d.nobs / (d.nobs - 1)) for d in (da, db))
        test = stats.ttest_ind_from_stats(db.mean, sb, db.nobs, da.mean, sa, da.nobs, equal_var=False)
        # Welch–Satterthwaite degrees of freedom for the interval of the difference.
        va, vb = sa**2 / da.nobs, sb**2 / db.nobs
        df = (va + vb) ** 2 / (va**2 / (da.nobs - 1) + vb**2 / (db.nobs - 1))
        half = float(stats.t.ppf(1 - alpha / 2, df)) * math.sqrt(va + vb)
        return SurveyComparison(
            kind,
            first,
            second,
            difference,
            difference - half,
            difference + half,
            float(test.pvalue),
            "welch_t",
            [],
        )
    if kind == CSAT:
        satisfied = [
            sum(c for s, c in counts.items() if s >= CSAT_SATISFIED_MIN) for counts in (counts_b, counts_a)
        ]
        with np.errstate(divide="ignore", invalid="ignore"):
            _, p_value = proportions_ztest(satisfied, [second.n, first.n])
        if not math.isfinite(p_value):
            return SurveyComparison(
                kind, first, second, difference, None, None, None, "two_proportion_z", [W_NO_SPREAD]
            )
        se = math.hypot(first.std_error, second.std_error)
        return SurveyComparison(
            kind,
            first,
            second,
            difference,
            difference - z * se,
            difference + z * se,
            float(p_value),
            "two_proportion_z",
            [],
        )
    if first.std_error is None or second.std_error is None:
        return SurveyComparison(kind, first, second, difference, None, None, None, "nps_z", [W_NO_SPREAD])
    se = math.hypot(first.std_error, second.std_error)
    p_value = 2 * float(stats.norm.sf(abs(difference) / se))
    return SurveyComparison(
        kind, first, second, difference, difference - z * se, difference + z * se, p_value, "nps_z", []
    )

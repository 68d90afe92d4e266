"""NPS, CSAT and CES with confidence intervals, and two periods compared, checked against scipy."""

import numpy as np
import pytest
from scipy import stats

from kpis import survey

NPS_A = {0: 3, 2: 4, 5: 10, 6: 13, 7: 40, 8: 55, 9: 60, 10: 45}
NPS_B = {1: 2, 4: 5, 6: 8, 7: 35, 8: 50, 9: 80, 10: 70}
CSAT_A = {1: 12, 2: 18, 3: 40, 4: 90, 5: 60}
CSAT_B = {1: 6, 2: 10, 3: 30, 4: 100, 5: 84}
CES_A = {1: 20, 2: 35, 3: 30, 4: 15, 5: 10, 6: 5, 7: 2}
CES_B = {1: 35, 2: 40, 3: 20, 4: 8, 5: 4, 6: 1}


def expand(counts):
    return np.repeat(list(counts), list(counts.values())).astype(float)


def test_the_nps_interval_is_that_of_a_difference_of_two_shares_of_one_multinomial_sample():
    n = sum(NPS_A.values())
    promoters = (NPS_A[9] + NPS_A[10]) / n
    detractors = sum(c for s, c in NPS_A.items() if s <= 6) / n
    cov = stats.multinomial(1, [promoters, detractors, 1 - promoters - detractors]).cov()
    se = 100 * np.sqrt((cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]) / n)

    score = survey.survey_score(survey.NPS, NPS_A)

    assert score.score == pytest.approx(survey.nps(NPS_A))
    assert score.std_error == pytest.approx(se)
    assert (score.ci_low, score.ci_high) == pytest.approx(
        (score.score - 1.959964 * se, score.score + 1.959964 * se)
    )


def test_the_csat_interval_is_the_wilson_interval():
    n, satisfied = sum(CSAT_A.values()), CSAT_A[4] + CSAT_A[5]
    wilson = stats.binomtest(satisfied, n).proportion_ci(0.95, method="wilson")

    score = survey.survey_score(survey.CSAT, CSAT_A)

    assert score.score == pytest.approx(100 * satisfied / n)
    assert (score.ci_low, score.ci_high) == pytest.approx((100 * wilson.low, 100 * wilson.high))


def test_the_ces_interval_is_the_t_interval_of_the_answers():
    answers = expand(CES_A)
    low, high = stats.t.interval(0.95, len(answers) - 1, loc=answers.mean(), scale=stats.sem(answers))

    score = survey.survey_score(survey.CES, CES_A)

    assert score.score == pytest.approx(answers.mean())
    assert (score.ci_low, score.ci_high) == pytest.approx((low, high))


def test_two_csat_periods_compare_as_scipys_chi_square_test_without_correction():
    table = [[CSAT_B[4] + CSAT_B[5], CSAT_B[1] + CSAT_B[2] + CSAT_B[3]]]
    table.append([CSAT_A[4] + CSAT_A[5], CSAT_A[1] + CSAT_A[2] + CSAT_A[3]])
    expected = stats.chi2_contingency(table, correction=False).pvalue

    result = survey.survey_compare(survey.CSAT, CSAT_A, CSAT_B)

    assert result.p_value == pytest.approx(expected)
    assert result.difference == pytest.approx(survey.csat(CSAT_B) - survey.csat(CSAT_A))


def test_two_ces_periods_compare_as_welchs_t_test():
    expected = stats.ttest_ind(expand(CES_B), expand(CES_A), equal_var=False)

    result = survey.survey_compare(survey.CES, CES_A, CES_B)

    assert result.p_value == pytest.approx(expected.pvalue)
    ci = expected.confidence_interval(0.95)
    assert (result.ci_low, result.ci_high) == pytest.approx((ci.low, ci.high))


def test_two_nps_periods_compare_by_the_z_test_of_the_difference():
    a, b = survey.survey_score(survey.NPS, NPS_A), survey.survey_score(survey.NPS, NPS_B)
    z = (b.score - a.score) / np.hypot(a.std_error, b.std_error)

    result = survey.survey_compare(survey.NPS, NPS_A, NPS_B)

    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert result.difference == pytest.approx(survey.nps(NPS_B) - survey.nps(NPS_A))
    assert result.ci_low < result.difference < result.ci_high


def test_answers_off_the_scale_are_refused_and_unanimous_answers_have_no_interval():
    with pytest.raises(ValueError, match="outside the NPS scale"):
        survey.survey_score(survey.NPS, [11, 3])

    same = survey.survey_score(survey.CES, {3: 40})

    assert (same.score, same.ci_low) == (3.0, None)
    assert same.warnings == [survey.W_NO_SPREAD]
    both_all = survey.survey_compare(survey.CSAT, {5: 10}, {4: 20})
    assert both_all.p_value is None and both_all.warnings == [survey.W_NO_SPREAD]

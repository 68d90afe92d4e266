import pytest

from kpis import survey


def test_nps_is_promoters_minus_detractors_in_percent():
    # 5 promoters, 3 passives, 2 detractors of 10 → 50 % − 20 % = 30
    assert survey.nps([10, 9, 9, 10, 9, 8, 7, 7, 6, 0]) == pytest.approx(30.0)


def test_nps_from_a_distribution_mapping():
    assert survey.nps({10: 40, 8: 35, 3: 25}) == pytest.approx(15.0)


def test_nps_spans_minus_100_to_100():
    assert survey.nps([0, 1, 6]) == -100.0
    assert survey.nps({9: 3, 10: 1}) == 100.0
    assert survey.nps([7, 8]) == 0.0


def test_csat_is_the_share_of_four_and_five():
    assert survey.csat([5, 4, 3, 2, 1]) == pytest.approx(40.0)
    assert survey.csat({5: 30, 4: 50, 3: 20}) == pytest.approx(80.0)


def test_ces_is_the_mean_effort():
    assert survey.ces([1, 2, 3, 6]) == pytest.approx(3.0)


@pytest.mark.parametrize("func", [survey.nps, survey.csat, survey.ces])
def test_empty_input_is_an_error_not_zero(func):
    with pytest.raises(ValueError, match="undefined, not zero"):
        func([])
    with pytest.raises(ValueError, match="undefined, not zero"):
        func({})


def test_scores_outside_the_scale_are_refused():
    with pytest.raises(ValueError, match="outside the NPS scale 0–10"):
        survey.nps([11])
    with pytest.raises(ValueError, match="outside the CSAT scale 1–5"):
        survey.csat([0, 5])
    with pytest.raises(ValueError, match="non-negative"):
        survey.csat({5: -1})

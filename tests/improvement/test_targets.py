import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from common.errors import PermissionDenied
from improvement import selectors
from improvement.models import Initiative
from improvement.progress import clamped_progress, progress
from improvement.services import targets
from improvement.services.initiatives import initiative_create
from kpis.models import Kpi
from tests.factories import MeasurementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def initiative(lead, team):
    return initiative_create(actor=lead, title="Faster chat", team=team, start_date=dt.date(2026, 1, 1))


def test_progress_for_a_higher_is_better_kpi():
    assert progress(baseline=70, target=85, current=80.5) == pytest.approx(0.7)


def test_progress_for_a_lower_is_better_kpi():
    # Average response 6.2 h → target 1.8 h; at 3.0 h the team has covered 3.2 / 4.4 of the way.
    assert progress(baseline=6.2, target=1.8, current=3.0) == pytest.approx(3.2 / 4.4)


def test_progress_is_negative_when_the_kpi_got_worse_and_clamps_for_bars():
    value = progress(baseline=2.1, target=1.5, current=3.8)
    assert value == pytest.approx(-1.7 / 0.6)
    assert clamped_progress(value) == 0.0
    assert clamped_progress(1.4) == 1.0
    assert progress(baseline=1, target=2, current=None) is None


def test_target_must_be_better_than_baseline(lead, initiative):
    frt = Kpi.objects.get(code="first_response_time")
    with pytest.raises(ValidationError) as excinfo:
        targets.kpi_target_create(
            actor=lead, initiative=initiative, kpi=frt, baseline_value=90, target_value=120
        )
    assert excinfo.value.message_dict == {
        "target_value": [targets.MSG_TARGET_NOT_BETTER.format(direction="lower is better")]
    }
    targets.kpi_target_create(actor=lead, initiative=initiative, kpi=frt, baseline_value=90, target_value=30)


def test_values_outside_the_kpi_range_are_refused(lead, initiative):
    with pytest.raises(ValidationError) as excinfo:
        targets.kpi_target_create(
            actor=lead,
            initiative=initiative,
            kpi=Kpi.objects.get(code="csat"),
            baseline_value=80,
            target_value=120,
        )
    assert "target_value" in excinfo.value.message_dict


def test_one_active_target_per_kpi_and_segment(lead, initiative):
    csat = Kpi.objects.get(code="csat")
    targets.kpi_target_create(actor=lead, initiative=initiative, kpi=csat, baseline_value=70, target_value=80)
    with pytest.raises(ValidationError) as excinfo:
        targets.kpi_target_create(
            actor=lead, initiative=initiative, kpi=csat, baseline_value=70, target_value=85
        )
    assert excinfo.value.message_dict == {"kpi": [targets.MSG_DUPLICATE_TARGET]}
    targets.kpi_target_create(
        actor=lead, initiative=initiative, kpi=csat, baseline_value=70, target_value=85, segment="phone"
    )


def test_contributors_cannot_change_targets(contributor, initiative):
    with pytest.raises(PermissionDenied):
        targets.kpi_target_create(
            actor=contributor,
            initiative=initiative,
            kpi=Kpi.objects.get(code="csat"),
            baseline_value=1,
            target_value=2,
        )


def test_current_value_is_the_latest_period(lead, initiative):
    csat = Kpi.objects.get(code="csat")
    targets.kpi_target_create(actor=lead, initiative=initiative, kpi=csat, baseline_value=70, target_value=80)
    MeasurementFactory(kpi=csat, period=dt.date(2026, 2, 1), value=72)
    MeasurementFactory(kpi=csat, period=dt.date(2026, 3, 1), value=76)
    MeasurementFactory(kpi=csat, period=dt.date(2026, 4, 1), value=99, segment="phone")
    row = selectors.target_progress(target=selectors.target_list(initiative_ids=[initiative.pk]).get())
    assert row.current == 76 and row.progress == pytest.approx(0.6) and row.improvement == pytest.approx(6)


def test_newest_status_update_sets_the_health(lead, initiative):
    targets.status_update_post(actor=lead, initiative=initiative, health="at_risk", narrative="Vendor late")
    assert Initiative.objects.get(pk=initiative.pk).health == "at_risk"
    targets.status_update_post(
        actor=lead,
        initiative=initiative,
        health="off_track",
        narrative="Backfilled note",
        date=timezone.localdate() - dt.timedelta(days=7),
    )
    assert Initiative.objects.get(pk=initiative.pk).health == "at_risk"


def test_status_update_needs_a_narrative_and_no_future_date(lead, initiative):
    with pytest.raises(ValidationError) as excinfo:
        targets.status_update_post(
            actor=lead,
            initiative=initiative,
            health="on_track",
            narrative=" ",
            date=timezone.localdate() + dt.timedelta(days=1),
        )
    assert excinfo.value.message_dict == {
        "narrative": [targets.MSG_EMPTY_NARRATIVE],
        "date": [targets.MSG_FUTURE_UPDATE],
    }


@pytest.mark.parametrize("role_fixture", ["contributor", "executive", "viewer", "other_lead"])
def test_only_the_lead_posts_status_updates(request, initiative, role_fixture):
    with pytest.raises(PermissionDenied):
        targets.status_update_post(
            actor=request.getfixturevalue(role_fixture),
            initiative=initiative,
            health="on_track",
            narrative="x",
        )


def test_evaluation_counts_a_measurement_dated_on_the_day_the_cycle_started(lead, initiative):
    fcr = Kpi.objects.get(code="fcr_rate")
    target = targets.kpi_target_create(
        actor=lead, initiative=initiative, kpi=fcr, baseline_value=70, target_value=85
    )
    MeasurementFactory(kpi=fcr, period=initiative.cycle_started_on - dt.timedelta(days=1), value=69)
    MeasurementFactory(kpi=fcr, period=initiative.cycle_started_on, value=86)

    evaluated = targets.kpi_target_evaluate(actor=lead, target=target)

    assert evaluated.evaluation == "met"
    assert (evaluated.evaluation_detail["after_n"], evaluated.evaluation_detail["after_mean"]) == (1, 86)
    assert evaluated.evaluation_detail["baseline_n"] == 1


def test_evaluation_with_nothing_since_the_cycle_start_says_what_to_record(lead, initiative):
    fcr = Kpi.objects.get(code="fcr_rate")
    target = targets.kpi_target_create(
        actor=lead, initiative=initiative, kpi=fcr, baseline_value=70, target_value=85
    )
    MeasurementFactory(kpi=fcr, period=initiative.cycle_started_on - dt.timedelta(days=1), value=69)

    with pytest.raises(ValidationError) as excinfo:
        targets.kpi_target_evaluate(actor=lead, target=target)

    assert excinfo.value.message_dict == {
        "evaluation": [
            "No measurement of First-contact resolution rate is dated on or after 1 Jan 2026, the day this "
            "cycle started: record one, then evaluate."
        ]
    }
    target.refresh_from_db()
    assert target.evaluation == ""


def test_the_portfolios_target_progress_is_each_targets_own_worst_first(lead, team):
    from tests.factories import InitiativeFactory, KpiFactory, KpiTargetFactory

    fcr, aht = KpiFactory(), KpiFactory()
    day = timezone.localdate() - dt.timedelta(days=1)
    MeasurementFactory(kpi=fcr, segment="", period=day - dt.timedelta(days=1), value=10.0)
    MeasurementFactory(kpi=fcr, segment="", period=day, value=80.0)  # the latest counts
    MeasurementFactory(kpi=fcr, segment="chat", period=day, value=60.0)
    MeasurementFactory(kpi=aht, segment="", period=day, value=90.0)
    initiatives = [InitiativeFactory(team=team, lead=lead) for _ in range(3)]
    made = [
        KpiTargetFactory(initiative=owner, kpi=kpi, segment=segment, baseline_value=base, target_value=aim)
        for owner, kpi, segment, base, aim in [
            (initiatives[0], fcr, "", 70, 85),
            (initiatives[1], fcr, "", 50, 80),
            (initiatives[1], fcr, "chat", 70, 90),
            (initiatives[2], aht, "", 95, 85),
            (initiatives[2], aht, "phone", 1, 2),  # no data
        ]
    ]
    other = InitiativeFactory(team=team, lead=lead, status="on_hold")
    KpiTargetFactory(initiative=other, kpi=fcr)  # not listed

    listed = selectors.target_progress_list(initiatives=Initiative.objects.filter(status="active"))

    expected = {
        t.pk: progress(baseline=t.baseline_value, target=t.target_value, current=t.current_value)
        for t in selectors.target_list(target_ids=[t.pk for t in made])
    }
    assert dict(listed) == expected
    assert expected[made[0].pk] == pytest.approx(10 / 15) and expected[made[4].pk] is None
    values = [value for _, value in listed]
    assert values[-1] is None and values[:-1] == sorted(values[:-1])

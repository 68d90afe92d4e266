"""KPI alerts, evaluated after every measurement ingest and told to the leads who target the KPI."""

import datetime as dt

import pytest

from accounts.models import Notification
from improvement.models import NotificationKind
from kpis.models import AlertLevel, KpiAlert, PhaseBreak
from kpis.services import measurement_upsert_many
from tests.factories import InitiativeFactory, KpiFactory, KpiTargetFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 2, 1)


@pytest.fixture
def csat(db):
    # Higher is better: falling below 80 is a warning, below 70 critical.
    return KpiFactory(
        code="csat-watch", name="CSAT", kind="warning", warning_threshold=80, critical_threshold=70
    )


@pytest.fixture
def targeted(csat, lead, team):
    initiative = InitiativeFactory(team=team, lead=lead)
    KpiTargetFactory(initiative=initiative, kpi=csat, baseline_value=75, target_value=90)
    return initiative


def ingest(capture, actor, *values, start=DAY, kpi="csat-watch"):
    rows = [
        {"kpi": kpi, "period": (start + dt.timedelta(days=i)).isoformat(), "value": v}
        for i, v in enumerate(values)
    ]
    with capture(execute=True):
        return measurement_upsert_many(actor=actor, rows=rows)


def test_a_crossing_is_recorded_once_and_sent_to_the_lead(
    csat, targeted, lead, mailoutbox, django_capture_on_commit_callbacks
):
    ingest(django_capture_on_commit_callbacks, lead, 85, 78)
    ingest(django_capture_on_commit_callbacks, lead, 85, 78)  # the same data again: unchanged

    alert = KpiAlert.objects.get()
    assert (alert.period, alert.level, alert.value, alert.threshold) == (
        DAY + dt.timedelta(days=1),
        "warning",
        78,
        80,
    )
    notice = Notification.objects.get(recipient=lead)
    assert notice.kind == NotificationKind.KPI_ALERT
    assert notice.title == "Warning alert: CSAT at 78 on 2026-02-02 (threshold 80)"
    assert [m.to for m in mailoutbox] == [[lead.email]]


def test_staying_beyond_a_threshold_raises_nothing_more_until_it_gets_worse(
    csat, targeted, lead, django_capture_on_commit_callbacks
):
    ingest(django_capture_on_commit_callbacks, lead, 78, 77, 65, 66, 85, 79)

    assert list(KpiAlert.objects.order_by("period").values_list("period", "level")) == [
        (DAY, AlertLevel.WARNING),
        (DAY + dt.timedelta(days=2), AlertLevel.CRITICAL),
        (DAY + dt.timedelta(days=5), AlertLevel.WARNING),
    ]
    assert Notification.objects.filter(recipient=lead).count() == 3


def test_a_lower_is_better_kpi_alerts_when_it_rises(lead, django_capture_on_commit_callbacks):
    KpiFactory(
        code="frt-watch", unit="seconds", direction="lower", min_value=0, max_value=None, warning_threshold=60
    )
    ingest(django_capture_on_commit_callbacks, lead, 40, 59, 61, kpi="frt-watch")
    assert list(KpiAlert.objects.values_list("value", "level")) == [(61, "warning")]


def test_a_kpi_without_thresholds_never_alerts(lead, django_capture_on_commit_callbacks):
    KpiFactory(code="plain-watch")
    ingest(django_capture_on_commit_callbacks, lead, 1, 99, 0, kpi="plain-watch")
    assert not KpiAlert.objects.exists()


def test_leads_without_a_target_on_the_kpi_are_not_told(csat, lead, django_capture_on_commit_callbacks):
    ingest(django_capture_on_commit_callbacks, lead, 50)
    assert KpiAlert.objects.count() == 1
    assert not Notification.objects.exists()


@pytest.fixture
def complaints(db):
    # A warning indicator without thresholds: watched with a control chart only. Lower is better.
    return KpiFactory(code="complaints-watch", name="Complaint rate", kind="warning", direction="lower")


def test_a_warning_indicator_beyond_its_control_limit_in_the_bad_direction_alerts_once(
    complaints, lead, django_capture_on_commit_callbacks
):
    # Baseline of 10 periods alternating 10 and 12: centre 11, mean moving range 2, UCL 16.32.
    baseline = [10, 12] * 5
    ingest(django_capture_on_commit_callbacks, lead, *baseline, kpi="complaints-watch")
    later = DAY + dt.timedelta(days=10)
    ingest(django_capture_on_commit_callbacks, lead, 17, start=later, kpi="complaints-watch")
    ingest(django_capture_on_commit_callbacks, lead, 17, start=later, kpi="complaints-watch")

    alert = KpiAlert.objects.get()
    assert (alert.rule, alert.period, alert.value) == ("spc", later, 17)
    assert alert.threshold == pytest.approx(11 + 2.66 * 2)
    assert alert.detail == "A point beyond 3σ"


def test_a_control_chart_signal_in_the_good_direction_is_no_alert(
    complaints, lead, django_capture_on_commit_callbacks
):
    ingest(django_capture_on_commit_callbacks, lead, *([10, 12] * 5), kpi="complaints-watch")
    ingest(
        django_capture_on_commit_callbacks, lead, 3, start=DAY + dt.timedelta(days=10), kpi="complaints-watch"
    )
    assert not KpiAlert.objects.exists()


def test_too_short_a_history_draws_no_control_chart(complaints, lead, django_capture_on_commit_callbacks):
    ingest(django_capture_on_commit_callbacks, lead, 10, 12, 10, 40, kpi="complaints-watch")
    assert not KpiAlert.objects.exists()


def test_control_chart_alerts_judge_new_data_by_the_latest_phase_only(
    complaints, lead, django_capture_on_commit_callbacks
):
    # An old phase around 30, then a marked change and 10 periods alternating 10 and 12: a new 17
    # is beyond the new phase's limit (16.32), though well inside the limits of the two together.
    ingest(django_capture_on_commit_callbacks, lead, *([28, 32] * 5), kpi="complaints-watch")
    change = DAY + dt.timedelta(days=10)
    PhaseBreak.objects.create(kpi=complaints, starts=change, label="Root cause fixed")
    ingest(django_capture_on_commit_callbacks, lead, *([10, 12] * 5), start=change, kpi="complaints-watch")
    later = change + dt.timedelta(days=10)
    ingest(django_capture_on_commit_callbacks, lead, 17, start=later, kpi="complaints-watch")

    alert = KpiAlert.objects.get(period=later)
    assert alert.threshold == pytest.approx(11 + 2.66 * 2)


def test_just_after_a_marked_change_there_is_too_little_history_for_a_control_chart(
    complaints, lead, django_capture_on_commit_callbacks
):
    ingest(django_capture_on_commit_callbacks, lead, *([10, 12] * 5), kpi="complaints-watch")
    change = DAY + dt.timedelta(days=10)
    PhaseBreak.objects.create(kpi=complaints, starts=change, label="New process")
    ingest(django_capture_on_commit_callbacks, lead, 10, 12, 40, start=change, kpi="complaints-watch")

    assert not KpiAlert.objects.exists()

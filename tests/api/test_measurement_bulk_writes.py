"""The bulk measurement upsert writes exactly what it says, on SQLite (compare, then bulk_create) and
on PostgreSQL (COPY into a temporary table, one INSERT … ON CONFLICT … RETURNING): the same answers,
rows, timestamps, change markers and alert evaluations on both."""

import datetime as dt
from functools import partial

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.models import OutboxMessage
from kpis import services
from kpis.models import KpiAlert, Measurement
from kpis.tasks import evaluate_alerts
from tests.concurrency import race
from tests.factories import KpiFactory

BULK = "/api/v1/measurements/bulk/"
FIRST = timezone.localdate() - dt.timedelta(days=3000)
# Text COPY's own escapes and separators, and characters beyond ASCII (the serializer's slow path).
AWKWARD_SEGMENTS = ["Île-de-France", "客服", "tab\there", "back\\slash", "\\N", "line\nbreak", "emoji 😀"]


def _day(n: int) -> str:
    return (FIRST + dt.timedelta(days=n)).isoformat()


def _row(day: int, value: float, **extra) -> dict:
    return {"kpi": "bulk_kpi", "period": _day(day), "value": value} | extra


@pytest.fixture
def kpi(db):
    return KpiFactory(code="bulk_kpi", min_value=None, max_value=None)


@pytest.fixture
def writer(token_api, contributor):
    return token_api(contributor, "measurements:write")


def _post(client, rows):
    return client.post(BULK, {"rows": rows}, format="json")


def test_one_batch_counts_new_changed_and_unchanged_rows_as_stored(kpi, writer):
    assert _post(writer, [_row(d, 10.0) for d in range(4)]).json() == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
    }
    rows = [_row(0, 10.0), _row(1, 11.0), _row(2, 10.0, sample_size=7), _row(4, 1.0), _row(5, 2.0)]

    answer = _post(writer, rows)

    assert answer.status_code == 200
    assert answer.json() == {"created": 2, "updated": 2, "unchanged": 1}
    stored = dict(Measurement.objects.values_list("period", "value"))
    assert [stored[FIRST + dt.timedelta(days=d)] for d in range(6)] == [10.0, 11.0, 10.0, 10.0, 1.0, 2.0]
    assert Measurement.objects.get(period=FIRST + dt.timedelta(days=2)).sample_size == 7


def test_duplicate_rows_in_one_payload_are_refused_and_nothing_is_written(kpi, writer):
    answer = _post(writer, [_row(0, 1.0), _row(1, 2.0), _row(0, 3.0)])

    assert answer.status_code == 400
    assert answer.json()["fields"]["rows[2].period"] == [services.MSG_DUPLICATE_ROW.format(other=0)]
    assert not Measurement.objects.exists()


def test_awkward_and_unicode_segments_are_stored_verbatim_and_resending_changes_nothing(kpi, writer):
    rows = [_row(0, float(i), segment=segment) for i, segment in enumerate(AWKWARD_SEGMENTS)]

    assert _post(writer, rows).json()["created"] == len(AWKWARD_SEGMENTS)
    assert _post(writer, rows).json() == {"created": 0, "updated": 0, "unchanged": len(AWKWARD_SEGMENTS)}

    stored = dict(Measurement.objects.values_list("segment", "value"))
    assert stored == {segment: float(i) for i, segment in enumerate(AWKWARD_SEGMENTS)}


def test_the_same_period_from_two_sources_is_two_rows_updated_independently(kpi, writer):
    _post(writer, [_row(0, 1.0, source="zendesk"), _row(0, 2.0, source="survey")])

    answer = _post(writer, [_row(0, 5.0, source="zendesk"), _row(0, 2.0, source="survey")])

    assert answer.json() == {"created": 0, "updated": 1, "unchanged": 1}
    assert dict(Measurement.objects.values_list("source", "value")) == {"zendesk": 5.0, "survey": 2.0}


@pytest.mark.parametrize("value", [1e100, -1e100, 5e-324, 0.1 + 0.2, 123456789.123456789])
def test_extreme_values_round_trip_exactly(kpi, writer, value):
    assert _post(writer, [_row(0, value)]).json()["created"] == 1
    stored = Measurement.objects.get().value
    assert stored == value and str(stored) == str(float(value))
    # Sent again, the very same double is recognised as unchanged.
    assert _post(writer, [_row(0, value)]).json()["unchanged"] == 1


def test_a_value_beyond_the_bound_is_refused(kpi, writer):
    answer = _post(writer, [_row(0, 1.0), _row(1, 1e101)])

    assert answer.status_code == 400
    assert answer.json()["fields"]["rows[1].value"] == [services.MSG_VALUE_TOO_LARGE]
    assert not Measurement.objects.exists()


# Committed batches: on PostgreSQL the change marker is the writing transaction's id.
@pytest.mark.django_db(transaction=True)
def test_only_changed_rows_get_a_new_updated_at_and_change_marker(kpi, writer, contributor):
    _post(writer, [_row(0, 1.0), _row(1, 1.0)])
    before = {m.period: m for m in Measurement.objects.all()}

    _post(writer, [_row(0, 1.0), _row(1, 2.0)])

    after = {m.period: m for m in Measurement.objects.all()}
    same, moved = FIRST, FIRST + dt.timedelta(days=1)
    assert (after[same].updated_at, after[same].change_marker) == (
        before[same].updated_at,
        before[same].change_marker,
    )
    assert after[moved].updated_at > before[moved].updated_at
    assert after[moved].change_marker > before[moved].change_marker
    assert after[moved].created_at == before[moved].created_at
    assert after[moved].recorded_by == contributor


def test_alerts_are_evaluated_for_written_rows_only(writer, django_capture_on_commit_callbacks):
    kpi = KpiFactory(code="bulk_kpi", direction="higher", warning_threshold=50, critical_threshold=20)
    alert_messages = OutboxMessage.objects.filter(task="kpis.evaluate_alerts_for_series")

    def post(rows):
        with django_capture_on_commit_callbacks(execute=True):
            _post(writer, rows)

    post([_row(0, 80.0), _row(1, 40.0), _row(2, 10.0)])
    assert list(KpiAlert.objects.order_by("period").values_list("level", flat=True)) == [
        "warning",
        "critical",
    ]
    assert [m.args for m in alert_messages] == [[[[kpi.pk, "", [_day(0), _day(1), _day(2)]]]]]

    # Only the changed period is re-evaluated; a batch that changes nothing schedules nothing.
    post([_row(0, 80.0), _row(1, 45.0), _row(2, 10.0)])
    post([_row(0, 80.0), _row(1, 45.0), _row(2, 10.0)])
    assert [m.args for m in alert_messages.order_by("pk")][1:] == [[[[kpi.pk, "", [_day(1)]]]]]
    assert KpiAlert.objects.count() == 2


def test_a_batch_records_one_alert_job_for_every_watched_series_it_changed(
    writer, django_capture_on_commit_callbacks
):
    watched = KpiFactory(code="bulk_kpi", direction="higher", warning_threshold=50, critical_threshold=20)
    KpiFactory(code="quiet_kpi", min_value=None, max_value=None)
    rows = [
        _row(0, 10.0, segment="north"),
        _row(1, 90.0, segment="north"),
        _row(0, 40.0, segment="south"),
        {"kpi": "quiet_kpi", "period": _day(0), "value": 1.0},
    ]

    with django_capture_on_commit_callbacks(execute=True):
        _post(writer, rows)

    (job,) = OutboxMessage.objects.filter(task="kpis.evaluate_alerts_for_series")
    assert sorted(job.args[0]) == [
        [watched.pk, "north", [_day(0), _day(1)]],
        [watched.pk, "south", [_day(0)]],
    ]
    assert sorted(KpiAlert.objects.values_list("segment", "level")) == [
        ("north", "critical"),
        ("south", "warning"),
    ]


def test_a_batch_of_many_series_splits_its_alert_evaluation_into_bounded_jobs(
    writer, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "ALERT_SERIES_PER_JOB", 2)
    KpiFactory(code="bulk_kpi", direction="higher", warning_threshold=50, critical_threshold=20)
    segments = ["a", "b", "c", "d", "e"]

    with django_capture_on_commit_callbacks(execute=True):
        _post(writer, [_row(0, 10.0, segment=segment) for segment in segments])

    jobs = OutboxMessage.objects.filter(task="kpis.evaluate_alerts_for_series").order_by("pk")
    assert [len(job.args[0]) for job in jobs] == [2, 2, 1]
    assert sorted(segment for job in jobs for _, segment, _ in job.args[0]) == segments
    assert sorted(KpiAlert.objects.values_list("segment", flat=True)) == segments


def test_an_alert_job_recorded_before_the_batched_jobs_still_runs(writer):
    watched = KpiFactory(code="old_job_kpi", direction="higher", warning_threshold=50, critical_threshold=20)
    assert _post(writer, [{"kpi": "old_job_kpi", "period": _day(0), "value": 10.0}]).status_code == 200
    assert not KpiAlert.objects.exists()  # the batch's own job has not run

    assert evaluate_alerts.apply(args=[watched.pk, "", [_day(0)]]).get() == 1
    assert list(KpiAlert.objects.values_list("kpi", "level")) == [(watched.pk, "critical")]


def test_two_batches_in_one_transaction_are_counted_apart(kpi, contributor):
    with transaction.atomic():
        first = services.measurement_upsert_many(actor=contributor, rows=[_row(0, 1.0), _row(1, 1.0)])
        second = services.measurement_upsert_many(actor=contributor, rows=[_row(1, 2.0), _row(2, 1.0)])

    assert first.as_dict() == {"created": 2, "updated": 0, "unchanged": 0}
    assert second.as_dict() == {"created": 1, "updated": 1, "unchanged": 0}
    assert Measurement.objects.count() == 3


@pytest.mark.postgres
def test_the_postgresql_write_takes_the_same_statements_for_10_and_2500_rows(kpi, contributor):
    def statements(n: int, offset: int) -> int:
        rows = [_row(offset + d, 1.0) for d in range(n)]
        with CaptureQueriesContext(connection) as queries:
            services.measurement_upsert_many(actor=contributor, rows=rows)
        return len(queries)

    assert statements(10, 0) == statements(2500, 10)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_concurrent_batches_both_commit_and_count_every_row_once(token_api, contributor):
    KpiFactory(code="bulk_kpi", min_value=None, max_value=None)
    a, b = (token_api(contributor, "measurements:write") for _ in range(2))
    # Days 0–599 from A, 300–899 from B: the overlap is written by both, with different values.
    answers = race(
        partial(_post, a, [_row(d, 1.0) for d in range(600)]),
        partial(_post, b, [_row(d, 2.0) for d in range(300, 900)]),
    )

    assert [answer.status_code for answer in answers] == [200, 200]
    counts = [answer.json() for answer in answers]
    assert sum(c["created"] for c in counts) == 900
    # The batch that came second found the 300 shared rows with the other's value: it updated them.
    assert sorted(c["updated"] for c in counts) == [0, 300]
    assert all(c["unchanged"] == 0 for c in counts)
    assert Measurement.objects.count() == 900
    winner = 1.0 if counts[0]["updated"] else 2.0
    shared = Measurement.objects.filter(
        period__gte=FIRST + dt.timedelta(days=300), period__lt=FIRST + dt.timedelta(days=600)
    )
    assert set(shared.values_list("value", flat=True)) == {winner}

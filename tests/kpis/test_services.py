import datetime as dt
import math

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from common.errors import PermissionDenied
from kpis import services
from kpis.models import Kpi, Measurement

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


def batch(n=3, **overrides):
    return [
        {
            "kpi": "csat",
            "period": (DAY + dt.timedelta(days=i)).isoformat(),
            "value": 80 + i,
            "segment": "chat",
            "sample_size": 120,
            "source": "zendesk",
            **overrides,
        }
        for i in range(n)
    ]


def test_sending_the_same_batch_twice_leaves_one_row_each(lead):
    first = services.measurement_upsert_many(actor=lead, rows=batch())
    second = services.measurement_upsert_many(actor=lead, rows=batch())
    assert first.as_dict() == {"created": 3, "updated": 0, "unchanged": 0}
    assert second.as_dict() == {"created": 0, "updated": 0, "unchanged": 3}
    assert Measurement.objects.count() == 3


def test_a_changed_value_updates_the_row_in_place(lead):
    services.measurement_upsert_many(actor=lead, rows=batch())
    rows = batch()
    rows[1]["value"] = 90
    result = services.measurement_upsert_many(actor=lead, rows=rows)
    assert result.as_dict() == {"created": 0, "updated": 1, "unchanged": 2}
    assert Measurement.objects.get(period=DAY + dt.timedelta(days=1)).value == 90


def test_the_natural_key_includes_segment_and_source(lead):
    services.measurement_upsert_many(actor=lead, rows=batch(1))
    services.measurement_upsert_many(actor=lead, rows=batch(1, segment="phone"))
    services.measurement_upsert_many(actor=lead, rows=batch(1, source="survey-tool"))
    assert Measurement.objects.count() == 3


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (math.nan, services.MSG_NOT_FINITE),
        (math.inf, services.MSG_NOT_FINITE),
        (-math.inf, services.MSG_NOT_FINITE),
        ("abc", services.MSG_NOT_FINITE),
        (None, services.MSG_NOT_FINITE),
        (101, services.MSG_ABOVE_MAX.format(value=101.0, limit=100.0, kpi="Customer satisfaction (CSAT)")),
        (-1, services.MSG_BELOW_MIN.format(value=-1.0, limit=0.0, kpi="Customer satisfaction (CSAT)")),
    ],
)
def test_invalid_values_refuse_the_whole_batch(lead, value, message):
    rows = batch()
    rows[2]["value"] = value
    with pytest.raises(ValidationError) as excinfo:
        services.measurement_upsert_many(actor=lead, rows=rows)
    assert excinfo.value.message_dict == {"rows[2].value": [message]}
    assert Measurement.objects.count() == 0


def test_nps_accepts_its_negative_range(lead):
    services.measurement_upsert_many(actor=lead, rows=[{"kpi": "nps", "period": "2026-03-01", "value": -35}])
    with pytest.raises(ValidationError):
        services.measurement_upsert_many(
            actor=lead, rows=[{"kpi": "nps", "period": "2026-03-01", "value": -101}]
        )


def test_row_errors_name_every_bad_field(lead):
    rows = [{"kpi": "nope", "period": "yesterday", "value": 1, "sample_size": -3}]
    with pytest.raises(ValidationError) as excinfo:
        services.measurement_upsert_many(actor=lead, rows=rows)
    assert excinfo.value.message_dict == {
        "rows[0].kpi": [services.MSG_UNKNOWN_KPI.format(code="nope")],
        "rows[0].period": [services.MSG_BAD_PERIOD],
        "rows[0].sample_size": [services.MSG_BAD_SAMPLE],
    }


def test_a_period_in_the_future_is_refused_but_tomorrow_is_allowed_for_time_zones(lead):
    today = timezone.localdate()
    later = (today + dt.timedelta(days=2)).isoformat()
    rows = [{"kpi": "csat", "period": later, "value": 80}]
    with pytest.raises(ValidationError) as excinfo:
        services.measurement_upsert_many(actor=lead, rows=rows)
    assert excinfo.value.message_dict == {"rows[0].period": [services.MSG_FUTURE_PERIOD.format(period=later)]}
    assert not Measurement.objects.exists()
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    services.measurement_upsert_many(actor=lead, rows=[{"kpi": "csat", "period": tomorrow, "value": 80}])
    assert Measurement.objects.count() == 1


def test_duplicate_rows_in_one_batch_are_refused(lead):
    rows = batch(1) + batch(1)
    with pytest.raises(ValidationError) as excinfo:
        services.measurement_upsert_many(actor=lead, rows=rows)
    assert excinfo.value.message_dict == {"rows[1].period": [services.MSG_DUPLICATE_ROW.format(other=0)]}


def test_batches_are_capped(lead):
    rows = [{"kpi": "csat", "period": "2026-01-01", "value": 1}] * (services.MAX_BATCH_ROWS + 1)
    with pytest.raises(ValidationError) as excinfo:
        services.measurement_upsert_many(actor=lead, rows=rows)
    assert "at most 10000 rows" in str(excinfo.value)


def test_empty_batch_is_an_error(lead):
    with pytest.raises(ValidationError):
        services.measurement_upsert_many(actor=lead, rows=[])


@pytest.mark.parametrize("role_fixture", ["viewer", "executive", "finance"])
def test_roles_that_cannot_record_measurements(request, role_fixture):
    with pytest.raises(PermissionDenied):
        services.measurement_upsert_many(actor=request.getfixturevalue(role_fixture), rows=batch())


@pytest.mark.parametrize("role_fixture", ["admin", "lead", "contributor"])
def test_roles_that_record_measurements(request, role_fixture):
    result = services.measurement_upsert_many(actor=request.getfixturevalue(role_fixture), rows=batch(1))
    assert result.created == 1


def test_the_catalogue_ships_the_service_kpis_with_the_right_direction():
    expected = {
        "first_response_time": ("seconds", "lower"),
        "avg_response_time": ("hours", "lower"),
        "resolution_time": ("hours", "lower"),
        "fcr_rate": ("percent", "higher"),
        "csat": ("percent", "higher"),
        "nps": ("score", "higher"),
        "ces": ("score", "lower"),
        "task_completion_rate": ("percent", "higher"),
        "churn_rate": ("percent", "lower"),
        "repeat_purchase_rate": ("percent", "higher"),
        "complaint_rate": ("percent", "lower"),
        "self_service_resolution_rate": ("percent", "higher"),
        "transfer_rate": ("percent", "lower"),
        "average_handle_time": ("minutes", "lower"),
        "conversation_volume": ("count", "lower"),
    }
    found = {k.code: (k.unit, k.direction) for k in Kpi.objects.filter(code__in=expected)}
    assert found == expected
    nps = Kpi.objects.get(code="nps")
    assert (nps.min_value, nps.max_value) == (-100, 100)
    assert Kpi.objects.get(code="complaint_rate").kind == "warning"


def test_only_admins_change_the_catalogue(lead, admin):
    kpi = Kpi.objects.get(code="csat")
    with pytest.raises(PermissionDenied):
        services.kpi_update(actor=lead, kpi=kpi, name="x")
    services.kpi_update(actor=admin, kpi=kpi, warning_threshold=70)
    assert Kpi.objects.get(code="csat").warning_threshold == 70

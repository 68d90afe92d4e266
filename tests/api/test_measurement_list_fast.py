"""The measurements list's lean read path answers exactly what ``MeasurementSerializer`` would."""

import datetime as dt

import pytest
from django.utils import timezone

from common.api.renderers import render_json
from kpis.api.serializers import MeasurementSerializer
from kpis.models import Kpi, Measurement

URL = "/api/v1/measurements/"


@pytest.fixture
def rows(db):
    fcr, csat = Kpi.objects.get(code="fcr_rate"), Kpi.objects.get(code="csat")
    day = dt.date(2026, 3, 1)
    made = [
        Measurement(kpi=fcr, segment="", period=day, value=71.25, sample_size=None, source="api"),
        Measurement(kpi=fcr, segment="chat", period=day, value=1e16, sample_size=0, source="import"),
        Measurement(kpi=csat, segment="Åsa \u2028 «EMEA»", period=day, value=-0.5, sample_size=12),
        Measurement(kpi=csat, segment="", period=day - dt.timedelta(days=1), value=4.0, sample_size=7),
        Measurement(kpi=fcr, segment="", period=day - dt.timedelta(days=2), value=3, source="s\u2029"),
    ]
    Measurement.objects.bulk_create(made)
    # Whole seconds are written without a fraction: keep one, and one far from "now".
    Measurement.objects.filter(pk=made[0].pk).update(
        updated_at=dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC), created_at=timezone.now()
    )
    return made


def _serialized(ordering) -> bytes:
    qs = Measurement.objects.select_related("kpi").order_by(*ordering)
    return render_json(MeasurementSerializer(qs, many=True).data)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
@pytest.mark.parametrize(
    ("query", "ordering"),
    [("", ("-period", "-id")), ("ordering=period", ("period", "id")), ("ordering=-id", ("-id",))],
)
def test_the_list_writes_what_the_serializer_writes(token_api, admin, rows, settings, zone, query, ordering):
    settings.TIME_ZONE = zone

    response = token_api(admin).get(f"{URL}?{query}")

    assert response.status_code == 200
    assert response.content.endswith(b'"results":' + _serialized(ordering) + b"}")
    assert "\u2028" not in response.content.decode()


def test_cursor_pages_filters_and_the_change_walk_still_work(token_api, admin, rows):
    client = token_api(admin)
    seen, url = [], f"{URL}?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    newest_first = Measurement.objects.order_by("-period", "-id").values_list("id", flat=True)
    assert seen == list(newest_first)

    filtered = client.get(f"{URL}?kpi=csat&period_before=2026-02-28").json()["results"]
    assert [row["id"] for row in filtered] == [rows[3].pk]

    # The change walk keeps the serializer path (its rows are read by key; tests/api/test_sync_*).
    walk = client.get(f"{URL}?change_cursor=")
    assert walk.status_code == 200 and "sync" in walk.json()

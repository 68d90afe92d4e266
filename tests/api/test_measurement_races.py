"""Bulk upserts of measurements answer true counts when identical batches run at the same time.

Each batch reads which rows exist, then writes. Two batches that read before either commits both
saw nothing, and both used to answer ``created`` for every row; the counts must say what each one
really did: across the racing batches every row is created exactly once.
"""

import datetime as dt
from functools import partial

import pytest
from django.utils import timezone

from kpis.models import Measurement
from tests.concurrency import race
from tests.factories import KpiFactory

BULK = "/api/v1/measurements/bulk/"
ROWS = 2000
BATCHES = 3


def _rows(value: float) -> list[dict]:
    first = timezone.localdate() - dt.timedelta(days=ROWS + 10)
    return [
        {"kpi": "race_csat", "period": (first + dt.timedelta(days=i)).isoformat(), "value": value}
        for i in range(ROWS)
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_three_identical_concurrent_batches_create_each_row_once_and_say_so(token_api, contributor):
    KpiFactory(code="race_csat", min_value=0, max_value=100)
    clients = [token_api(contributor, "measurements:write") for _ in range(BATCHES)]

    for value, expected in ((80.0, "created"), (81.0, "updated")):
        answers = race(*(partial(c.post, BULK, {"rows": _rows(value)}, format="json") for c in clients))

        assert [a.status_code for a in answers] == [200] * BATCHES
        counts = [a.json() for a in answers]
        # Whoever wins writes every row; the others find them already as they would write them.
        assert sorted(counts, key=lambda c: c[expected]) == [
            *[{"created": 0, "updated": 0, "unchanged": ROWS}] * (BATCHES - 1),
            {"created": 0, "updated": 0, "unchanged": 0} | {expected: ROWS},
        ]
        assert Measurement.objects.count() == ROWS
        assert set(Measurement.objects.values_list("value", flat=True)) == {value}

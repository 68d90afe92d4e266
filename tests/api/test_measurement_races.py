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
from tests.factories import InitiativeFactory, KpiFactory, KpiTargetFactory

BULK = "/api/v1/measurements/bulk/"
ROWS = 2000
BATCHES = 3
DEADLOCK_ROUNDS = 10


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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_multi_batch_upserts_of_a_followed_series_never_deadlock(token_api, contributor, lead):
    """A's second batch needs a row B wrote; B's first batch moved the series' target, which A's
    first batch already holds. Both must succeed, whatever the interleaving."""
    kpi = KpiFactory(code="race_frt", min_value=0, max_value=1000)
    KpiTargetFactory(kpi=kpi, segment="chat", initiative=InitiativeFactory(lead=lead))
    first = timezone.localdate() - dt.timedelta(days=6000)

    def rows(days, value, source):
        return [
            {
                "kpi": "race_frt",
                "segment": "chat",
                "source": source,
                "value": value,
                "period": (first + dt.timedelta(days=day)).isoformat(),
            }
            for day in days
        ]

    a, b = (token_api(contributor, "measurements:write") for _ in range(2))
    for round_ in range(DEADLOCK_ROUNDS):
        source = f"round-{round_}"
        answers = race(
            partial(a.post, BULK, {"rows": rows(range(2000), 1.0, source)}, format="json"),
            partial(b.post, BULK, {"rows": rows([1500, *range(5000, 5999)], 2.0, source)}, format="json"),
        )
        assert [answer.status_code for answer in answers] == [200, 200], [a.content[:200] for a in answers]

"""``partition_measurements``: the measurements table in monthly partitions, nothing lost.

The conversion runs inside each test's transaction: PostgreSQL's DDL rolls back with it, so later
tests find the plain table again.
"""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from common.sync import MARKER
from kpis.measurement_copy import forget_partitioning
from kpis.models import Measurement
from kpis.partitioning import MSG_DEFAULT_HOLDS_MONTH, MSG_NOT_POSTGRESQL, TABLE
from kpis.services import measurement_upsert_many
from tests.factories import KpiFactory, MeasurementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plain_table_again():
    """The conversion rolls back with the test: the bulk upsert must read the table's kind again."""
    yield
    forget_partitioning()


def _partitions() -> dict[str, int]:
    """Each partition of the measurements table and the rows it holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        names = [name for (name,) in cursor.fetchall()]
        counts = {}
        for name in names:
            cursor.execute(f"SELECT count(*) FROM {name}")
            counts[name] = cursor.fetchone()[0]
    return counts


def _definition() -> set[str]:
    """The table's constraints, indexes and triggers, by name."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass", [TABLE])
        names = {f"constraint {name}" for (name,) in cursor.fetchall()}
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [TABLE])
        names |= {f"index {name}" for (name,) in cursor.fetchall()}
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE]
        )
        return names | {f"trigger {name}" for (name,) in cursor.fetchall()}


def _run(*args) -> str:
    out = StringIO()
    call_command("partition_measurements", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def series(admin):
    kpi = KpiFactory(code="aht_partitioned")
    days = [dt.date(2025, 11, 30), dt.date(2025, 12, 1), dt.date(2025, 12, 31), dt.date(2026, 2, 14)]
    return [MeasurementFactory(kpi=kpi, period=day, value=i, recorded_by=admin) for i, day in enumerate(days)]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
def test_sqlite_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        _run()
    assert MSG_NOT_POSTGRESQL.startswith("Partitioning needs PostgreSQL")


def test_months_ahead_out_of_range_is_refused():
    with pytest.raises(CommandError, match="--months-ahead"):
        _run("--months-ahead", "-1")


@pytest.mark.postgres
def test_every_row_constraint_index_and_trigger_is_kept(series, admin):
    before_rows = list(Measurement.objects.order_by("pk").values())
    before = _definition()

    output = _run("--months-ahead", "2")

    assert "Converted" in output and f"{len(series)} rows kept" in output
    assert list(Measurement.objects.order_by("pk").values()) == before_rows
    after = _definition()
    assert after == before  # the same names: primary key, natural key, foreign keys, indexes, triggers
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s", [f"{TABLE}_pkey"]
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, period)"
    counts = _partitions()
    assert counts[f"{TABLE}_p202511"] == 1
    assert counts[f"{TABLE}_p202512"] == 2
    assert counts[f"{TABLE}_p202601"] == 0
    assert counts[f"{TABLE}_p202602"] == 1
    assert counts[f"{TABLE}_default"] == 0


@pytest.mark.postgres
def test_the_partitioned_table_behaves_as_before(series, admin):
    _run("--months-ahead", "1")
    kpi, newest = series[0].kpi, max(m.pk for m in series)

    # The natural key still refuses a duplicate.
    with pytest.raises(IntegrityError), transaction.atomic():
        Measurement.objects.create(kpi=kpi, period=series[0].period, value=1.0, source=series[0].source)
    # New rows take the next ids, in their month's partition; the change marker is still written.
    made = Measurement.objects.create(kpi=kpi, period=dt.date(2025, 12, 15), value=9.0)
    assert made.pk > newest
    made.refresh_from_db()
    assert getattr(made, MARKER) > 0
    # The bulk upsert (ON CONFLICT on the natural key) inserts and updates through the partitions.
    result = measurement_upsert_many(
        actor=admin,
        rows=[
            {"kpi": kpi, "period": series[1].period, "value": 42.0, "source": series[1].source},
            {"kpi": kpi, "period": dt.date(1999, 1, 1), "value": 1.0},
        ],
    )
    assert (result.created, result.updated) == (1, 1)
    assert Measurement.objects.get(pk=series[1].pk).value == 42.0
    assert _partitions()[f"{TABLE}_default"] == 1  # 1999 has no month of its own
    # A delete still leaves its tombstone for the change feed.
    pk = series[3].pk
    Measurement.objects.filter(pk=pk).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sync_tombstone WHERE table_name = %s AND object_id = %s", [TABLE, pk]
        )
        assert cursor.fetchone()[0] == 1


@pytest.mark.postgres
def test_a_second_run_adds_only_the_coming_months(series):
    _run("--months-ahead", "1")
    before = set(_partitions())
    output = _run("--months-ahead", "3")
    added = set(_partitions()) - before
    assert "Already partitioned" in output
    assert len(added) == 2


@pytest.mark.postgres
def test_a_month_already_in_the_default_partition_is_named_nothing_changed(series):
    _run("--months-ahead", "0")
    far = dt.date.today().replace(day=1) + dt.timedelta(days=70)
    MeasurementFactory(kpi=series[0].kpi, period=far)
    before = set(_partitions())
    with pytest.raises(CommandError) as refused:
        _run("--months-ahead", "6")
    assert str(refused.value) == MSG_DEFAULT_HOLDS_MONTH.format(month=f"{far:%Y-%m}")
    assert set(_partitions()) == before

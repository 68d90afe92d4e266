"""Lag-tolerant reads go to the replica; every other query stays on the primary.

The replica here is a second alias on the same test database (a second connection): what it answers
is what the primary committed, so the tests use real transactions.
"""

import pytest
from django.core.cache import cache
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from common.db_router import REPLICA, ReplicaRouter, lag_tolerant, reads_from_replica
from improvement.models import Initiative
from tests.factories import InitiativeFactory, KpiFactory, MeasurementFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replica(settings):
    """A ``replica`` alias (the same database, another connection) and the router, as
    ``DATABASE_REPLICA_URL`` sets them up."""
    connections.settings[REPLICA] = {**connections["default"].settings_dict}
    settings.DATABASE_ROUTERS = ["common.db_router.ReplicaRouter"]
    # Opened here: the test case refuses to open a connection for an alias it was not told of.
    connections[REPLICA].connect()
    yield connections[REPLICA]
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


def _queries(alias: str, fn):
    with CaptureQueriesContext(connections[alias]) as captured:
        result = fn()
    return result, len(captured.captured_queries)


def test_without_a_replica_every_read_stays_on_the_primary(settings, team, lead):
    settings.DATABASE_ROUTERS = ["common.db_router.ReplicaRouter"]
    with lag_tolerant():
        assert reads_from_replica() is False
        assert Initiative.objects.all().db == "default"


def test_a_lag_tolerant_read_goes_to_the_replica_and_sees_what_was_committed(replica, team, lead):
    made = InitiativeFactory(team=team, lead=lead)
    assert Initiative.objects.all().db == "default"
    with lag_tolerant():
        found, on_replica = _queries(REPLICA, lambda: list(Initiative.objects.values_list("pk", flat=True)))
    assert found == [made.pk]
    assert on_replica == 1


def test_reads_in_a_transaction_or_after_a_write_stay_on_the_primary(replica, team, lead):
    with lag_tolerant():
        with transaction.atomic():
            assert Initiative.objects.all().db == "default"
        assert Initiative.objects.all().db == REPLICA
        InitiativeFactory(team=team, lead=lead)  # a write: the block's later reads must see it
        assert Initiative.objects.all().db == "default"
    with lag_tolerant():  # a new block starts clean
        assert Initiative.objects.all().db == REPLICA


def test_the_replica_is_never_migrated_nor_written():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "kpis") is True
    assert router.allow_migrate(REPLICA, "kpis") is False
    with lag_tolerant():
        assert router.db_for_write(Initiative) == "default"


def test_the_portfolio_summary_and_the_control_chart_read_from_the_replica(
    replica, settings, admin, team, lead
):
    InitiativeFactory(team=team, lead=lead)
    kpi = KpiFactory(code="fcr_replica")
    for _ in range(3):
        MeasurementFactory(kpi=kpi)
    client = APIClient()
    client.force_login(admin)
    for url in ("/api/v1/portfolio/summary/", f"/api/v1/kpis/{kpi.code}/control-chart/"):
        settings.DATABASE_ROUTERS = []
        primary_answer = client.get(url)
        settings.DATABASE_ROUTERS = ["common.db_router.ReplicaRouter"]
        cache.clear()  # the portfolio summary's answer is cached: read it afresh, from the replica
        response, on_replica = _queries(REPLICA, lambda url=url: client.get(url))
        assert response.status_code == 200, response.content
        assert on_replica > 0, url
        assert response.json() == primary_answer.json()


def test_a_list_and_a_sync_read_stay_on_the_primary(replica, admin, team, lead):
    InitiativeFactory(team=team, lead=lead)
    client = APIClient()
    client.force_login(admin)
    for url in (
        "/api/v1/initiatives/",
        "/api/v1/initiatives/?change_cursor=",
        "/api/v1/initiatives/?updated_since=2000-01-01T00:00:00Z",
    ):
        response, on_replica = _queries(REPLICA, lambda url=url: client.get(url))
        assert response.status_code == 200
        assert on_replica == 0, url

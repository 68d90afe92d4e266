import importlib

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import connection
from hypothesis import settings as hypothesis_settings

from accounts.models import Role
from tests.factories import TeamFactory, UserFactory

# Property tests check what is computed, not how fast: on a busy machine (two cores shared with the
# other test workers) an example may take longer than Hypothesis's default 200 ms deadline.
hypothesis_settings.register_profile("project", deadline=None)
hypothesis_settings.load_profile("project")

# Tests sign in thousands of users; the production hasher's deliberate cost is not what they test.
TEST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config):
    django_settings.PASSWORD_HASHERS = TEST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the database is rolled back between tests, and cached
    answers (the portfolio roll-up, throttles, idempotency keys) must not outlive it."""
    from django.core.cache import cache

    cache.clear()


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need PostgreSQL-only behaviour: skip them elsewhere, never fake them."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def team(db):
    return TeamFactory(name="Customer Care", slug="customer-care")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Claims", slug="claims")


@pytest.fixture
def admin(db):
    return UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True, email="admin@example.com")


@pytest.fixture
def lead(team):
    return UserFactory(role=Role.LEAD, teams=[team], email="lead@example.com")


@pytest.fixture
def other_lead(other_team):
    return UserFactory(role=Role.LEAD, teams=[other_team], email="other.lead@example.com")


@pytest.fixture
def contributor(team):
    return UserFactory(role=Role.CONTRIBUTOR, teams=[team], email="contributor@example.com")


@pytest.fixture
def executive(db):
    return UserFactory(role=Role.EXECUTIVE, email="exec@example.com")


@pytest.fixture
def finance(db):
    return UserFactory(role=Role.FINANCE, email="finance@example.com")


@pytest.fixture
def viewer(team):
    return UserFactory(role=Role.VIEWER, teams=[team], email="viewer@example.com")


@pytest.fixture
def kpi_catalogue(db):
    """The data migration's KPI catalogue, reloaded: transactional tests empty every table after them."""
    importlib.import_module("kpis.migrations.0002_kpi_catalogue").load(apps, None)


@pytest.fixture
def summaries_checked(db):
    """Every money summary checked already, as the first read of a while checks them
    (``MONEY_SUMMARIES_CHECK_SECONDS``): later reads, of 1 or 3 times the rows, run the same queries."""
    from improvement.selectors.portfolio_rollup import heal_every_money_summary

    heal_every_money_summary()

"""The API token lookup's hand-written query answers what the ORM answers, field for field."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken, User
from accounts.token_lookup import token_with_user

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_token_and_its_owner_equal_the_orms_reading(lead):
    User.objects.filter(pk=lead.pk).update(last_login=timezone.now(), time_zone="Asia/Shanghai")
    token, _ = services.token_create(
        actor=lead,
        name="BI \u2028 sync",
        scopes=["progress:read", "measurements:write"],
        expires_at=timezone.now() + dt.timedelta(days=3),
    )
    expected = ApiToken.objects.select_related("user").get(pk=token.pk)

    found = token_with_user(expected.key_hash)

    assert _fields(found) == _fields(expected)
    assert _fields(found.user) == _fields(expected.user)
    assert sorted(found.scopes) == ["measurements:write", "progress:read"]
    assert timezone.is_aware(found.expires_at) and timezone.is_aware(found.user.last_login)
    assert found.user.is_active is True
    # The instances behave as loaded ones: saving one updates, it does not insert.
    assert found._state.adding is False and found.user._state.adding is False


def test_it_reads_one_row_in_one_query_and_nothing_for_an_unknown_hash(lead):
    token, _ = services.token_create(actor=lead, name="BI", scopes=["progress:read"])
    with CaptureQueriesContext(connection) as queries:
        found = token_with_user(token.key_hash)
        assert found.user.email == lead.email
    assert len(queries) == 1
    assert token_with_user("0" * 64) is None

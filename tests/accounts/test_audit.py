"""Sign-in events are in the audit trail (the ``pdca.audit`` logger): failures and lockouts here;
sign-ins, resets and two-factor events in the tests of those flows."""

import pytest

from accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def test_a_lockout_is_in_the_audit_trail(client, caplog, settings):
    user = UserFactory(email="guessed2@example.com", role=Role.LEAD)
    caplog.set_level("INFO", logger="pdca.audit")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": user.email, "password": "wrong-guess"})

    events = [r.getMessage() for r in caplog.records if r.name == "pdca.audit"]

    failed = "sign-in failed: email=guessed2@example.com ip=127.0.0.1"
    assert events.count(failed) == settings.AXES_FAILURE_LIMIT
    assert "locked out: email=guessed2@example.com ip=127.0.0.1" in events

"""Secure by default: login guessing is locked out, pages carry a CSP, admin is for admins only,
and production settings refuse to start without their secrets and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import Role
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)
LOGIN = "/accounts/login/"
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k" * 64 + "-a-long-random-production-secret",
    "DJANGO_ALLOWED_HOSTS": "pdca.example.com",
    "DATABASE_URL": "sqlite:////tmp/pdca-deploy-check.sqlite3",
}


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_one(client):
    user = UserFactory(email="guessed@example.com", role=Role.LEAD)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(LOGIN, {"username": user.email, "password": "wrong-guess"})
        assert response.status_code == 200
    assert client.post(LOGIN, {"username": user.email, "password": "wrong-guess"}).status_code == 429
    response = client.post(LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_failures_under_other_spellings_of_the_email_count_against_the_same_account(client):
    user = UserFactory(email="locktest@demo.example", role=Role.LEAD)
    spellings = [
        "LOCKTEST@demo.example",
        " locktest@demo.example",
        "locktest@DEMO.example ",
        "LockTest@Demo.Example",
    ]
    for spelling in spellings:
        assert client.post(LOGIN, {"username": spelling, "password": "wrong-guess"}).status_code == 200
    assert (
        client.post(LOGIN, {"username": "locktest@demo.EXAMPLE", "password": "wrong-guess"}).status_code
        == 429
    )

    response = client.post(LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_signing_in_with_another_spelling_of_the_email_works(client):
    user = UserFactory(email="spelled@demo.example", role=Role.LEAD)

    response = client.post(LOGIN, {"username": "  Spelled@DEMO.example ", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_lockout_of_one_account_leaves_others_alone(client):
    victim = UserFactory(email="victim@example.com", role=Role.LEAD)
    other = UserFactory(email="other@example.com", role=Role.LEAD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": victim.email, "password": "wrong-guess"})
    response = client.post(LOGIN, {"username": other.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    response = client.get(LOGIN)
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.LEAD, Role.FINANCE])
def test_staff_flag_alone_does_not_open_the_admin(client, role):
    client.force_login(UserFactory(role=role, is_staff=True))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/")


def test_admins_enter_the_admin(client, admin):
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200


def test_production_refuses_to_start_without_its_secrets():
    result = _manage("check", env={"DJANGO_ENV": "production"})
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL when DJANGO_ENV=production." in (
        result.stderr
    )


def test_production_settings_pass_the_deploy_checks():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout

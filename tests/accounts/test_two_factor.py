"""Optional TOTP two-factor sign-in: enrol, sign in with a code or a backup code, wrong codes refused
and counted, disable with a code, admins forced to enrol when REQUIRE_ADMIN_2FA is on, the admin
site behind the code, API tokens unaffected."""

import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from accounts.services import token_create
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
CODE = "/accounts/login/code/"
SETTINGS_PAGE = "/accounts/two-factor/"
PAGE = "/accounts/tokens/"
KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key, hex


def _code(device: TOTPDevice, at: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at if at is not None else time.time()
    return f"{totp.token():06d}"


def _with_device(**kwargs):
    user = UserFactory(**kwargs)
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", key=KEY, confirmed=True)
    return user, device


def test_the_code_is_the_rfc_6238_value_for_its_key_and_time():
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits); 6 digits keep the last six.
    device = TOTPDevice(key=KEY, digits=8)
    assert _code(device, at=59) == "94287082"


def test_enrol_with_a_code_then_sign_in_asks_for_it(client, caplog):
    user = UserFactory(email="careful@example.com", role=Role.LEAD)
    client.force_login(user)
    page = client.get(SETTINGS_PAGE)
    assert b"otpauth://totp/" in page.content
    assert b'src="data:image/svg+xml' in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong = client.post(SETTINGS_PAGE, {"action": "enrol", "otp_token": "000000"})
    assert wrong.status_code == 400
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong code above started the throttle; skip its wait
    device.throttling_failure_timestamp = None
    device.save()
    enrolled = client.post(SETTINGS_PAGE, {"action": "enrol", "otp_token": _code(device)})

    assert enrolled.status_code == 200
    codes = StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    assert len(codes) == 10
    assert all(code.encode() in enrolled.content for code in codes)
    client.logout()
    caplog.set_level("INFO", logger="pdca.audit")
    caplog.clear()
    step_one = client.post(LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD})
    assert step_one.headers["Location"].startswith(CODE)
    assert "_auth_user_id" not in client.session
    backup = codes[0]
    signed_in = client.post(CODE, {"otp_token": backup})
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert not StaticToken.objects.filter(token=backup).exists()  # a backup code works once
    events = [r.getMessage() for r in caplog.records if r.name == "pdca.audit"]
    assert events[0].startswith("two-factor code asked: email=careful@example.com")
    assert events[-1].startswith("sign-in: email=careful@example.com")


def test_sign_in_with_the_app_code_lands_verified_on_next(client):
    user, device = _with_device(role=Role.LEAD)
    client.post(LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD, "next": "/accounts/tokens/"})

    response = client.post(CODE, {"otp_token": _code(device), "next": "/accounts/tokens/"})

    assert response.headers["Location"] == "/accounts/tokens/"
    assert client.get("/accounts/tokens/").status_code == 200
    assert client.session["otp_device_id"] == device.persistent_id


def test_a_wrong_code_is_refused_and_counted(client, caplog):
    user, device = _with_device(role=Role.LEAD)
    client.post(LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD})
    caplog.set_level("INFO", logger="pdca.audit")

    response = client.post(CODE, {"otp_token": "123456" if _code(device) != "123456" else "654321"})

    assert response.status_code == 400
    assert b"That code is not right" in response.content
    assert "_auth_user_id" not in client.session
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Right after a wrong code, even the right one waits out the throttle.
    assert client.post(CODE, {"otp_token": _code(device)}).status_code == 400
    assert "_auth_user_id" not in client.session
    assert any(r.getMessage().startswith("two-factor code refused") for r in caplog.records)


def test_too_many_wrong_codes_send_back_to_the_password(client):
    user, _ = _with_device(role=Role.LEAD)
    client.post(LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD})
    for _ in range(4):
        assert client.post(CODE, {"otp_token": "000000"}).status_code == 400
    assert client.post(CODE, {"otp_token": "000000"}).headers["Location"] == LOGIN
    assert client.get(CODE).headers["Location"] == LOGIN


def test_the_code_page_without_the_password_step_sends_to_login(client):
    assert client.get(CODE).headers["Location"] == LOGIN


def test_disable_needs_a_code(client):
    user, device = _with_device(role=Role.LEAD)
    StaticDevice.objects.create(user=user, name="Backup codes")
    client.force_login(user)

    assert client.post(SETTINGS_PAGE, {"action": "disable", "otp_token": "000000"}).status_code == 400
    assert TOTPDevice.objects.filter(user=user).exists()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    assert client.post(SETTINGS_PAGE, {"action": "disable", "otp_token": _code(device)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()


def test_admins_must_enrol_before_any_page_when_required(client, admin, settings):
    settings.REQUIRE_ADMIN_2FA = True
    client.force_login(admin)

    response = client.get(PAGE)

    assert response.status_code == 302
    assert response.headers["Location"].startswith(SETTINGS_PAGE)
    assert client.get("/admin/").headers["Location"].startswith(SETTINGS_PAGE)
    assert client.get("/api/v1/initiatives/").status_code == 403
    page = client.get(SETTINGS_PAGE)
    assert b"Administrators must set up two-factor" in page.content
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    client.post(SETTINGS_PAGE, {"action": "enrol", "otp_token": _code(device)})
    assert client.get(PAGE).status_code == 200
    assert client.get("/admin/").status_code == 200
    # Required: an admin cannot turn it off.
    refused = client.post(SETTINGS_PAGE, {"action": "disable", "otp_token": "000000"})
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()


def test_without_the_setting_admins_are_not_forced(client, admin, settings):
    settings.REQUIRE_ADMIN_2FA = False
    client.force_login(admin)
    assert client.get(PAGE).status_code == 200


def test_other_roles_are_not_forced_when_admins_are(client, lead, settings):
    settings.REQUIRE_ADMIN_2FA = True
    client.force_login(lead)
    assert client.get(PAGE).status_code == 200


def test_the_admin_site_wants_the_code_of_an_admin_who_has_a_device(client):
    user, _ = _with_device(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(user)  # a session without the code step

    response = client.get("/admin/")

    assert response.headers["Location"].startswith("/admin/login/")
    assert client.get(response.headers["Location"]).status_code == 403


def test_the_admin_login_form_sends_to_the_site_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.headers["Location"] == "/accounts/login/?next=/admin/"


def test_api_tokens_are_unaffected_by_two_factor(client, settings):
    settings.REQUIRE_ADMIN_2FA = True
    user = UserFactory(role=Role.ADMIN, is_staff=True)
    TOTPDevice.objects.create(user=user, name="Authenticator app", key=KEY, confirmed=True)
    _, secret = token_create(actor=user, name="ci", scopes=["progress:read"], expires_at=None)

    response = client.get("/api/v1/initiatives/", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 200


def test_a_verified_session_costs_one_query_a_page(client, lead):
    client.force_login(lead)
    with CaptureQueriesContext(connection) as plain:
        client.get(PAGE)
    user, device = _with_device(role=Role.LEAD)
    other = Client()
    other.post(LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD})
    other.post(CODE, {"otp_token": _code(device)})
    with CaptureQueriesContext(connection) as verified:
        assert other.get(PAGE).status_code == 200

    assert len(verified) == len(plain) + 1  # django-otp loads the session's device


def test_an_account_deactivated_between_the_two_steps_is_not_signed_in(client):
    user, device = _with_device(role=Role.LEAD)
    client.post(LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD})
    user.is_active = False
    user.save()

    response = client.post(CODE, {"otp_token": _code(device)})

    assert response.headers["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_an_admin_can_remove_the_devices_of_someone_who_lost_them(client, admin):
    user, device = _with_device(role=Role.LEAD)
    client.force_login(admin)

    assert client.get("/admin/otp_totp/totpdevice/").status_code == 200
    response = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_an_admin_session_without_the_code_is_signed_out_when_required(client, settings):
    settings.REQUIRE_ADMIN_2FA = True
    user, _ = _with_device(role=Role.ADMIN, is_staff=True)
    client.force_login(user)  # signed in before enrolling, in another browser

    response = client.get(PAGE)

    assert response.headers["Location"] == f"{LOGIN}?next=%2Faccounts%2Ftokens%2F"
    assert "_auth_user_id" not in client.session

"""A lead turns on two-factor authentication, signs in again with a code, and someone who forgot
their password resets it from the login page; every page passes axe."""

import re
import time

import pytest
from django.core import mail
from django.core.cache import cache
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.models import Role
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


def test_two_factor_enrol_and_sign_in_with_a_code(browse):
    lead = UserFactory(email="tara@example.com", full_name="Tara Lead", role=Role.LEAD)
    session = browse().login(lead.email)
    page = session.page
    page.get_by_role("link", name="Two-factor").click()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    session.assert_accessible()
    session.shot("enrol")
    device = TOTPDevice.objects.get(user=lead, confirmed=False)
    page.get_by_label("Code").fill(_code(device))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    session.assert_accessible()
    session.shot("backup-codes")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    session.login(lead.email)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    session.assert_accessible()
    session.shot("code")
    # Enrolment may have synced the device's drift (its code verified in the next 30 s step).
    device.refresh_from_db()
    page.get_by_label("Code").fill(_code(device, offset=30))  # the next step's code, not the one used
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Two-factor")).to_be_visible()
    assert "/accounts/login" not in page.url


def test_password_reset_from_the_login_page(browse):
    cache.clear()
    user = UserFactory(email="forgot@example.com", role=Role.CONTRIBUTOR)
    session = browse()
    page = session.go("/accounts/login/").page
    page.get_by_role("link", name="Forgot your password?").click()
    session.assert_accessible()
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    session.shot("reset-sent")
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[-1].body).group(1)
    session.go(link)
    session.assert_accessible()
    page.get_by_label("New password", exact=True).fill("a-brand-new-passphrase-42")
    page.get_by_label("New password confirmation").fill("a-brand-new-passphrase-42")
    page.get_by_role("button", name="Set the password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    session.shot("reset-done")
    session.login(user.email, "a-brand-new-passphrase-42")
    assert "/accounts/login" not in page.url

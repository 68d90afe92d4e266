"""The demo lead switches to Simplified Chinese on the preferences page and walks their pages in it.

Until every part of the site is translated, the journey asserts what the shared layout guarantees:
``<html lang="zh-hans">``, the navigation in Chinese (when the compiled catalogue exists) and dates
written the Chinese way. Each page is screenshot, full length, for a reader to look at.
"""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from improvement.management.demo_people import DEMO_PASSWORD
from improvement.models import Experiment, Initiative
from tests.i18n.test_catalogue import MO

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAD = "lead@demo.pdca"
CHINESE_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
NAVIGATION = ("项目组合", "改进项目", "看板", "路线图", "我的工作")


def test_the_demo_lead_reads_their_pages_in_simplified_chinese(browse, kpi_catalogue):
    call_command("load_demo", stdout=io.StringIO())
    lead = User.objects.get(email=LEAD)
    initiative = Initiative.objects.filter(lead=lead).order_by("pk").first()
    experiment = (
        Experiment.objects.filter(initiative__lead=lead).order_by("pk").first() or Experiment.objects.first()
    )

    session = browse().login(LEAD, DEMO_PASSWORD)
    page = session.go("/accounts/preferences/").page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option(label="简体中文")
    with page.expect_navigation():
        page.locator("form .form-actions button[type=submit]").click()
    lead.refresh_from_db()
    assert lead.language == "zh-hans"

    pages = {
        "preferences": "/accounts/preferences/",
        "dashboard": "/dashboard/",
        "initiatives": "/initiatives/",
        "initiative": f"/initiatives/{initiative.pk}/",
        "board": "/board/",
        "experiment": f"/experiments/{experiment.pk}/",
    }
    for name, path in pages.items():
        session.go(path)
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        if MO.exists():
            navigation = page.get_by_role("navigation").first.inner_text()
            for label in NAVIGATION:
                assert label in navigation, f"{path}: {label} missing from {navigation!r}"
            expect(page.get_by_role("button", name="退出登录")).to_be_visible()
        session.shot(f"zh-{name}")

    # The preferences page writes the time the Chinese way, whatever else is translated yet.
    session.go("/accounts/preferences/")
    assert CHINESE_DATE.search(page.locator("main").inner_text())
    if MO.exists():
        expect(page.get_by_role("heading", name="偏好设置")).to_be_visible()


def test_a_signed_out_visitor_switches_the_login_page_to_chinese(browse):
    session = browse().go("/accounts/login/")
    page = session.page
    page.get_by_label("Language").select_option(label="简体中文")
    with page.expect_navigation():
        page.locator(".language-form button").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    if MO.exists():
        expect(page.get_by_role("heading", name="登录")).to_be_visible()
        expect(page.get_by_label("语言")).to_have_value("zh-hans")
    session.shot("zh-login")

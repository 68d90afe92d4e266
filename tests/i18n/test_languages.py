"""Each person's language: their own choice, else the browser's, else English (docs/i18n.md).

Chinese text is asserted only where the compiled catalogue exists (it is built on merging); the
language itself (``<html lang>``, Content-Language, dates and numbers) is asserted always.
"""

import datetime as dt

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from accounts.languages import language_of, user_language
from common import numbers
from improvement.currency import format_amount
from tests.factories import UserFactory
from tests.i18n.test_catalogue import MO

PREFERENCES = "/accounts/preferences/"
LOGIN = "/accounts/login/"
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}


@pytest.fixture(autouse=True)
def _english_afterwards():
    # A request activates its language for the thread (LocaleMiddleware): the next test starts in English.
    yield
    translation.deactivate()


@pytest.fixture
def login(db):
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


catalogue = pytest.mark.skipif(not MO.exists(), reason="the compiled Chinese catalogue is built on merging")


@pytest.mark.django_db
def test_a_signed_out_visitor_reads_english_by_default_and_the_browser_language_when_offered(client):
    english = client.get(LOGIN)
    assert b'<html lang="en">' in english.content
    assert english["Content-Language"] == "en"
    assert "Accept-Language" in english["Vary"]
    chinese = client.get(LOGIN, **CHINESE)
    assert b'<html lang="zh-hans">' in chinese.content
    assert chinese["Content-Language"] == "zh-hans"


@pytest.mark.django_db
@catalogue
def test_the_login_page_in_chinese(client):
    body = client.get(LOGIN, **CHINESE).content.decode()
    assert "<h1>登录</h1>" in body
    assert "忘记密码？" in body


@pytest.mark.django_db
def test_a_signed_out_visitor_switches_language_with_the_footer_form(client):
    page = client.get(LOGIN).content.decode()
    assert 'action="/i18n/setlang/"' in page
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": LOGIN})
    assert response.status_code == 302
    assert b'<html lang="zh-hans">' in client.get(LOGIN).content


@pytest.mark.django_db
def test_the_users_own_language_wins_over_the_browsers(login, lead):
    client = login(lead)
    assert b'<html lang="zh-hans">' in client.get(PREFERENCES, **CHINESE).content  # nothing chosen: browser
    response = client.post(PREFERENCES, {"full_name": lead.full_name, "time_zone": "", "language": "en"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.language == "en"
    assert b'<html lang="en">' in client.get(PREFERENCES, **CHINESE).content
    client.post(PREFERENCES, {"full_name": lead.full_name, "time_zone": "", "language": "zh-hans"})
    page = client.get(PREFERENCES, HTTP_ACCEPT_LANGUAGE="en")
    assert b'<html lang="zh-hans">' in page.content
    assert page["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_an_unknown_language_is_refused(login, lead):
    response = login(lead).post(PREFERENCES, {"full_name": "", "time_zone": "", "language": "xx"})
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.language == ""


@pytest.mark.django_db
def test_the_preferences_page_offers_each_language_in_its_own_name(login, lead):
    body = login(lead).get(PREFERENCES).content.decode()
    assert '<option value="zh-hans">简体中文</option>' in body
    assert '<option value="en">English</option>' in body


@pytest.mark.django_db
@catalogue
def test_a_chinese_users_pages_say_the_navigation_in_chinese(login, lead):
    lead.language = "zh-hans"
    lead.save(update_fields=["language"])
    body = login(lead).get(PREFERENCES).content.decode()
    for label in ("项目组合", "改进项目", "看板", "路线图", "我的工作", "偏好设置", "退出登录"):
        assert label in body


@pytest.mark.django_db
def test_the_api_follows_accept_language_not_the_users_choice(login, lead):
    lead.language = "zh-hans"
    lead.save(update_fields=["language"])
    client = login(lead)
    assert client.get("/api/v1/initiatives/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"
    assert client.get("/api/v1/initiatives/", **CHINESE)["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_user_language_and_language_of():
    chinese, unset = UserFactory(language="zh-hans"), UserFactory(language="")
    assert user_language(chinese) == "zh-hans"
    assert user_language(unset) == "en-us"
    assert user_language(unset, default="zh-hans") == "zh-hans"
    with translation.override("en"):
        with language_of(chinese):
            assert translation.get_language() == "zh-hans"
        assert translation.get_language() == "en"


@pytest.mark.django_db
def test_the_password_reset_email_is_in_the_users_language(client):
    UserFactory(email="li@example.com", language="zh-hans")
    UserFactory(email="ann@example.com", language="")
    client.post("/accounts/password/reset/", {"email": "ann@example.com"})
    assert mail.outbox[-1].subject == "PDCA Tracker: reset your password"
    assert mail.outbox[-1].body.startswith("Hello ")
    if MO.exists():
        client.post("/accounts/password/reset/", {"email": "li@example.com"})
        assert mail.outbox[-1].subject == "PDCA Tracker：重置密码"
        assert "您好" in mail.outbox[-1].body


DATES = Template(
    '{% load dates %}{{ day|local_date }}|{{ at|local_date:"j M Y, H:i" }}|{{ day|local_date:"j M" }}'
)


def test_dates_are_written_the_way_each_language_writes_them():
    context = Context({"day": dt.date(2026, 12, 3), "at": dt.datetime(2026, 12, 3, 9, 5, tzinfo=dt.UTC)})
    with translation.override("en"):
        assert DATES.render(context) == "3 Dec 2026|3 Dec 2026, 09:05|3 Dec"
    with translation.override("zh-hans"):
        assert DATES.render(context) == "2026年12月3日|2026年12月3日 09:05|12月3日"


def test_python_code_writes_dates_the_same_way():
    from common.templatetags.dates import local_date_format

    with translation.override("en"):
        assert local_date_format(dt.date(2026, 12, 3)) == "3 Dec 2026"
    with translation.override("zh-hans"):
        assert local_date_format(dt.date(2026, 12, 3)) == "2026年12月3日"
        assert local_date_format(dt.date(2026, 12, 3), "M Y") == "2026年12月"


def test_numbers_keep_their_english_form_and_take_chinese_words_for_large_ones():
    with translation.override("en"):
        assert [numbers.readable(5327.4), numbers.readable(1234567), numbers.count(-2489)] == [
            "5,330",
            "1.23 million",
            "−2,489",
        ]
    with translation.override("zh-hans"):
        assert [numbers.readable(1234567), numbers.readable(123456789), numbers.readable(-5.5e10)] == [
            "123万",
            "1.23亿",
            "−550亿",
        ]
        assert numbers.readable(5327.4) == "5,330"
    with translation.override("de"):
        assert numbers.readable(5327.4) == "5.330"
        assert numbers.p_value(0.0234) == "0,023"


def test_amounts_follow_the_locale_and_stay_english_without_one():
    assert format_amount(-12400.4, currency="EUR") == "−€12,400"
    assert format_amount(1200.5, currency="CHF", cents=True) == "CHF\u202f1,200.50"
    assert format_amount(-12400.4, currency="EUR", locale="zh_Hans") == "−€12,400"
    assert format_amount(12400, currency="CNY", locale="zh_Hans") == "¥12,400"
    assert format_amount(1200.5, currency="EUR", cents=True, locale="de") == "1.200,50\xa0€"


def test_the_money_filter_follows_the_active_language():
    money = Template("{% load money %}{{ value|money }}")
    with translation.override("de"):
        assert money.render(Context({"value": 12400})) == "12.400\xa0€"
    with translation.override("en"):
        assert money.render(Context({"value": 12400})) == "€12,400"

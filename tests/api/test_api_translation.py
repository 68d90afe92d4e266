"""API error messages in the caller's language (Accept-Language), codes and field names unchanged.

Needs the compiled zh_Hans catalogue (``locale/``, ``manage.py compilemessages``). The site's
LocaleMiddleware is switched on here for the API call only, as settings may not have it yet.
"""

import datetime as dt

import orjson
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from accounts.models import Notification
from common import errors
from common.api.errors import api_exception_handler
from common.api.renderers import render_json
from improvement.models import ImportJob, NotificationKind
from improvement.services import imports
from improvement.services.packs import pack_send_scheduled
from kpis.models import Kpi
from kpis.services import MSG_UNKNOWN_KPI
from kpis.survey_answers import survey_answers_record
from tests.factories import KpiFactory

BULK = "/api/v1/measurements/bulk/"


@pytest.fixture(autouse=True)
def _catalogue(settings):
    settings.LOCALE_PATHS = [django_settings.BASE_DIR / "locale"]
    middleware = list(settings.MIDDLEWARE)
    if "django.middleware.locale.LocaleMiddleware" not in middleware:
        after = middleware.index("django.contrib.sessions.middleware.SessionMiddleware") + 1
        middleware.insert(after, "django.middleware.locale.LocaleMiddleware")
    settings.MIDDLEWARE = middleware


def test_a_refused_batch_answers_in_the_callers_language(token_api, contributor):
    KpiFactory(code="chat_csat", min_value=0, max_value=100)
    rows = [{"kpi": "nope", "period": "2026-01-01", "value": 80}]

    response = token_api(contributor, "measurements:write").post(
        BULK, {"rows": rows}, format="json", HTTP_ACCEPT_LANGUAGE="zh-Hans"
    )

    assert response.status_code == 400
    assert orjson.loads(response.content) == {
        "code": "invalid",
        "message": "输入无效。",
        "fields": {"rows[0].kpi": ["未知的 KPI 代码：nope。"]},
        "non_field_errors": [],
        "details": [],
    }


def test_english_stays_the_default(token_api, contributor):
    KpiFactory(code="chat_csat", min_value=0, max_value=100)
    rows = [{"kpi": "nope", "period": "2026-01-01", "value": 80}]

    response = token_api(contributor, "measurements:write").post(BULK, {"rows": rows}, format="json")

    assert response.json()["fields"] == {"rows[0].kpi": [MSG_UNKNOWN_KPI.format(code="nope")]}


def test_a_domain_errors_default_message_is_translated():
    with translation.override("zh-hans"):
        response = api_exception_handler(errors.Conflict(), {})

    assert response.status_code == 409
    assert response.data["code"] == "conflict"
    assert response.data["message"] == "该记录已被他人修改，请重新加载后再试。"


def test_a_survey_score_outside_its_scale_is_refused_in_the_active_language(contributor):
    nps = Kpi.objects.get(code="nps")  # in the catalogue the migrations load

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        survey_answers_record(actor=contributor, kpi=nps, period=dt.date(2026, 1, 1), scores=[9, 11])

    assert refused.value.message_dict == {"scores": ["评分 11 超出了 NPS 量表 0–10 的范围。"]}


def test_the_renderer_writes_a_lazy_translation_as_text():
    with translation.override("zh-hans"):
        content = render_json({"message": gettext_lazy("Not found.")})

    assert orjson.loads(content) == {"message": "未找到。"}


def test_an_import_dry_run_writes_its_errors_in_the_uploaders_language(
    lead, django_capture_on_commit_callbacks
):
    lead.language = "zh-hans"
    lead.save(update_fields=["language"])
    content = b"KPI,Period,Value\nnope,2026-01-01,71\n"

    with django_capture_on_commit_callbacks(execute=True):
        job = imports.import_job_create(actor=lead, kind="measurements", filename="m.csv", content=content)

    job = ImportJob.objects.get(pk=job.pk)
    assert job.errors == [{"row": 2, "column": "KPI", "message": "未知的 KPI 代码：nope。"}]


def test_the_monthly_pack_mail_is_written_in_each_recipients_language(executive, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    executive.language = "zh-hans"
    executive.save(update_fields=["language"])
    today = timezone.localdate()

    pack_send_scheduled(today=today)

    notification = Notification.objects.get(recipient=executive, kind=NotificationKind.PORTFOLIO_PACK)
    assert notification.title == f"项目组合评审报告包，{today.isoformat()}"
    assert "尚无" in notification.body

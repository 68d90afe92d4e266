"""The prioritisation settings in the admin: changed through priority_settings_update."""

import pytest
from django.urls import reverse

from improvement.selectors.priorities import priority_settings_get
from improvement.services.priorities import MSG_CHANGED_MEANWHILE, MSG_MIX_TOTAL

pytestmark = pytest.mark.django_db

VALID = {
    "weight_value": 30,
    "weight_money": 50,
    "weight_ease": 20,
    "reference_interaction": 52,
    "reference_process": 31,
    "reference_technical": 17,
}


def _change_url():
    return reverse("admin:improvement_prioritysettings_change", args=[priority_settings_get().pk])


def _seen(admin_client) -> str:
    return admin_client.get(_change_url()).context["adminform"].form["seen"].value()


def test_an_admin_changes_the_weights_through_the_service(admin_client, admin):
    done = admin_client.post(_change_url(), {**VALID, "weight_ease": 70, "seen": _seen(admin_client)})
    assert done.status_code == 302, done.content.decode()[:2000]
    settings = priority_settings_get()
    assert settings.weight_ease == 70 and settings.updated_by == admin


def test_a_mix_not_adding_up_to_100_is_refused_on_the_form(admin_client):
    page = admin_client.post(
        _change_url(), {**VALID, "reference_technical": 20, "weight_ease": 70, "seen": _seen(admin_client)}
    )
    assert page.status_code == 200
    assert MSG_MIX_TOTAL % {"total": 103} in page.content.decode()
    assert priority_settings_get().weight_ease == 20


def test_a_save_against_settings_changed_meanwhile_is_refused(admin_client):
    seen = _seen(admin_client)
    assert admin_client.post(_change_url(), {**VALID, "weight_ease": 60, "seen": seen}).status_code == 302
    page = admin_client.post(_change_url(), {**VALID, "weight_ease": 10, "seen": seen}, follow=True)
    assert MSG_CHANGED_MEANWHILE in page.content.decode()
    assert priority_settings_get().weight_ease == 60


def test_there_is_no_second_row_to_add(admin_client):
    assert admin_client.get(reverse("admin:improvement_prioritysettings_add")).status_code == 403

"""The Django admin does not go around the domain rules: it archives, never deletes, and its edits go
through the services, with their errors on the fields they concern.
"""

import datetime as dt

import pytest
from django.contrib import admin as django_admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import ApiToken, Scope, Team
from accounts.services import MSG_EXPIRY_PAST
from common.admin import MSG_ARCHIVED
from improvement.models import Initiative, KpiTarget, Milestone, Stage
from improvement.services.roadmap import MSG_INACTIVE_OWNER
from improvement.services.targets import MSG_DUPLICATE_TARGET, MSG_TARGET_NOT_BETTER
from kpis.models import Kpi
from tests.admin.conftest import admin_url
from tests.factories import InitiativeFactory, KpiFactory, UserFactory

pytestmark = pytest.mark.django_db


def form_data(response) -> dict:
    """What a browser sends back from an admin change page when the user changes nothing."""
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.extend(formset.forms)
        for field in formset.management_form:
            data[field.html_name] = field.value()
    for form in forms:
        for field in form:
            value = field.value()
            if isinstance(value, list | tuple):
                data[field.html_name] = [getattr(item, "pk", item) for item in value]
            elif isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
            elif isinstance(value, dt.date):
                data[field.html_name] = value.isoformat()
            elif value is not None:
                data[field.html_name] = getattr(value, "pk", value)
    return data


# Archive, never delete --------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Initiative, Team, Kpi, KpiTarget, Milestone])
def test_an_archivable_model_offers_no_delete(admin_client, admin, rf, records, model):
    model_admin = django_admin.site.get_model_admin(model)
    request = rf.get("/")
    request.user = admin
    obj = model.objects.first()

    assert not model_admin.has_delete_permission(request, obj)
    assert "delete_selected" not in model_admin.get_actions(request)
    assert "archive_selected" in model_admin.get_actions(request)
    assert admin_client.get(admin_url(model, "delete", obj.pk)).status_code == 403


def test_archive_selected_archives_through_the_service_and_keeps_the_rows(admin_client, admin, records):
    other = InitiativeFactory()

    response = admin_client.post(
        admin_url(Initiative, "changelist"),
        {"action": "archive_selected", ACTION_CHECKBOX_NAME: [records.pk, other.pk]},
        follow=True,
    )

    assert MSG_ARCHIVED.format(count=2) in [str(m) for m in get_messages(response.wsgi_request)]
    records.refresh_from_db()
    assert records.archived_at is not None
    assert records.version == 2
    assert records.history.latest().history_user == admin
    assert Initiative.objects.count() == 2


def test_an_archived_initiative_opens_read_only(admin_client, admin, rf, records):
    admin_client.post(
        admin_url(Initiative, "changelist"),
        {"action": "archive_selected", ACTION_CHECKBOX_NAME: [records.pk]},
    )
    records.refresh_from_db()
    request = rf.get("/")
    request.user = admin

    assert not django_admin.site.get_model_admin(Initiative).has_change_permission(request, records)
    assert admin_client.get(admin_url(Initiative, "change", records.pk)).status_code == 200


# Edits go through the services ------------------------------------------------------------------


def test_saving_an_initiative_keeps_the_stage_and_bumps_the_version(admin_client, admin, records):
    url = admin_url(Initiative, "change", records.pk)
    data = form_data(admin_client.get(url))
    data.update(title="Faster first response", stage=Stage.ACT, status="abandoned", cycle="7", version="99")

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    records.refresh_from_db()
    assert (records.title, records.stage, records.status, records.cycle) == (
        "Faster first response",
        Stage.PLAN,
        "active",
        1,
    )
    assert records.version == 2
    assert records.history.latest().history_user == admin


def test_editing_a_milestone_on_the_initiative_page_goes_through_the_service(admin_client, admin, records):
    milestone = records.milestones.get()
    url = admin_url(Initiative, "change", records.pk)
    data = form_data(admin_client.get(url))
    data["milestones-0-title"] = "Pilot in the chat queue"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.title, milestone.version) == ("Pilot in the chat queue", 2)
    assert milestone.history.latest().history_user == admin


def test_adding_an_initiative_numbers_it_and_starts_its_cycle(admin_client, team, lead):
    response = admin_client.post(
        admin_url(Initiative, "add"),
        {
            **{
                f"{prefix}-{key}": value
                for prefix in ("targets", "milestones", "costs", "benefits", "transitions")
                for key, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))
            },
            "title": "Callback instead of queueing",
            "team": team.pk,
            "lead": lead.pk,
            "category": "response_speed",
            "breakpoint_type": "process",
            "impact": 4,
            "effort": 2,
            "start_date": "2026-03-02",
        },
    )

    assert response.status_code == 302
    initiative = Initiative.objects.get(title="Callback instead of queueing")
    assert initiative.code.startswith("IMP-")
    assert (initiative.stage, initiative.cycle_started_on) == (Stage.PLAN, dt.date(2026, 3, 2))


def test_only_project_leads_and_admins_are_offered_as_lead(admin_client, admin, lead, contributor):
    response = admin_client.get(admin_url(Initiative, "add"))
    choices = response.context["adminform"].form.fields["lead"].choices
    offered = {getattr(value, "value", value) for value, _ in choices} - {""}

    assert offered == {admin.pk, lead.pk}


def test_a_target_that_is_not_an_improvement_is_refused_on_the_form(admin_client, records):
    kpi = KpiFactory(direction="higher")

    response = admin_client.post(
        admin_url(KpiTarget, "add"),
        {"initiative": records.pk, "kpi": kpi.pk, "segment": "", "baseline_value": 80, "target_value": 70},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["target_value"] == [
        MSG_TARGET_NOT_BETTER.format(direction="higher is better")
    ]


def test_a_second_active_target_for_the_same_kpi_is_refused_on_the_kpi_field(admin_client, records):
    existing = records.targets.get()

    response = admin_client.post(
        admin_url(KpiTarget, "add"),
        {
            "initiative": records.pk,
            "kpi": existing.kpi.pk,
            "segment": existing.segment,
            "baseline_value": existing.baseline_value,
            "target_value": existing.target_value,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"kpi": [MSG_DUPLICATE_TARGET]}
    assert records.targets.count() == 1


def test_a_service_error_on_an_inline_row_lands_on_that_row_and_nothing_is_saved(admin_client, records):
    milestone = records.milestones.get()
    title, owner = records.title, milestone.owner
    departed = UserFactory(is_active=False)
    url = admin_url(Initiative, "change", records.pk)
    data = form_data(admin_client.get(url))
    data.update({"title": "Renamed with the page", "milestones-0-owner": departed.pk})

    response = admin_client.post(url, data)

    assert response.status_code == 200
    milestones = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "milestones"
    )
    assert milestones.forms[0].errors == {"owner": [MSG_INACTIVE_OWNER]}
    records.refresh_from_db()
    milestone.refresh_from_db()
    assert (records.title, milestone.owner) == (title, owner)


def test_a_token_that_expires_in_the_past_is_refused_on_the_expiry_field(admin_client, lead):
    response = admin_client.post(
        admin_url(ApiToken, "add"),
        {
            "user": lead.pk,
            "name": "BI sync",
            "scopes": [Scope.PROGRESS_READ],
            "expires_at_0": "2001-01-01",
            "expires_at_1": "00:00",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"expires_at": [MSG_EXPIRY_PAST]}
    assert not ApiToken.objects.filter(name="BI sync").exists()


def test_history_cannot_be_reverted(admin_client, records):
    version = records.history.earliest()
    url = reverse("admin:improvement_initiative_simple_history", args=[records.pk, version.history_id])

    assert admin_client.post(url, {"title": "old"}).status_code == 403

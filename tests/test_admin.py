"""The Django admin: every model is there and opens, and it does not go around the domain rules."""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin as django_admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.db.models import Model
from django.urls import reverse

from accounts.models import ApiToken, Notification, NotificationMute, Role, Scope, Team, User
from accounts.services import MSG_EXPIRY_PAST, token_authenticate
from common.admin import MSG_ARCHIVED
from improvement.models import (
    Initiative,
    KpiTarget,
    Milestone,
    SentReminder,
    Stage,
    StageTransition,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from improvement.services.roadmap import MSG_INACTIVE_OWNER
from improvement.services.targets import MSG_DUPLICATE_TARGET, MSG_TARGET_NOT_BETTER
from kpis.models import Kpi, KpiAlert, Measurement
from tests.factories import (
    ApiTokenFactory,
    BenefitFactory,
    CostFactory,
    InitiativeFactory,
    KpiFactory,
    KpiTargetFactory,
    MeasurementFactory,
    MembershipFactory,
    MilestoneFactory,
    StageTransitionFactory,
    StatusUpdateFactory,
    UserFactory,
)
from tests.web.conftest import queries_for

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("accounts", "kpis", "improvement")


def domain_models() -> list[type[Model]]:
    """Concrete models of our apps; django-simple-history's Historical* shadows are not admin pages."""
    return [
        model
        for label in DOMAIN_APPS
        for model in apps.get_app_config(label).get_models()
        if not model.__name__.startswith("Historical")
    ]


MODEL_LABELS = [model._meta.label for model in domain_models()]


def admin_url(model: type[Model], view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_client(client, admin):
    """Replaces pytest-django's fixture of the same name: signed in as our ``admin`` (admin role)."""
    client.force_login(admin)
    return client


@pytest.fixture
def records(team, lead):
    """One row of every model, so changelists render real rows and columns."""
    initiative = InitiativeFactory(team=team, lead=lead)
    KpiTargetFactory(initiative=initiative)
    milestone = MilestoneFactory(initiative=initiative)
    CostFactory(initiative=initiative)
    BenefitFactory(initiative=initiative)
    StatusUpdateFactory(initiative=initiative)
    StageTransitionFactory(initiative=initiative, actor=lead)
    measurement = MeasurementFactory(recorded_by=lead)
    ApiTokenFactory(user=lead)
    # No factories for these yet; their rows are plain records of what the jobs did.
    KpiAlert.objects.create(
        kpi=measurement.kpi, period=measurement.period, level="warning", value=40.0, threshold=45.0
    )
    Notification.objects.create(
        recipient=lead, kind="stage_changed", title="IMP-500 moved to Do", dedupe_key="stage_changed:1"
    )
    NotificationMute.objects.create(user=lead, kind="digest")
    SentReminder.objects.create(
        milestone=milestone, recipient=lead, reason="owner_overdue", overdue_since=milestone.due_date
    )
    subscription = WebhookSubscription.objects.create(
        owner=lead, url="https://hooks.example.com/pdca", events=["stage.changed"]
    )
    event = WebhookEvent.objects.create(type="stage.changed", dedupe_key="transition:1")
    delivery = WebhookDelivery.objects.create(subscription=subscription, event=event)
    WebhookAttempt.objects.create(delivery=delivery, number=1, status_code=500, error="Server error")
    return initiative


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


# Registration and pages -------------------------------------------------------------------------


def test_every_model_of_the_domain_apps_is_registered():
    missing = [model._meta.label for model in domain_models() if not django_admin.site.is_registered(model)]

    assert missing == []


@pytest.mark.parametrize("label", MODEL_LABELS)
def test_the_changelist_and_add_page_of_every_model_open(admin_client, admin, records, rf, label):
    model = apps.get_model(label)

    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    request = rf.get("/")
    request.user = admin
    if django_admin.site.get_model_admin(model).has_add_permission(request):
        assert admin_client.get(admin_url(model, "add")).status_code == 200


@pytest.mark.parametrize(
    "factory",
    [
        InitiativeFactory,
        KpiFactory,
        MeasurementFactory,
        MilestoneFactory,
        KpiTargetFactory,
        CostFactory,
        BenefitFactory,
        StatusUpdateFactory,
        StageTransitionFactory,
        MembershipFactory,
        ApiTokenFactory,
        UserFactory,
    ],
    ids=lambda factory: factory._meta.model.__name__,
)
def test_the_change_page_of_a_record_opens(admin_client, factory):
    obj = factory()

    assert admin_client.get(admin_url(type(obj), "change", obj.pk)).status_code == 200


def test_the_change_page_of_a_team_with_members_opens(admin_client, team, lead, contributor):
    response = admin_client.get(admin_url(Team, "change", team.pk))

    assert response.status_code == 200
    (memberships,) = response.context["inline_admin_formsets"]
    assert {form.instance.user for form in memberships.formset.forms} == {lead, contributor}


def test_the_history_of_an_initiative_opens(admin_client, records):
    assert admin_client.get(admin_url(Initiative, "history", records.pk)).status_code == 200


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (Initiative, lambda team: InitiativeFactory(team=team)),
        (Milestone, lambda team: MilestoneFactory(initiative__team=team)),
        (KpiTarget, lambda team: KpiTargetFactory(initiative__team=team)),
        (Measurement, lambda team: MeasurementFactory()),
        (StageTransition, lambda team: StageTransitionFactory(initiative__team=team)),
        (Team, lambda team: MembershipFactory(team=team)),
    ],
    ids=["initiative", "milestone", "kpi-target", "measurement", "stage-transition", "team"],
)
def test_a_changelist_costs_the_same_queries_for_3n_rows_as_for_n(admin_client, team, model, make):
    url = admin_url(model, "changelist")
    for _ in range(2):
        make(team)
    few = queries_for(admin_client, url)
    for _ in range(4):
        make(team)

    assert queries_for(admin_client, url) == few


def test_the_initiative_page_costs_the_same_queries_for_3n_inline_rows_as_for_n(admin_client, records, lead):
    url = admin_url(Initiative, "change", records.pk)

    def add_rows():
        KpiTargetFactory(initiative=records)
        MilestoneFactory(initiative=records)
        CostFactory(initiative=records)
        BenefitFactory(initiative=records, validated_by=lead)
        StageTransitionFactory(initiative=records, actor=lead)

    add_rows()
    few = queries_for(admin_client, url)
    add_rows()
    add_rows()

    assert queries_for(admin_client, url) == few


def test_the_team_page_costs_the_same_queries_for_3n_members_as_for_n(admin_client, team):
    url = admin_url(Team, "change", team.pk)
    for _ in range(2):
        MembershipFactory(team=team)
    few = queries_for(admin_client, url)
    for _ in range(4):
        MembershipFactory(team=team)

    assert queries_for(admin_client, url) == few


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


# API tokens -------------------------------------------------------------------------------------


def test_a_token_made_in_the_admin_shows_its_secret_once_and_stores_only_its_digest(admin_client, lead):
    response = admin_client.post(
        admin_url(ApiToken, "add"),
        {"user": lead.pk, "name": "BI sync", "scopes": [Scope.PROGRESS_READ]},
        follow=True,
    )

    token = ApiToken.objects.get(name="BI sync")
    (secret,) = [
        word
        for m in get_messages(response.wsgi_request)
        for word in str(m).split()
        if word.startswith("pdca_")
    ]
    assert token_authenticate(secret=secret) == token
    assert token.user == lead
    assert secret not in token.key_hash


def test_the_token_forms_never_show_the_digest(admin_client, lead):
    token = ApiTokenFactory(user=lead)

    add = admin_client.get(admin_url(ApiToken, "add"))
    change = admin_client.get(admin_url(ApiToken, "change", token.pk))

    assert "key_hash" not in add.context["adminform"].form.fields
    assert list(change.context["adminform"].form.fields) == ["name"]
    assert token.key_hash not in change.content.decode()


def test_a_webhook_subscription_never_shows_its_secret_after_creation(admin_client, records):
    subscription = WebhookSubscription.objects.get()

    response = admin_client.get(admin_url(WebhookSubscription, "change", subscription.pk))

    assert list(response.context["adminform"].form.fields) == ["name"]
    assert subscription.secret not in response.content.decode()


def test_a_webhook_subscription_made_in_the_admin_shows_its_secret_once(admin_client, admin, settings):
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = True

    response = admin_client.post(
        admin_url(WebhookSubscription, "add"),
        {
            "owner": admin.pk,
            "name": "BI",
            "url": "https://hooks.example.com/pdca",
            "events": ["stage.changed"],
        },
        follow=True,
    )

    subscription = WebhookSubscription.objects.get(name="BI")
    assert subscription.events == ["stage.changed"]
    assert any(subscription.secret in str(m) for m in get_messages(response.wsgi_request))


def test_a_user_added_in_the_admin_gets_the_flags_of_their_role(admin_client):
    response = admin_client.post(
        admin_url(User, "add"),
        {
            "email": "New.Admin@Example.com",
            "full_name": "New Admin",
            "role": Role.ADMIN,
            "usable_password": "true",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.admin@example.com")
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert user.check_password("a-long-and-unusual-passphrase")

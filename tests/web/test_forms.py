"""The forms behind the initiative page: targets, measurements, milestones, costs and benefits."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from improvement.models import Benefit, Cost, KpiTarget, Milestone, MilestoneStatus
from improvement.services.money import MSG_CANNOT_VALIDATE, MSG_NEGATIVE
from improvement.services.roadmap import MSG_CANNOT_UPDATE, MSG_OPEN_DEPENDENCIES
from improvement.services.targets import MSG_TARGET_NOT_BETTER
from improvement.views.targets import MSG_NO_TARGETS
from kpis.models import Measurement
from kpis.services import MSG_ABOVE_MAX, MSG_BAD_NUMERATOR, MSG_FUTURE_PERIOD
from tests.factories import BenefitFactory, KpiFactory, KpiTargetFactory, MilestoneFactory

pytestmark = pytest.mark.django_db


def url(name, obj) -> str:
    return reverse(f"improvement:{name}", args=[obj.pk])


# KPI targets ------------------------------------------------------------------------------------


def test_a_lead_adds_a_kpi_target(login, lead, initiative):
    kpi = KpiFactory(name="First-contact resolution")

    response = login(lead).post(
        url("target_create", initiative),
        {"kpi": kpi.pk, "baseline_value": 70, "target_value": 85, "is_primary": "on"},
    )

    assert response.status_code == 302
    target = KpiTarget.objects.get()
    assert (target.kpi, target.baseline_value, target.target_value) == (kpi, 70, 85)


def test_a_target_on_the_wrong_side_of_the_baseline_is_refused_next_to_the_field(login, lead, initiative):
    kpi = KpiFactory(direction="lower", unit="seconds", min_value=0, max_value=None)

    response = login(lead).post(
        url("target_create", initiative), {"kpi": kpi.pk, "baseline_value": 30, "target_value": 45}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "target_value": [MSG_TARGET_NOT_BETTER.format(direction="lower is better")]
    }
    assert not KpiTarget.objects.exists()


@pytest.mark.parametrize("role_fixture", ["contributor", "executive", "finance"])
def test_only_editors_add_targets(request, login, initiative, role_fixture):
    response = login(request.getfixturevalue(role_fixture)).get(url("target_create", initiative))

    assert response.status_code == 403


# Measurements -----------------------------------------------------------------------------------


def test_a_contributor_records_a_measurement_of_a_target_kpi(login, contributor, initiative):
    target = KpiTargetFactory(initiative=initiative, segment="chat")
    today = timezone.localdate()

    response = login(contributor).post(
        url("measurement_create", initiative),
        {"target": target.pk, "period": today.isoformat(), "value": 81.5},
    )

    assert response.status_code == 302
    measurement = Measurement.objects.get()
    assert (measurement.kpi, measurement.segment, measurement.value) == (target.kpi, "chat", 81.5)
    assert measurement.recorded_by == contributor


def test_a_measurement_carries_its_counts_note_and_assignable_cause(login, lead, initiative):
    target = KpiTargetFactory(initiative=initiative)
    form = {"target": target.pk, "period": timezone.localdate().isoformat(), "value": 75}
    extra = {"sample_size": 400, "numerator": 300, "note": "Storm", "assignable_cause": "Line outage"}

    refused = login(lead).post(url("measurement_create", initiative), form | extra | {"numerator": 401})
    saved = login(lead).post(url("measurement_create", initiative), form | extra)

    assert refused.context["form"].errors == {"numerator": [MSG_BAD_NUMERATOR]}
    assert saved.status_code == 302
    stored = Measurement.objects.get()
    assert (stored.numerator, stored.note, stored.assignable_cause) == (300, "Storm", "Line outage")


def test_a_value_outside_the_kpi_range_is_refused_next_to_the_value(login, lead, initiative):
    target = KpiTargetFactory(initiative=initiative)

    response = login(lead).post(
        url("measurement_create", initiative),
        {"target": target.pk, "period": timezone.localdate().isoformat(), "value": 140},
    )

    assert response.context["form"].errors == {
        "value": [MSG_ABOVE_MAX.format(value=140.0, limit=100.0, kpi=target.kpi.name)]
    }
    assert not Measurement.objects.exists()


def test_the_measurement_form_suggests_today_and_says_which_dates_count(login, lead, initiative):
    KpiTargetFactory(initiative=initiative)
    initiative.cycle_started_on = dt.date(2026, 12, 2)
    initiative.save()
    today = timezone.localdate()

    response = login(lead).get(url("measurement_create", initiative))

    body = response.content.decode()
    assert f'value="{today.isoformat()}"' in body
    assert f'max="{(today + dt.timedelta(days=1)).isoformat()}"' in body
    assert "on or after 2 Dec 2026 (the day this cycle started) count for this cycle" in body


def test_a_measurement_dated_after_tomorrow_is_refused_next_to_the_period(login, lead, initiative):
    target = KpiTargetFactory(initiative=initiative)
    later = timezone.localdate() + dt.timedelta(days=2)

    response = login(lead).post(
        url("measurement_create", initiative), {"target": target.pk, "period": later.isoformat(), "value": 80}
    )

    assert response.context["form"].errors == {"period": [MSG_FUTURE_PERIOD.format(period=later.isoformat())]}
    assert not Measurement.objects.exists()


def test_measurements_need_a_target_first(login, lead, initiative):
    response = login(lead).get(url("measurement_create", initiative), follow=True)

    assert MSG_NO_TARGETS in [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("role_fixture", ["viewer", "executive", "finance"])
def test_readers_cannot_record_measurements(request, login, initiative, role_fixture):
    KpiTargetFactory(initiative=initiative)

    assert (
        login(request.getfixturevalue(role_fixture)).get(url("measurement_create", initiative)).status_code
        == 403
    )


# Milestones -------------------------------------------------------------------------------------


def test_a_lead_plans_a_milestone_for_a_team_member(login, lead, contributor, initiative):
    due = timezone.localdate() + dt.timedelta(days=20)

    response = login(lead).post(
        url("milestone_create", initiative),
        {"title": "Pilot in queue B", "due_date": due.isoformat(), "owner": contributor.pk},
    )

    assert response.status_code == 302
    assert Milestone.objects.get().owner == contributor


def test_the_owner_completes_their_milestone(login, contributor, initiative):
    milestone = MilestoneFactory(initiative=initiative, owner=contributor)
    my_work = reverse("improvement:my_work")

    response = login(contributor).post(
        url("milestone_complete", milestone), {"version": milestone.version, "next": my_work}
    )

    assert response["Location"] == my_work
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.DONE
    assert milestone.completed_at is not None


def test_the_owner_moves_the_due_date_and_writes_acceptance_criteria(login, contributor, initiative):
    milestone = MilestoneFactory(initiative=initiative, owner=contributor, title="Pilot")
    due = timezone.localdate() + dt.timedelta(days=45)

    response = login(contributor).post(
        url("milestone_edit", milestone),
        {
            "status": "in_progress",
            "due_date": due.isoformat(),
            "acceptance_criteria": "Queue B answers 80 % of chats within 30 s",
            "description": "",
            "version": milestone.version,
        },
    )

    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.due_date == due
    assert milestone.acceptance_criteria == "Queue B answers 80 % of chats within 30 s"
    assert milestone.status == MilestoneStatus.IN_PROGRESS
    assert milestone.history.first().history_user == contributor


def test_marking_done_offers_an_undo_that_restores_the_milestone(login, contributor, initiative):
    milestone = MilestoneFactory(initiative=initiative, owner=contributor, status=MilestoneStatus.IN_PROGRESS)
    my_work = reverse("improvement:my_work")
    client = login(contributor)

    done = client.post(
        url("milestone_complete", milestone), {"version": milestone.version, "next": my_work}, follow=True
    )

    page = done.content.decode()
    assert f'action="{url("milestone_reopen", milestone)}"' in page
    assert ">Undo<" in page
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.DONE

    undone = client.post(url("milestone_reopen", milestone), {"version": milestone.version, "next": my_work})

    assert undone["Location"] == my_work
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.IN_PROGRESS
    assert milestone.completed_at is None
    assert [h.status for h in milestone.history.order_by("history_date")][-3:] == [
        "in_progress",
        "done",
        "in_progress",
    ]


def test_undo_with_a_stale_version_changes_nothing(login, contributor, initiative):
    milestone = MilestoneFactory(initiative=initiative, owner=contributor)
    client = login(contributor)
    client.post(url("milestone_complete", milestone), {"version": milestone.version})

    response = client.post(url("milestone_reopen", milestone), {"version": milestone.version}, follow=True)

    assert response.status_code == 200
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.DONE


def test_someone_elses_milestone_cannot_be_reopened(login, lead, contributor, initiative):
    milestone = MilestoneFactory(initiative=initiative)
    login(lead).post(url("milestone_complete", milestone), {"version": milestone.version})
    milestone.refresh_from_db()

    response = login(contributor).post(url("milestone_reopen", milestone), {"version": milestone.version})

    assert response.status_code == 403
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.DONE


def test_someone_elses_milestone_cannot_be_completed(login, contributor, initiative):
    milestone = MilestoneFactory(initiative=initiative)

    response = login(contributor).post(url("milestone_complete", milestone), {"version": milestone.version})

    assert response.status_code == 403
    assert escape(MSG_CANNOT_UPDATE) in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.PLANNED


def test_completing_before_its_dependencies_explains_why(login, lead, initiative):
    first = MilestoneFactory(initiative=initiative, title="Diagnose")
    second = MilestoneFactory(initiative=initiative)
    second.dependencies.add(first)

    response = login(lead).post(url("milestone_complete", second), {"version": second.version}, follow=True)

    assert MSG_OPEN_DEPENDENCIES.format(titles="Diagnose") in [str(m) for m in response.context["messages"]]
    second.refresh_from_db()
    assert second.status == MilestoneStatus.PLANNED


def test_the_owner_gets_the_status_form_and_the_lead_the_whole_milestone(
    login, lead, contributor, initiative
):
    milestone = MilestoneFactory(initiative=initiative, owner=contributor)

    owner_form = login(contributor).get(url("milestone_edit", milestone)).context["form"]
    lead_form = login(lead).get(url("milestone_edit", milestone)).context["form"]

    assert set(owner_form.fields) == {"status", "due_date", "acceptance_criteria", "description", "version"}
    assert {"title", "due_date", "owner", "status"} <= set(lead_form.fields)


def test_the_owner_marks_their_milestone_blocked(login, contributor, initiative):
    milestone = MilestoneFactory(initiative=initiative, owner=contributor)

    response = login(contributor).post(
        url("milestone_edit", milestone),
        {
            "status": "blocked",
            "due_date": milestone.due_date.isoformat(),
            "description": "Waiting for IT",
            "version": milestone.version,
        },
    )

    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.status, milestone.description) == (MilestoneStatus.BLOCKED, "Waiting for IT")


def test_the_standard_plan_can_be_added_later_once(login, lead, initiative):
    client = login(lead)

    client.post(url("apply_plan", initiative))
    again = client.post(url("apply_plan", initiative), follow=True)

    assert Milestone.objects.filter(initiative=initiative).count() == 15
    assert "This initiative already has the standard plan." in [str(m) for m in again.context["messages"]]


# Money ------------------------------------------------------------------------------------------


def test_a_lead_records_a_one_time_cost(login, lead, initiative):
    response = login(lead).post(
        url("cost_create", initiative),
        {"kind": "one_time", "description": "Chatbot licence", "amount": "12000", "start_month": 1},
    )

    assert response.status_code == 302
    assert Cost.objects.get().amount == Decimal("12000")


def test_a_negative_amount_is_refused_next_to_the_field(login, lead, initiative):
    response = login(lead).post(
        url("benefit_create", initiative),
        {
            "kind": "cost_saving",
            "nature": "hard",
            "description": "Hours",
            "monthly_amount": "-5",
            "start_month": 1,
        },
    )

    assert response.context["form"].errors == {"monthly_amount": [MSG_NEGATIVE]}
    assert not Benefit.objects.exists()


@pytest.mark.parametrize("role_fixture", ["contributor", "executive", "finance"])
def test_only_editors_record_money(request, login, initiative, role_fixture):
    client = login(request.getfixturevalue(role_fixture))

    assert client.get(url("cost_create", initiative)).status_code == 403
    assert client.get(url("benefit_create", initiative)).status_code == 403


def test_finance_validates_a_benefit(login, finance, initiative):
    benefit = BenefitFactory(initiative=initiative)

    response = login(finance).post(url("benefit_validate", benefit), {"validated": "1"})

    assert response.status_code == 302
    benefit.refresh_from_db()
    assert benefit.validated and benefit.validated_by == finance


def test_a_lead_cannot_validate_benefits(login, lead, initiative):
    benefit = BenefitFactory(initiative=initiative)

    response = login(lead).post(url("benefit_validate", benefit), {"validated": "1"})

    assert response.status_code == 403
    assert MSG_CANNOT_VALIDATE in response.content.decode()
    benefit.refresh_from_db()
    assert not benefit.validated


@pytest.mark.parametrize("chosen", [None, 1])
def test_a_people_picker_writes_the_same_select_as_djangos_templates(db, chosen):
    """``PersonSelect`` writes its options in Python: the HTML must be what Django's templates write,
    selected option, required, described-by and escaping included."""
    from django import forms
    from django.test.html import parse_html

    from accounts.models import User
    from improvement.forms.common import PersonChoiceField
    from tests.factories import UserFactory

    people = [UserFactory(full_name=name) for name in ("Zoë <Ops>", 'Ann "A" Lee', "Bo & Co")]

    class Picker(forms.Form):
        owner = PersonChoiceField(
            queryset=User.objects.order_by("pk"), empty_label="Everyone", help_text="Who"
        )

    data = None if chosen is None else {"owner": people[chosen].pk}
    mine = Picker(data)["owner"]
    theirs = Picker(data)["owner"]
    theirs.field.widget = forms.Select(choices=theirs.field.choices)

    assert parse_html(str(mine.as_widget())) == parse_html(str(theirs.as_widget()))
    assert "Zoë &lt;Ops&gt;" in str(mine.as_widget())


@pytest.mark.parametrize("chosen", [None, "", "7", "9", "nobody"])
@pytest.mark.parametrize(
    "choices",
    [
        [("", "Everyone"), (7, "Zoë <Ops>"), (8, 'Ann "A" Lee'), (7, "Twice the same id"), (9, "Bo & Co")],
        [("", "Everyone"), ("Team A", [(7, "Zoë <Ops>"), (8, "Ann")]), (9, "Bo & Co")],
    ],
    ids=["people", "grouped"],
)
def test_a_people_picker_of_given_choices_writes_what_djangos_select_writes(chosen, choices):
    """Choices given as (id, name) pairs (the roadmap's kept owner choices): one option selected at
    most, the first that matches, names escaped, groups written as Django writes them."""
    from django import forms
    from django.test.html import parse_html

    from improvement.forms.common import PersonSelect

    attrs = {"id": "id_owner", "aria-describedby": "id_owner_helptext"}
    mine = PersonSelect(choices=choices).render("owner", chosen, attrs=attrs)
    theirs = forms.Select(choices=choices).render("owner", chosen, attrs=attrs)

    assert parse_html(mine) == parse_html(theirs)
    assert mine.count(" selected") == theirs.count(" selected")


def test_a_people_picker_of_several_or_of_numbers_writes_what_django_writes():
    """Several chosen, or labels Django localises (not text): Django's own options."""
    import decimal

    from django import forms
    from django.test.html import parse_html

    from improvement.forms.common import PersonSelect

    class PeopleSelect(PersonSelect):
        allow_multiple_selected = True

        def get_context(self, name, value, attrs):
            context = super().get_context(name, value, attrs)
            context["widget"]["attrs"]["multiple"] = True
            return context

    people = [(7, "Zoë"), (8, "Ann"), (9, "Bo")]
    several = PeopleSelect(choices=people).render("owners", ["7", "9"])
    assert parse_html(several) == parse_html(
        forms.SelectMultiple(choices=people).render("owners", ["7", "9"])
    )

    numbers = [(1, decimal.Decimal("1.50")), (2, 3)]
    assert parse_html(PersonSelect(choices=numbers).render("n", "1")) == parse_html(
        forms.Select(choices=numbers).render("n", "1")
    )

"""If-Match on costs, benefits and targets holds under concurrency: a version checked in the write.

Checking the ETag before the write is not enough: two clients holding the same ETag both pass the
check, and the second write silently undoes the first. The write itself compares the version the
view read, so the second one answers 412 (it sent If-Match) and changes nothing.
"""

from decimal import Decimal
from functools import partial

import pytest

from common.api.errors import MSG_PRECONDITION_FAILED, error_body
from common.errors import StaleVersion
from improvement.api import money as money_api
from improvement.api import targets as targets_api
from improvement.models import Benefit, Cost, KpiTarget
from improvement.services import money, targets
from tests.concurrency import race
from tests.factories import BenefitFactory, CostFactory, KpiTargetFactory

PRECONDITION_FAILED = error_body(code="precondition_failed", message=MSG_PRECONDITION_FAILED)
ROUNDS = 5


def _cost(initiative):
    return CostFactory(initiative=initiative)


def _benefit(initiative):
    return BenefitFactory(initiative=initiative)


def _target(initiative):
    return KpiTargetFactory(initiative=initiative)


# The resource's path: its factory, the field a PATCH changes, two values for it.
RESOURCES = {
    "costs": (_cost, "description", "First writer", "Second writer"),
    "benefits": (_benefit, "description", "First writer", "Second writer"),
    "targets": (_target, "target_date", "2031-01-01", "2031-02-01"),
}


def _detail(resource: str, pk: int) -> str:
    return f"/api/v1/{resource}/{pk}/"


def _stored(resource: str, row) -> str:
    row.refresh_from_db()
    return str(getattr(row, RESOURCES[resource][1]))


def _edit_meanwhile(resource: str, row, actor, value) -> None:
    """Another writer's committed edit, through the service as the site or the admin would do it."""
    field = RESOURCES[resource][1]
    fresh = type(row).objects.get(pk=row.pk)
    if resource == "costs":
        money.cost_update(actor=actor, cost=fresh, **{field: value})
    elif resource == "benefits":
        money.benefit_update(actor=actor, benefit=fresh, **{field: value})
    else:
        targets.kpi_target_update(actor=actor, target=fresh, **{field: value})


@pytest.mark.parametrize("resource", RESOURCES)
def test_an_edit_committed_after_the_etag_check_answers_412_and_is_kept(
    api, lead, initiative, monkeypatch, resource
):
    make, field, first, second = RESOURCES[resource]
    row = make(initiative)
    client = api(lead)
    etag = client.get(_detail(resource, row.pk))["ETag"]
    view_module = money_api if resource in ("costs", "benefits") else targets_api
    real_check = view_module.check_if_match

    def check_then_someone_else_writes(request, data):
        real_check(request, data)
        _edit_meanwhile(resource, row, lead, first)

    monkeypatch.setattr(view_module, "check_if_match", check_then_someone_else_writes)

    response = client.patch(_detail(resource, row.pk), {field: second}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert response.json() == PRECONDITION_FAILED
    assert _stored(resource, row) == first


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_write_answers_the_new_version_and_the_etag_for_the_next(api, lead, initiative, resource):
    make, field, first, _ = RESOURCES[resource]
    row = make(initiative)
    client = api(lead)
    etag = client.get(_detail(resource, row.pk))["ETag"]

    response = client.patch(_detail(resource, row.pk), {field: first}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert response["ETag"] == client.get(_detail(resource, row.pk))["ETag"]


def test_an_edit_without_if_match_that_loses_the_race_answers_409(lead, initiative):
    cost = _cost(initiative)
    stale = Cost.objects.get(pk=cost.pk)
    money.cost_update(actor=lead, cost=cost, description="First writer")

    with pytest.raises(StaleVersion):
        money.cost_update(actor=lead, cost=stale, description="Second writer")
    cost.refresh_from_db()
    assert cost.description == "First writer"


# --- validating a benefit ---------------------------------------------------------------------


def _validate_url(benefit) -> str:
    return f"/api/v1/benefits/{benefit.pk}/validate/"


def test_validating_against_a_stale_etag_answers_412_and_validates_nothing(api, lead, finance, initiative):
    benefit = _benefit(initiative)
    reviewed = api(finance).get(_detail("benefits", benefit.pk))["ETag"]
    api(lead).patch(_detail("benefits", benefit.pk), {"monthly_amount": "90000.00"}, format="json")

    response = api(finance).post(_validate_url(benefit), {}, format="json", HTTP_IF_MATCH=reviewed)

    assert response.status_code == 412
    assert response.json() == PRECONDITION_FAILED
    benefit.refresh_from_db()
    assert benefit.validated is False


def test_validating_the_line_as_reviewed_succeeds_and_moves_the_version(api, finance, initiative):
    benefit = _benefit(initiative)
    client = api(finance)
    reviewed = client.get(_detail("benefits", benefit.pk))["ETag"]

    response = client.post(_validate_url(benefit), {}, format="json", HTTP_IF_MATCH=reviewed)

    assert response.status_code == 200
    assert response.json()["validated"] is True
    assert response.json()["version"] == 2
    assert response["ETag"] == client.get(_detail("benefits", benefit.pk))["ETag"]


def test_an_amount_changed_after_the_etag_check_is_not_validated(api, lead, finance, initiative, monkeypatch):
    benefit = _benefit(initiative)
    reviewed = api(finance).get(_detail("benefits", benefit.pk))["ETag"]
    real_check = money_api.check_if_match

    def check_then_the_amount_changes(request, data):
        real_check(request, data)
        money.benefit_update(
            actor=lead, benefit=Benefit.objects.get(pk=benefit.pk), monthly_amount=Decimal("90000")
        )

    monkeypatch.setattr(money_api, "check_if_match", check_then_the_amount_changes)

    response = api(finance).post(_validate_url(benefit), {}, format="json", HTTP_IF_MATCH=reviewed)

    assert response.status_code == 412
    benefit.refresh_from_db()
    assert (benefit.validated, benefit.monthly_amount) == (False, Decimal("90000.00"))


# --- real concurrent connections (PostgreSQL) -------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("resource", RESOURCES)
def test_two_patches_with_the_same_etag_one_wins_one_answers_412(api, lead, initiative, resource):
    make, field, _, _ = RESOURCES[resource]
    row = make(initiative)
    url = _detail(resource, row.pk)
    for round_ in range(ROUNDS):
        clients = [api(lead), api(lead)]
        etag = clients[0].get(url)["ETag"]
        # Values new in every round: a PATCH that changes nothing is a no-op 200, not a write.
        values = [
            f"2031-0{round_ + 1}-0{writer}" if field == "target_date" else f"Writer {writer}, round {round_}"
            for writer in (1, 2)
        ]
        answers = race(
            *(
                partial(client.patch, url, {field: value}, format="json", HTTP_IF_MATCH=etag)
                for client, value in zip(clients, values, strict=True)
            )
        )
        assert sorted(a.status_code for a in answers) == [200, 412]
        winner = next(a for a in answers if a.status_code == 200)
        assert _stored(resource, row) == str(winner.json()[field])
        assert winner.json()["version"] == round_ + 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_amount_change_racing_a_validation_never_ends_validated_on_an_unseen_amount(
    api, lead, finance, initiative
):
    benefit = _benefit(initiative)
    url = _detail("benefits", benefit.pk)
    for round_ in range(ROUNDS):
        seen = Benefit.objects.get(pk=benefit.pk)
        reviewed = api(finance).get(url)["ETag"]
        editor, reviewer = api(lead), api(finance)
        new_amount = f"{3000 + round_}.00"
        # The editor sends no If-Match (the site's form does not): it must still not slip under.
        edit, validation = race(
            partial(editor.patch, url, {"monthly_amount": new_amount}, format="json"),
            partial(reviewer.post, _validate_url(benefit), {}, format="json", HTTP_IF_MATCH=reviewed),
        )
        final = Benefit.objects.get(pk=benefit.pk)
        assert edit.status_code in (200, 409)
        assert validation.status_code in (200, 412)
        if final.validated:
            assert final.monthly_amount == seen.monthly_amount
            assert validation.status_code == 200
        if validation.status_code == 412:
            assert edit.status_code == 200
        # Start the next round unvalidated.
        money.benefit_validate(actor=finance, benefit=final, validated=False)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_version_checks_hold_for_targets_edited_by_the_service_concurrently(lead, initiative):
    target = _target(initiative)
    copies = [KpiTarget.objects.get(pk=target.pk) for _ in range(2)]
    outcomes = race(
        *(
            lambda copy=copy, day=day: _outcome(
                lambda: targets.kpi_target_update(actor=lead, target=copy, target_date=f"2031-01-0{day}")
            )
            for copy, day in zip(copies, (1, 2), strict=True)
        )
    )
    assert sorted(outcomes) == ["conflict", "ok"]
    target.refresh_from_db()
    assert target.version == 2


def _outcome(write) -> str:
    try:
        write()
        return "ok"
    except StaleVersion:
        return "conflict"

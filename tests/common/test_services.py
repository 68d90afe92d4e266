"""``model_update``: the update steps every service shares, through real models with history."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.errors import Conflict
from common.services import MSG_CANNOT_CHANGE, model_update
from tests.factories import CostFactory, MilestoneFactory

pytestmark = pytest.mark.django_db

COST_FIELDS = ("description", "amount")


def test_only_the_fields_that_really_change_are_saved_and_returned_with_the_author(lead):
    cost = CostFactory(initiative__lead=lead, description="Licence", amount=Decimal("100.00"))
    before = cost.history.count()

    changed = model_update(
        cost, actor=lead, data={"description": "Licence", "amount": "250.50"}, allowed=COST_FIELDS
    )

    assert changed == ["amount"]
    cost.refresh_from_db()
    assert cost.amount == Decimal("250.50") and cost.description == "Licence"
    assert cost.history.count() == before + 1
    latest = cost.history.latest()
    assert latest.history_user == lead and latest.amount == Decimal("250.50")


def test_an_update_that_changes_nothing_writes_nothing(lead):
    cost = CostFactory(initiative__lead=lead, amount=Decimal("100.00"))
    before = cost.history.count()
    updated_at = cost.updated_at

    with CaptureQueriesContext(connection) as queries:
        changed = model_update(cost, actor=lead, data={"amount": Decimal("100")}, allowed=COST_FIELDS)

    assert changed == []
    # full_clean may read (constraints are checked by a query); nothing is written.
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert writes == []
    cost.refresh_from_db()
    assert cost.history.count() == before and cost.updated_at == updated_at


def test_fields_outside_allowed_are_refused_by_name_and_nothing_is_set(lead):
    cost = CostFactory(initiative__lead=lead, description="Licence")

    with pytest.raises(ValidationError) as excinfo:
        model_update(
            cost,
            actor=lead,
            data={"description": "Changed", "initiative": None, "archived_at": None},
            allowed=COST_FIELDS,
        )

    assert excinfo.value.message_dict == {
        "archived_at": [MSG_CANNOT_CHANGE],
        "initiative": [MSG_CANNOT_CHANGE],
    }
    assert cost.description == "Licence"


def test_the_refusal_message_is_the_callers(lead):
    cost = CostFactory(initiative__lead=lead)

    with pytest.raises(ValidationError) as excinfo:
        model_update(cost, actor=lead, data={"kind": "x"}, allowed=COST_FIELDS, unknown_message="Not here.")

    assert excinfo.value.message_dict == {"kind": ["Not here."]}


def test_invalid_values_are_refused_by_full_clean_and_nothing_is_saved(lead):
    cost = CostFactory(initiative__lead=lead, description="Licence")
    before = cost.history.count()

    with pytest.raises(ValidationError) as excinfo:
        model_update(cost, actor=lead, data={"description": ""}, allowed=COST_FIELDS)

    assert set(excinfo.value.message_dict) == {"description"}
    cost.refresh_from_db()
    assert cost.description == "Licence" and cost.history.count() == before


def test_prepare_sees_the_changed_names_and_its_derived_fields_are_saved_too(lead):
    milestone = MilestoneFactory(initiative__lead=lead, description="")
    seen = []

    def prepare(changed):
        seen.append(changed)
        milestone.acceptance_criteria = "Derived"

    changed = model_update(
        milestone,
        actor=lead,
        data={"description": "New"},
        allowed=("description",),
        clean_exclude=["initiative"],
        prepare=prepare,
    )

    assert seen == [["description"]]
    assert sorted(changed) == ["acceptance_criteria", "description"]
    milestone.refresh_from_db()
    assert milestone.acceptance_criteria == "Derived"


def test_with_an_expected_version_the_save_is_versioned(lead):
    milestone = MilestoneFactory(initiative__lead=lead)
    version = milestone.version

    model_update(
        milestone,
        actor=lead,
        data={"title": "Renamed"},
        allowed=("title",),
        clean_exclude=["initiative"],
        expected_version=version,
    )

    milestone.refresh_from_db()
    assert milestone.title == "Renamed" and milestone.version == version + 1
    assert milestone.history.latest().history_user == lead


@pytest.mark.parametrize("title", ["Renamed", "Unchanged"], ids=["a change", "no change"])
def test_a_stale_expected_version_is_a_conflict_even_without_a_change(lead, title):
    milestone = MilestoneFactory(initiative__lead=lead, title="Unchanged")

    with pytest.raises(Conflict):
        model_update(
            milestone,
            actor=lead,
            data={"title": title},
            allowed=("title",),
            clean_exclude=["initiative"],
            expected_version=milestone.version - 1,
        )

    milestone.refresh_from_db()
    assert milestone.title == "Unchanged"

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from common.errors import PermissionDenied
from improvement.models import Benefit, Cost
from improvement.services import money
from tests.factories import BenefitFactory, InitiativeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def initiative(lead, team):
    return InitiativeFactory(team=team, lead=lead)


def test_lead_records_costs_and_benefits_with_history(lead, initiative):
    cost = money.cost_create(
        actor=lead, initiative=initiative, kind="one_time", description="Bot", amount="12000"
    )
    benefit = money.benefit_create(
        actor=lead,
        initiative=initiative,
        kind="cost_saving",
        nature="hard",
        description="Agent hours",
        monthly_amount=Decimal("3000"),
    )
    assert cost.history.first().history_user == lead
    assert benefit.validated is False


def test_negative_amounts_are_refused(lead, initiative):
    with pytest.raises(ValidationError) as excinfo:
        money.cost_create(actor=lead, initiative=initiative, kind="one_time", description="x", amount="-1")
    assert excinfo.value.message_dict == {"amount": [money.MSG_NEGATIVE]}
    assert not Cost.objects.exists()


@pytest.mark.parametrize("role_fixture", ["contributor", "executive", "finance", "viewer", "other_lead"])
def test_only_editors_change_money(request, initiative, role_fixture):
    with pytest.raises(PermissionDenied):
        money.cost_create(
            actor=request.getfixturevalue(role_fixture),
            initiative=initiative,
            kind="one_time",
            description="x",
            amount=1,
        )


def test_finance_validates_benefits_and_a_changed_claim_voids_it(lead, finance, initiative):
    benefit = BenefitFactory(initiative=initiative)
    with pytest.raises(PermissionDenied):
        money.benefit_validate(actor=lead, benefit=benefit)
    money.benefit_validate(actor=finance, benefit=benefit)
    benefit.refresh_from_db()
    assert benefit.validated and benefit.validated_by == finance
    money.benefit_update(actor=lead, benefit=benefit, monthly_amount=Decimal("9999"))
    benefit.refresh_from_db()
    assert not benefit.validated and benefit.validated_by is None


def test_archiving_a_money_line_keeps_it(lead, initiative):
    benefit = BenefitFactory(initiative=initiative)
    money.money_line_archive(actor=lead, line=benefit)
    assert Benefit.objects.get(pk=benefit.pk).archived_at is not None

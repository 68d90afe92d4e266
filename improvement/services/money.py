"""Costs and benefit lines of an initiative, and finance validation of claimed savings."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from common.errors import PermissionDenied, StaleVersion
from common.models import save_versioned
from common.services import model_update
from improvement import policies
from improvement.models import Benefit, Cost, Initiative

COST_FIELDS = ("kind", "description", "amount", "start_month", "end_month")
BENEFIT_FIELDS = ("kind", "nature", "description", "monthly_amount", "start_month", "end_month")
# Changing what a benefit claims voids finance's validation of it.
BENEFIT_CLAIM_FIELDS = ("kind", "nature", "monthly_amount", "start_month", "end_month")

MSG_CANNOT_EDIT = gettext_noop("You cannot change this initiative's money.")
MSG_NEGATIVE = gettext_noop("The amount cannot be negative.")
MSG_ENTER_AMOUNT = gettext_noop("Enter an amount.")
MSG_CANNOT_VALIDATE = gettext_noop("Only finance reviewers validate benefits.")


def _check_amount(value, field: str) -> None:
    if value is None or not Decimal(value).is_finite():
        raise ValidationError({field: _(MSG_ENTER_AMOUNT)})
    if Decimal(value) < 0:
        raise ValidationError({field: _(MSG_NEGATIVE)})


# The validator is set by ``benefit_validate``; the initiative is checked by the policy.
CLEAN_EXCLUDE = ("initiative", "validated_by")


def _create(instance: Cost | Benefit, *, actor: User) -> None:
    instance.full_clean(exclude=CLEAN_EXCLUDE)
    instance._history_user = actor
    instance.save()


@transaction.atomic
def cost_create(
    *, actor: User, initiative: Initiative, kind: str, description: str, amount, **fields
) -> Cost:
    if not policies.can_edit(actor, initiative):
        raise PermissionDenied(_(MSG_CANNOT_EDIT))
    _check_amount(amount, "amount")
    cost = Cost(initiative=initiative, kind=kind, description=description, amount=amount, **fields)
    _create(cost, actor=actor)
    return cost


@transaction.atomic
def cost_update(*, actor: User, cost: Cost, expected_version: int | None = None, **fields) -> Cost:
    """Change a cost line; of two writers that read the same version, one gets ``StaleVersion``."""
    if "amount" in fields:
        _check_amount(fields["amount"], "amount")
    if not policies.can_edit(actor, cost.initiative):
        raise PermissionDenied(_(MSG_CANNOT_EDIT))
    model_update(
        cost,
        actor=actor,
        data=fields,
        allowed=COST_FIELDS,
        clean_exclude=CLEAN_EXCLUDE,
        expected_version=cost.version if expected_version is None else expected_version,
    )
    return cost


@transaction.atomic
def benefit_create(
    *, actor: User, initiative: Initiative, kind: str, description: str, monthly_amount, **fields
) -> Benefit:
    if not policies.can_edit(actor, initiative):
        raise PermissionDenied(_(MSG_CANNOT_EDIT))
    _check_amount(monthly_amount, "monthly_amount")
    benefit = Benefit(
        initiative=initiative, kind=kind, description=description, monthly_amount=monthly_amount, **fields
    )
    _create(benefit, actor=actor)
    return benefit


@transaction.atomic
def benefit_update(
    *, actor: User, benefit: Benefit, expected_version: int | None = None, **fields
) -> Benefit:
    """Change a benefit line; a changed claim voids finance's validation of it.

    Versioned like ``benefit_validate``: whichever of the two commits second finds the version moved
    and is refused, so a validation never ends on an amount finance did not see.
    """
    if "monthly_amount" in fields:
        _check_amount(fields["monthly_amount"], "monthly_amount")
    if not policies.can_edit(actor, benefit.initiative):
        raise PermissionDenied(_(MSG_CANNOT_EDIT))

    def void_validation(changed: list[str]) -> None:
        if benefit.validated and set(changed) & set(BENEFIT_CLAIM_FIELDS):
            benefit.validated, benefit.validated_by, benefit.validated_at = False, None, None

    model_update(
        benefit,
        actor=actor,
        data=fields,
        allowed=BENEFIT_FIELDS,
        clean_exclude=CLEAN_EXCLUDE,
        prepare=void_validation,
        expected_version=benefit.version if expected_version is None else expected_version,
    )
    return benefit


@transaction.atomic
def benefit_validate(
    *, actor: User, benefit: Benefit, validated: bool = True, expected_version: int | None = None
) -> Benefit:
    """Finance validates (or un-validates) the benefit line as it read it.

    The row is re-read under a lock and must still be at the version the caller saw (``benefit``'s,
    or ``expected_version``): an amount changed meanwhile refuses the validation with
    ``StaleVersion`` instead of validating a claim nobody reviewed.
    """
    if not policies.can_validate_benefit(actor):
        raise PermissionDenied(_(MSG_CANNOT_VALIDATE))
    expected = benefit.version if expected_version is None else expected_version
    locked = Benefit.objects.select_for_update().get(pk=benefit.pk)
    if locked.version != expected:
        raise StaleVersion()
    locked.validated = validated
    locked.validated_by = actor if validated else None
    locked.validated_at = timezone.now() if validated else None
    save_versioned(
        locked,
        update_fields=["validated", "validated_by", "validated_at"],
        expected_version=expected,
        actor=actor,
    )
    for name in ("validated", "validated_by", "validated_at", "version", "updated_at"):
        setattr(benefit, name, getattr(locked, name))
    return benefit


@transaction.atomic
def money_line_archive(*, actor: User, line: Cost | Benefit) -> Cost | Benefit:
    if not policies.can_edit(actor, line.initiative):
        raise PermissionDenied(_(MSG_CANNOT_EDIT))
    if line.archived_at is None:
        line.archived_at = timezone.now()
        save_versioned(line, update_fields=["archived_at"], expected_version=line.version, actor=actor)
    return line

"""Costs and benefit lines of an initiative, and finance validation of claimed savings."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from common.errors import PermissionDenied
from common.services import model_update
from improvement import policies
from improvement.models import Benefit, Cost, Initiative

COST_FIELDS = ("kind", "description", "amount", "start_month")
BENEFIT_FIELDS = ("kind", "nature", "description", "monthly_amount", "start_month")
# Changing what a benefit claims voids finance's validation of it.
BENEFIT_CLAIM_FIELDS = ("kind", "nature", "monthly_amount", "start_month")

MSG_CANNOT_EDIT = "You cannot change this initiative's money."
MSG_NEGATIVE = "The amount cannot be negative."
MSG_CANNOT_VALIDATE = "Only finance reviewers validate benefits."


def _check_amount(value, field: str) -> None:
    if value is None or not Decimal(value).is_finite():
        raise ValidationError({field: "Enter an amount."})
    if Decimal(value) < 0:
        raise ValidationError({field: MSG_NEGATIVE})


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
        raise PermissionDenied(MSG_CANNOT_EDIT)
    _check_amount(amount, "amount")
    cost = Cost(initiative=initiative, kind=kind, description=description, amount=amount, **fields)
    _create(cost, actor=actor)
    return cost


@transaction.atomic
def cost_update(*, actor: User, cost: Cost, **fields) -> Cost:
    if "amount" in fields:
        _check_amount(fields["amount"], "amount")
    if not policies.can_edit(actor, cost.initiative):
        raise PermissionDenied(MSG_CANNOT_EDIT)
    model_update(cost, actor=actor, data=fields, allowed=COST_FIELDS, clean_exclude=CLEAN_EXCLUDE)
    return cost


@transaction.atomic
def benefit_create(
    *, actor: User, initiative: Initiative, kind: str, description: str, monthly_amount, **fields
) -> Benefit:
    if not policies.can_edit(actor, initiative):
        raise PermissionDenied(MSG_CANNOT_EDIT)
    _check_amount(monthly_amount, "monthly_amount")
    benefit = Benefit(
        initiative=initiative, kind=kind, description=description, monthly_amount=monthly_amount, **fields
    )
    _create(benefit, actor=actor)
    return benefit


@transaction.atomic
def benefit_update(*, actor: User, benefit: Benefit, **fields) -> Benefit:
    if "monthly_amount" in fields:
        _check_amount(fields["monthly_amount"], "monthly_amount")
    if not policies.can_edit(actor, benefit.initiative):
        raise PermissionDenied(MSG_CANNOT_EDIT)

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
    )
    return benefit


@transaction.atomic
def benefit_validate(*, actor: User, benefit: Benefit, validated: bool = True) -> Benefit:
    if not policies.can_validate_benefit(actor):
        raise PermissionDenied(MSG_CANNOT_VALIDATE)
    benefit.validated = validated
    benefit.validated_by = actor if validated else None
    benefit.validated_at = timezone.now() if validated else None
    benefit._history_user = actor
    benefit.save(update_fields=["validated", "validated_by", "validated_at", "updated_at"])
    return benefit


@transaction.atomic
def money_line_archive(*, actor: User, line: Cost | Benefit) -> Cost | Benefit:
    if not policies.can_edit(actor, line.initiative):
        raise PermissionDenied(MSG_CANNOT_EDIT)
    if line.archived_at is None:
        line.archived_at = timezone.now()
        line._history_user = actor
        line.save(update_fields=["archived_at", "updated_at"])
    return line

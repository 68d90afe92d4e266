"""Sign-off rules: which gate needs whose approval. Admins set them (site admin, API, demo).

A rule's roles are copied into each request when it is made (``services.signoffs``), so changing a
rule never changes who decides a request already open.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy

from accounts.models import User
from common.errors import PermissionDenied
from common.services import model_update
from improvement.models import GATED_STAGES, ReviewerRole, SignOffRule, Stage

RULE_FIELDS = ("reviewer_roles", "only_when_money_claimed", "active")

MSG_RULES_ADMIN_ONLY = gettext_lazy("Only an admin changes the sign-off rules.")
MSG_NO_REVIEWERS = gettext_lazy("Name at least one reviewer role.")
MSG_UNKNOWN_ROLE = gettext_lazy("Unknown reviewer role: %(role)s.")
MSG_NOT_GATED = gettext_lazy("A rule guards the gate into Do, Check or Act.")
MSG_RULE_EXISTS = gettext_lazy("The gate into %(stage)s already has a rule; change that one.")


def _clean_roles(roles: list[str]) -> list[str]:
    if not roles:
        raise ValidationError({"reviewer_roles": MSG_NO_REVIEWERS})
    unknown = [r for r in roles if r not in ReviewerRole.values]
    if unknown:
        raise ValidationError({"reviewer_roles": MSG_UNKNOWN_ROLE % {"role": ", ".join(unknown)}})
    # In the order of ReviewerRole, each once.
    return [r for r in ReviewerRole.values if r in roles]


@transaction.atomic
def sign_off_rule_create(
    *,
    actor: User,
    to_stage: str,
    reviewer_roles: list[str],
    only_when_money_claimed: bool = False,
    active: bool = True,
) -> SignOffRule:
    """The gate into ``to_stage`` needs a sign-off (one rule per gate)."""
    if not actor.is_admin:
        raise PermissionDenied(str(MSG_RULES_ADMIN_ONLY))
    if to_stage not in GATED_STAGES:
        raise ValidationError({"to_stage": MSG_NOT_GATED})
    if SignOffRule.objects.filter(to_stage=to_stage).exists():
        raise ValidationError({"to_stage": MSG_RULE_EXISTS % {"stage": Stage(to_stage).label}})
    rule = SignOffRule(
        to_stage=to_stage,
        reviewer_roles=_clean_roles(reviewer_roles),
        only_when_money_claimed=only_when_money_claimed,
        active=active,
    )
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def sign_off_rule_update(*, actor: User, rule: SignOffRule, **data) -> SignOffRule:
    """Change who reviews, when the rule applies, or switch it off. Open requests keep their roles."""
    if not actor.is_admin:
        raise PermissionDenied(str(MSG_RULES_ADMIN_ONLY))
    if "reviewer_roles" in data:
        data["reviewer_roles"] = _clean_roles(data["reviewer_roles"])
    model_update(rule, actor=actor, data=data, allowed=RULE_FIELDS)
    return rule

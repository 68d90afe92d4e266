"""The sign-off panel of the initiative page (templates/improvement/includes/sign_off.html)."""

from dataclasses import dataclass

from django import template

from accounts.models import User
from improvement import policies
from improvement.models import Initiative, SignOffRequest, SignOffStatus
from improvement.selectors.signoffs import sign_off_latest
from improvement.services.signoffs import sign_off_rule_for

register = template.Library()


@dataclass(frozen=True)
class SignOffPanel:
    latest: SignOffRequest | None
    can_request: bool
    can_withdraw: bool
    can_review: bool

    @property
    def pending(self) -> bool:
        return self.latest is not None and self.latest.status == SignOffStatus.PENDING

    @property
    def sent_back(self) -> bool:
        return self.latest is not None and self.latest.status == SignOffStatus.SENT_BACK

    @property
    def approved(self) -> bool:
        return self.latest is not None and self.latest.status == SignOffStatus.APPROVED


@register.simple_tag
def sign_off_panel(initiative: Initiative, user: User, to_stage) -> SignOffPanel | None:
    """None when the gate into ``to_stage`` needs no sign-off."""
    if not to_stage or sign_off_rule_for(initiative=initiative, to_stage=to_stage) is None:
        return None
    latest = sign_off_latest(initiative=initiative, to_stage=to_stage)
    editable = policies.can_edit(user, initiative)
    pending = latest is not None and latest.status == SignOffStatus.PENDING
    return SignOffPanel(
        latest=latest,
        can_request=editable and (latest is None or latest.status == SignOffStatus.SENT_BACK),
        can_withdraw=pending and (editable or latest.requested_by_id == user.pk),
        can_review=pending
        and policies.can_review_sign_off(
            user, roles=latest.reviewer_roles, initiative=initiative, requested_by_id=latest.requested_by_id
        ),
    )

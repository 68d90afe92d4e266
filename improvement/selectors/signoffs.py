"""Sign-off requests as the pages and the API read them: scoped to the reader."""

from django.db.models import QuerySet

from accounts.models import User
from improvement import policies
from improvement.models import Initiative, SignOffRequest, SignOffRule, SignOffStatus
from improvement.selectors.initiatives import scope_to_readable

OWN_RECENT = 20


def _with_people(queryset: QuerySet[SignOffRequest]) -> QuerySet[SignOffRequest]:
    return queryset.select_related("initiative", "initiative__sponsor", "requested_by", "decided_by")


def sign_off_request_list(*, user: User) -> QuerySet[SignOffRequest]:
    """Requests of the initiatives ``user`` may read."""
    return scope_to_readable(_with_people(SignOffRequest.objects.all()), user=user)


def sign_off_rule_list() -> QuerySet[SignOffRule]:
    return SignOffRule.objects.all()


def sign_off_reviewable(*, user: User) -> QuerySet[SignOffRequest]:
    """Pending requests ``user`` may decide (the queue at /reviews/), oldest first."""
    pending = _with_people(
        SignOffRequest.objects.filter(status=SignOffStatus.PENDING).exclude(requested_by=user)
    )
    # Filtered in Python: JSON containment lookups are not portable to SQLite, and few are pending.
    ids = [
        r.pk
        for r in pending
        if policies.can_review_sign_off(
            user, roles=r.reviewer_roles, initiative=r.initiative, requested_by_id=r.requested_by_id
        )
    ]
    return pending.filter(pk__in=ids).order_by("created_at", "id")


def sign_off_own(*, user: User) -> list[SignOffRequest]:
    """The user's own recent requests, newest first."""
    return list(
        _with_people(SignOffRequest.objects.filter(requested_by=user)).order_by("-created_at", "-id")[
            :OWN_RECENT
        ]
    )


def sign_off_latest(*, initiative: Initiative, to_stage: str) -> SignOffRequest | None:
    """The newest request of this gate in this cycle that no move used and nobody withdrew."""
    return (
        _with_people(
            SignOffRequest.objects.filter(
                initiative=initiative, cycle=initiative.cycle, to_stage=to_stage, transition__isnull=True
            )
        )
        .exclude(status=SignOffStatus.WITHDRAWN)
        .order_by("-created_at", "-id")
        .first()
    )

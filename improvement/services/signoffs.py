"""Sign-offs: a gate that needs a reviewer's approval before the lead moves the initiative through it.

A lead requests review of the gate into the next stage; a reviewer (the initiative's sponsor, or
someone of a role the rule names) approves or sends it back with a comment. The gate's "sign_off"
condition passes while an approved request of this cycle is unused; the move that passes the gate
uses it (``sign_off_use``), so the transition records who approved, and stepping back and forward
again needs a new approval. A failed gate can still be overridden by an executive with a reason.

Requests and decisions are announced inside their transaction: the chat event is stored with the
change, and the people are told after commit (``events.sign_off_changed``).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from accounts.notifications import notification_send
from common.errors import Conflict, PermissionDenied, StaleVersion
from common.models import save_versioned
from improvement import events, policies
from improvement.models import (
    STAGE_ORDER,
    Benefit,
    ChatEventType,
    Initiative,
    NotificationKind,
    ReviewerRole,
    SignOffRequest,
    SignOffRule,
    SignOffStatus,
    Stage,
    StageTransition,
    Status,
)
from improvement.selectors.signoffs import sign_off_latest
from improvement.services.webhooks import initiative_ref, webhook_event_emit

CONDITION_CODE = "sign_off"
DATE_FORMAT = "j M Y"

MSG_CANNOT_REQUEST = gettext_lazy("Only someone who can edit the initiative requests a review.")
MSG_NOT_ACTIVE = gettext_lazy("Only an active initiative asks for a sign-off.")
MSG_NOT_NEXT = gettext_lazy("A review is requested for the next stage only: from %(src)s that is %(nxt)s.")
MSG_NO_RULE = gettext_lazy("The gate into %(stage)s needs no sign-off.")
MSG_ALREADY_PENDING = gettext_lazy("A review of this gate is already waiting for a decision.")
MSG_ALREADY_APPROVED = gettext_lazy("This gate is already approved; move the initiative on.")
MSG_NOT_REVIEWER = gettext_lazy("Only %(reviewers)s can decide this sign-off.")
MSG_OWN_REQUEST = gettext_lazy("You cannot decide a review you requested yourself.")
MSG_DECIDED = gettext_lazy("This request was already decided (%(status)s).")
MSG_SEND_BACK_COMMENT = gettext_lazy("Say why you send it back.")
MSG_CANNOT_WITHDRAW = gettext_lazy("Only the requester or an editor of the initiative withdraws a request.")
MSG_UNKNOWN_STAGE = gettext_lazy("Unknown stage: %(stage)s.")
MSG_WITHDRAWN_BY_MOVE = gettext_lazy("The initiative moved through the gate without this review.")
MSG_NOBODY_CAN_APPROVE = gettext_lazy(
    "Nobody but you can approve this move: the gate asks for %(reviewers)s. Name a sponsor, or ask an "
    "executive to override the gate with a reason."
)

COND_SIGN_OFF = gettext_lazy("Get the sign-off of %(reviewers)s.")
DETAIL_APPROVED = gettext_lazy("Approved by %(name)s on %(date)s.")
DETAIL_PENDING = gettext_lazy("Requested by %(name)s on %(date)s; waiting for %(reviewers)s.")
DETAIL_SENT_BACK = gettext_lazy("Sent back by %(name)s on %(date)s: %(comment)s")
DETAIL_NONE = gettext_lazy("Request a review from %(reviewers)s.")

ROLE_NAMES = {
    ReviewerRole.SPONSOR: gettext_lazy("the initiative's sponsor"),
    ReviewerRole.EXECUTIVE: gettext_lazy("an executive"),
    ReviewerRole.FINANCE: gettext_lazy("a finance reviewer"),
    ReviewerRole.ADMIN: gettext_lazy("an admin"),
}
TITLE_REQUESTED = gettext_lazy("%(code)s: review requested for the move to %(stage)s")
TITLE_APPROVED = gettext_lazy("%(code)s: the move to %(stage)s is approved")
TITLE_SENT_BACK = gettext_lazy("%(code)s: the move to %(stage)s was sent back")


# --- rules and reviewers ---------------------------------------------------------------------------


def _day(moment) -> str:
    return date_format(timezone.localtime(moment), DATE_FORMAT)


def sign_off_rule_for(*, initiative: Initiative, to_stage: str) -> SignOffRule | None:
    """The active rule of the gate into ``to_stage`` when it applies to this initiative."""
    rule = SignOffRule.objects.filter(to_stage=to_stage, active=True).first()
    if rule is None or not rule.reviewer_roles:
        return None
    if rule.only_when_money_claimed and not _money_claimed(initiative):
        return None
    return rule


def _money_claimed(initiative: Initiative) -> bool:
    # Any benefit line claims money: validated or not, finance is the one to look at it.
    return Benefit.objects.active().filter(initiative=initiative).exists()


def reviewers_text(roles: list[str], initiative: Initiative) -> str:
    """Who decides, as a sentence part: "the initiative's sponsor (Ann Lee) or an executive"."""
    names = []
    for role in roles:
        name = str(ROLE_NAMES.get(role, role))
        if role == ReviewerRole.SPONSOR and initiative.sponsor_id:
            name = f"{name} ({initiative.sponsor})"
        names.append(name)
    return _(" or ").join(names)


def is_reviewer(user: User, request: SignOffRequest) -> bool:
    return policies.can_review_sign_off(
        user,
        roles=request.reviewer_roles,
        initiative=request.initiative,
        requested_by_id=request.requested_by_id,
    )


def reviewers_of(request: SignOffRequest) -> list[User]:
    """Everyone who may decide ``request`` (active, the requester left out)."""
    roles = request.reviewer_roles
    match = Q(pk__in=[])
    if ReviewerRole.SPONSOR in roles and request.initiative.sponsor_id:
        match |= Q(pk=request.initiative.sponsor_id)
    if ReviewerRole.EXECUTIVE in roles:
        match |= Q(role=Role.EXECUTIVE)
    if ReviewerRole.FINANCE in roles:
        match |= Q(role=Role.FINANCE)
    if ReviewerRole.ADMIN in roles:
        match |= Q(role=Role.ADMIN) | Q(is_superuser=True)
    people = User.objects.filter(match, is_active=True).exclude(pk=request.requested_by_id)
    return list(people.order_by("pk"))


# --- the gate's condition --------------------------------------------------------------------------


def sign_off_condition(*, initiative: Initiative, to_stage: str) -> dict | None:
    """The gate's "sign_off" condition (code, message, passed, detail), or None when no rule applies."""
    rule = sign_off_rule_for(initiative=initiative, to_stage=to_stage)
    if rule is None:
        return None
    latest = sign_off_latest(initiative=initiative, to_stage=to_stage)
    roles = latest.reviewer_roles if latest and latest.is_pending else rule.reviewer_roles
    reviewers = reviewers_text(roles, initiative)
    passed = bool(latest and latest.status == SignOffStatus.APPROVED)
    if passed:
        detail = DETAIL_APPROVED % {"name": latest.decided_by or "—", "date": _day(latest.decided_at)}
        if latest.comment:
            detail = f"{detail} {latest.comment}"
    elif latest and latest.is_pending:
        detail = DETAIL_PENDING % {
            "name": latest.requested_by or "—",
            "date": _day(latest.created_at),
            "reviewers": reviewers,
        }
    elif latest and latest.status == SignOffStatus.SENT_BACK:
        detail = DETAIL_SENT_BACK % {
            "name": latest.decided_by or "—",
            "date": _day(latest.decided_at),
            "comment": latest.comment,
        }
    else:
        detail = DETAIL_NONE % {"reviewers": reviewers}
    return {
        "code": CONDITION_CODE,
        "message": str(COND_SIGN_OFF % {"reviewers": reviewers}),
        "passed": passed,
        "detail": str(detail),
    }


def sign_off_use(*, transition: StageTransition) -> SignOffRequest | None:
    """Inside the move's transaction: the approval of this gate is used by ``transition``; requests
    still waiting for it are closed (an override moved on without them). Returns the approval used."""
    if transition.decision or STAGE_ORDER.index(transition.to_stage) < STAGE_ORDER.index(
        transition.from_stage
    ):
        return None
    gate = SignOffRequest.objects.select_for_update().filter(
        initiative_id=transition.initiative_id,
        cycle=transition.cycle,
        to_stage=transition.to_stage,
        transition__isnull=True,
    )
    approved = gate.filter(status=SignOffStatus.APPROVED).order_by("-decided_at", "-id").first()
    # Linked on an overridden move too: the approval counted in its gate result.
    if approved is not None:
        approved.transition = transition
        save_versioned(approved, update_fields=["transition"], expected_version=approved.version)
    for pending in gate.filter(status=SignOffStatus.PENDING):
        pending.status = SignOffStatus.WITHDRAWN
        pending.decided_by, pending.decided_at = transition.actor, timezone.now()
        pending.comment = str(MSG_WITHDRAWN_BY_MOVE)
        save_versioned(
            pending,
            update_fields=["status", "decided_by", "decided_at", "comment"],
            expected_version=pending.version,
        )
    return approved


# --- request, decide, withdraw ---------------------------------------------------------------------


@transaction.atomic
def sign_off_request(*, actor: User, initiative: Initiative, to_stage: str, note: str = "") -> SignOffRequest:
    """The lead asks the gate's reviewers to approve the move into the next stage."""
    if to_stage not in Stage.values:
        raise ValidationError({"to_stage": MSG_UNKNOWN_STAGE % {"stage": to_stage}})
    if not policies.can_edit(actor, initiative):
        raise PermissionDenied(str(MSG_CANNOT_REQUEST))
    # The initiative row is the lock two requests of one gate queue on.
    locked = (
        Initiative.objects.select_for_update(of=("self",)).select_related("sponsor").get(pk=initiative.pk)
    )
    if locked.status != Status.ACTIVE:
        raise Conflict(str(MSG_NOT_ACTIVE))
    index = STAGE_ORDER.index(locked.stage)
    nxt = STAGE_ORDER[index + 1] if index + 1 < len(STAGE_ORDER) else None
    if to_stage != nxt:
        src, dst = Stage(locked.stage).label, Stage(nxt).label if nxt else "—"
        raise ValidationError({"to_stage": MSG_NOT_NEXT % {"src": src, "nxt": dst}})
    rule = sign_off_rule_for(initiative=locked, to_stage=to_stage)
    if rule is None:
        raise ValidationError({"to_stage": MSG_NO_RULE % {"stage": Stage(to_stage).label}})
    latest = sign_off_latest(initiative=locked, to_stage=to_stage)
    if latest is not None and latest.is_pending:
        raise Conflict(str(MSG_ALREADY_PENDING))
    if latest is not None and latest.status == SignOffStatus.APPROVED:
        raise Conflict(str(MSG_ALREADY_APPROVED))
    request = SignOffRequest(
        initiative=locked,
        cycle=locked.cycle,
        to_stage=to_stage,
        requested_by=actor,
        note=note.strip(),
        reviewer_roles=list(rule.reviewer_roles),
    )
    if not reviewers_of(request):
        # A request nobody may decide would wait for ever (a sponsor-only rule without a sponsor,
        # or the sponsor asking for their own approval).
        reviewers = reviewers_text(request.reviewer_roles, locked)
        raise ValidationError({"to_stage": MSG_NOBODY_CAN_APPROVE % {"reviewers": reviewers}})
    request.full_clean()
    request.save()
    _announce(request, ChatEventType.SIGN_OFF_REQUESTED)
    return request


def _lock_pending(request: SignOffRequest, expected_version: int | None = None) -> SignOffRequest:
    """Re-read under a lock: of two reviewers deciding at once, the second finds it decided (409).
    With ``expected_version`` (the version the caller read), any change since is refused first."""
    locked = (
        SignOffRequest.objects.select_for_update(of=("self",))
        .select_related("initiative", "initiative__sponsor", "requested_by")
        .get(pk=request.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion()
    if not locked.is_pending:
        raise Conflict(str(MSG_DECIDED % {"status": locked.get_status_display().lower()}))
    return locked


def _check_reviewer(actor: User, request: SignOffRequest) -> None:
    if request.requested_by_id == actor.pk:
        raise PermissionDenied(str(MSG_OWN_REQUEST))
    if not is_reviewer(actor, request):
        reviewers = reviewers_text(request.reviewer_roles, request.initiative)
        raise PermissionDenied(str(MSG_NOT_REVIEWER % {"reviewers": reviewers}))


def _decide(request: SignOffRequest, *, actor: User, status: str, comment: str) -> SignOffRequest:
    request.status = status
    request.decided_by, request.decided_at = actor, timezone.now()
    request.comment = comment
    save_versioned(
        request,
        update_fields=["status", "decided_by", "decided_at", "comment"],
        expected_version=request.version,
    )
    return request


@transaction.atomic
def sign_off_approve(
    *, actor: User, request: SignOffRequest, comment: str = "", expected_version: int | None = None
) -> SignOffRequest:
    """A reviewer approves: the gate's sign-off condition passes until a move uses it."""
    _check_reviewer(actor, request)
    locked = _lock_pending(request, expected_version)
    _decide(locked, actor=actor, status=SignOffStatus.APPROVED, comment=comment.strip())
    _announce(locked, ChatEventType.SIGN_OFF_DECIDED)
    return locked


@transaction.atomic
def sign_off_send_back(
    *, actor: User, request: SignOffRequest, comment: str, expected_version: int | None = None
) -> SignOffRequest:
    """A reviewer sends it back with a comment saying what is missing; the lead may ask again."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": MSG_SEND_BACK_COMMENT})
    _check_reviewer(actor, request)
    locked = _lock_pending(request, expected_version)
    _decide(locked, actor=actor, status=SignOffStatus.SENT_BACK, comment=comment)
    _announce(locked, ChatEventType.SIGN_OFF_DECIDED)
    return locked


@transaction.atomic
def sign_off_withdraw(
    *, actor: User, request: SignOffRequest, expected_version: int | None = None
) -> SignOffRequest:
    """The requester (or an editor of the initiative) takes a pending request back."""
    if request.requested_by_id != actor.pk and not policies.can_edit(actor, request.initiative):
        raise PermissionDenied(str(MSG_CANNOT_WITHDRAW))
    locked = _lock_pending(request, expected_version)
    return _decide(locked, actor=actor, status=SignOffStatus.WITHDRAWN, comment="")


# --- announcements ---------------------------------------------------------------------------------


def _announce(request: SignOffRequest, event_type: str) -> None:
    """Inside the change's transaction: the chat event is stored with it, people are told after."""
    initiative = request.initiative
    webhook_event_emit(
        type=event_type,
        dedupe_key=f"{event_type}:{request.pk}:{request.version}",
        data={
            "initiative": initiative_ref(initiative),
            "request_id": request.pk,
            "cycle": request.cycle,
            "from_stage": STAGE_ORDER[STAGE_ORDER.index(request.to_stage) - 1],
            "to_stage": request.to_stage,
            "status": request.status,
            "reviewers": reviewers_text(request.reviewer_roles, initiative),
            "requested_by": request.requested_by.email if request.requested_by else None,
            "note": request.note,
            "decided_by": request.decided_by.email if request.decided_by else None,
            "comment": request.comment,
        },
        team_ids=[initiative.team_id],
    )
    events.sign_off_changed(request_id=request.pk, version=request.version)


def sign_off_notify(*, request: SignOffRequest, version: int) -> int:
    """After commit: a request tells its reviewers, a decision tells the requester (in the site and
    by email). ``version`` names the state announced, so a job run twice tells nobody twice."""
    if request.version != version:
        # Changed since (decided, withdrawn, used): the newer state's job tells whom it concerns.
        return 0
    initiative = request.initiative
    stage = Stage(request.to_stage).label
    values = {"code": initiative.code, "stage": stage}
    if request.status == SignOffStatus.PENDING:
        recipients, title, body = reviewers_of(request), TITLE_REQUESTED % values, request.note
    elif request.status in (SignOffStatus.APPROVED, SignOffStatus.SENT_BACK) and request.requested_by:
        title = TITLE_APPROVED if request.status == SignOffStatus.APPROVED else TITLE_SENT_BACK
        recipients, title, body = [request.requested_by], title % values, request.comment
    else:
        return 0
    url = reverse("improvement:reviews") if request.is_pending else _initiative_url(initiative.pk)
    sent = 0
    for person in recipients:
        sent += bool(
            notification_send(
                recipient=person,
                kind=NotificationKind.SIGN_OFF,
                title=str(title),
                body="\n".join(filter(None, [initiative.title, body])),
                url=url,
                dedupe_key=f"sign_off:{request.pk}:{version}",
            )
        )
    return sent


def _initiative_url(initiative_id: int) -> str:
    return reverse("improvement:initiative_detail", args=[initiative_id])

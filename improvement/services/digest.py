"""The weekly digest: what moved in a person's initiatives, where they were mentioned, and the
ideas waiting for their triage — one notification a week, in the reader's language and at their
own morning (``digest_send``).

Leads and executives read the initiatives' part; anyone mentioned in the week reads the mentions
(every mention was also notified when it was written: the digest gathers what a muted or busy
reader missed); leads and admins read how many ideas wait for them.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Role, User
from accounts.notifications import notification_send
from accounts.time_zones import zone_of
from improvement import policies, selectors
from improvement.models import (
    OPEN_MILESTONE_STATUSES,
    Comment,
    Idea,
    IdeaStatus,
    Milestone,
    NotificationKind,
    Stage,
    StageTransition,
    Status,
    StatusUpdate,
)
from improvement.services.notifications import recipient_language
from kpis.catalogue import display_name

DIGEST_DAYS = 7
# Who reads the initiatives' part (what moved, progress, overdue work).
DIGEST_ROLES = (Role.LEAD, Role.EXECUTIVE)
DIGEST_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The newest mentions and waiting ideas a digest names; the rest are counted.
DIGEST_MENTIONS_SHOWN = 20
DIGEST_IDEAS_SHOWN = 5
EXCERPT_CHARS = 120

MSG_DIGEST_TITLE = gettext_noop("Your weekly PDCA digest, week ending {date}")
DIGEST_STAGE_MOVES = gettext_noop("Stage moves:")
DIGEST_HEALTH = gettext_noop("Health updates:")
DIGEST_PROGRESS = gettext_noop("KPI progress:")
DIGEST_OVERDUE = gettext_noop("Overdue work:")
DIGEST_PROGRESS_LINE = gettext_noop(
    "- {code} {kpi}: {progress} of the way ({baseline:g} → {target:g}, now {current:g})"
)
DIGEST_OVERDUE_LINE = gettext_noop("- {code} {title} (due {due}, {owner})")
DIGEST_MENTIONS = gettext_noop("Where you were mentioned:")
DIGEST_MENTION_LINE = gettext_noop("- {where}, {author}: {excerpt}")
DIGEST_MENTIONS_MORE = gettext_noop("… and {count} more.")
DIGEST_IDEAS = gettext_noop("Ideas waiting for your triage: {count} ({new} new this week)")
DIGEST_IDEA_LINE = gettext_noop("- {reference} {title}")


def digest_compose(*, user: User, today: dt.date) -> str:
    """The digest's text for ``user``: what moved in their initiatives over the last week, where they
    were mentioned, the ideas waiting for their triage; "" if there is nothing."""
    sections = []
    if user.role in DIGEST_ROLES:
        ids = list(
            selectors.initiative_list(user=user)
            .filter(status=Status.ACTIVE)
            .order_by("code")
            .values_list("pk", flat=True)
        )
        sections.append(digest_text(initiative_ids=ids, today=today))
    sections.append(_mentions_text(user=user, since=_week_start(today)))
    sections.append(_ideas_text(user=user, since=_week_start(today)))
    return "\n\n".join(section for section in sections if section)


def _week_start(today: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=DIGEST_DAYS), dt.time.min))


def _where(comment: Comment) -> str:
    """The record a comment is on, as its people name it."""
    if comment.initiative_id:
        return comment.initiative.code
    if comment.idea_id:
        return comment.idea.reference
    if comment.milestone_id:
        return f"{comment.milestone.initiative.code} {comment.milestone.title}"
    return f"{comment.experiment.initiative.code} {comment.experiment.name}"


def _excerpt(body: str) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


def _mentions_text(*, user: User, since: dt.datetime) -> str:
    """The comments of the week that mention ``user`` (removed ones left out), newest first."""
    mentions = (
        Comment.objects.active()
        .filter(mentions=user, created_at__gte=since)
        .select_related("author", "initiative", "idea", "milestone__initiative", "experiment__initiative")
        .order_by("-created_at", "-id")
    )
    shown = list(mentions[: DIGEST_MENTIONS_SHOWN + 1])
    if not shown:
        return ""
    lines = [
        _(DIGEST_MENTION_LINE).format(
            where=_where(comment), author=comment.author or "—", excerpt=_excerpt(comment.body)
        )
        for comment in shown[:DIGEST_MENTIONS_SHOWN]
    ]
    if len(shown) > DIGEST_MENTIONS_SHOWN:
        lines.append(_(DIGEST_MENTIONS_MORE).format(count=mentions.count() - DIGEST_MENTIONS_SHOWN))
    return _(DIGEST_MENTIONS) + "\n" + "\n".join(lines)


def _ideas_text(*, user: User, since: dt.datetime) -> str:
    """How many submitted ideas wait for ``user``'s triage, and the newest of them by name."""
    if not (user.is_admin or user.role == Role.LEAD):
        return ""
    waiting = Idea.objects.active().filter(status=IdeaStatus.SUBMITTED)
    if not user.is_admin:
        # A lead triages their teams' ideas and those with no team (policies.can_triage_ideas).
        waiting = waiting.filter(Q(team__isnull=True) | Q(team__in=policies.team_ids_of(user)))
    count = waiting.count()
    if not count:
        return ""
    new = waiting.filter(submitted_at__gte=since).count()
    newest = waiting.order_by("-submitted_at", "-id")[:DIGEST_IDEAS_SHOWN]
    lines = [_(DIGEST_IDEA_LINE).format(reference=idea.reference, title=idea.title) for idea in newest]
    return _(DIGEST_IDEAS).format(count=count, new=new) + "\n" + "\n".join(lines)


def digest_text(*, initiative_ids: list[int], today: dt.date) -> str:
    """What moved in these initiatives over the week ending ``today``; "" if nothing did."""
    since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=DIGEST_DAYS), dt.time.min))
    ids = initiative_ids
    if not ids:
        return ""
    moves = StageTransition.objects.filter(initiative_id__in=ids, created_at__gte=since).select_related(
        "initiative"
    )
    health = StatusUpdate.objects.filter(
        initiative_id__in=ids, date__gt=today - dt.timedelta(days=DIGEST_DAYS)
    ).select_related("initiative")
    overdue = (
        Milestone.objects.active()
        .filter(initiative_id__in=ids, status__in=OPEN_MILESTONE_STATUSES, due_date__lt=today)
        .select_related("initiative", "owner")
    )
    targets = (
        selectors.target_list(initiative_ids=ids)
        .select_related("initiative")
        .order_by("initiative__code", "id")
    )
    sections = []
    if moves:
        sections.append(
            _(DIGEST_STAGE_MOVES)
            + "\n"
            + "\n".join(
                f"- {t.initiative.code}: {Stage(t.from_stage).label} → {Stage(t.to_stage).label}"
                + (f" ({t.get_decision_display()})" if t.decision else "")
                for t in reversed(moves)
            )
        )
    if health:
        sections.append(
            _(DIGEST_HEALTH)
            + "\n"
            + "\n".join(f"- {u.initiative.code} {u.date}: {u.get_health_display()}" for u in health)
        )
    progress_lines = []
    for target in targets:
        measured = selectors.target_progress(target=target)
        if measured.progress is not None:
            progress_lines.append(
                _(DIGEST_PROGRESS_LINE).format(
                    code=target.initiative.code,
                    kpi=display_name(target.kpi.name),
                    progress=f"{measured.progress:.0%}",
                    baseline=target.baseline_value,
                    target=target.target_value,
                    current=measured.current,
                )
            )
    if progress_lines:
        sections.append(_(DIGEST_PROGRESS) + "\n" + "\n".join(progress_lines))
    if overdue:
        sections.append(
            _(DIGEST_OVERDUE)
            + "\n"
            + "\n".join(
                _(DIGEST_OVERDUE_LINE).format(
                    code=m.initiative.code, title=m.title, due=m.due_date, owner=m.owner or _("no owner")
                )
                for m in overdue
            )
        )
    return "\n\n".join(sections)


def digest_send(*, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Send the weekly digest to every active person with something to read, once a week.

    With ``today`` everyone gets the digest of that date. Without it (the hourly job) each person
    gets it once their own clock (``accounts.time_zones``) has reached ``PDCA_DIGEST_WEEKDAY`` at
    ``PDCA_DIGEST_HOUR``: Shanghai reads it on its Monday morning, Los Angeles on its own.
    """
    moment = now or timezone.now()
    weekday = DIGEST_WEEKDAYS.index(settings.PDCA_DIGEST_WEEKDAY[:3].lower())
    sent = 0
    for user in User.objects.filter(is_active=True).order_by("pk"):
        day = today
        if day is None:
            local = moment.astimezone(zone_of(user))
            if local.weekday() != weekday or local.hour < settings.PDCA_DIGEST_HOUR:
                continue
            day = local.date()
        year, week, _weekday = day.isocalendar()
        with translation.override(recipient_language(user)):
            body = digest_compose(user=user, today=day)
            if not body:
                continue
            sent += bool(
                notification_send(
                    recipient=user,
                    kind=NotificationKind.DIGEST,
                    title=_(MSG_DIGEST_TITLE).format(date=day.isoformat()),
                    body=body,
                    url=reverse("improvement:dashboard"),
                    dedupe_key=f"digest:{year}-W{week:02d}",
                )
            )
    return sent

"""Reads of share links (for those who may manage them) and of what an open link shows."""

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Membership, Role, User
from improvement.models import Experiment, Initiative, ShareLink, Variant
from improvement.selectors.initiatives import _annotated


def _editable(prefix: str, user: User) -> Q:
    """The Q of ``policies.can_edit`` for a lead, on the initiative reached through ``prefix``."""
    teams = Membership.objects.filter(user=user).values("team_id")
    return Q(**{f"{prefix}team__in": teams}) | Q(**{f"{prefix}lead": user})


def share_link_list(
    *, user: User, initiative: Initiative | None = None, experiment: Experiment | None = None
) -> QuerySet[ShareLink]:
    """The links ``user`` may manage (those of initiatives they may edit, and their experiments),
    newest first, each with its number of views and the last one (one query)."""
    qs = ShareLink.objects.select_related("created_by", "revoked_by", "initiative", "experiment")
    if initiative is not None:
        qs = qs.filter(initiative=initiative)
    if experiment is not None:
        qs = qs.filter(experiment=experiment)
    if not user.is_admin:
        if user.role != Role.LEAD:
            return qs.none()
        qs = qs.filter(_editable("initiative__", user) | _editable("experiment__initiative__", user))
    return qs.annotate(view_count=Count("views"), last_viewed_at=Max("views__viewed_at"))


def share_initiative(*, pk: int) -> Initiative:
    """The shared initiative with what its page shows (the link, not a user, is the authority)."""
    return _annotated(include_archived=True, today=timezone.localdate()).get(pk=pk)


def share_experiment(*, pk: int) -> Experiment:
    """The shared experiment with its initiative, KPI and variants in the page's order."""
    return (
        Experiment.objects.select_related("initiative", "primary_kpi", "concluded_by")
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("-is_control", "id")), "guardrail_kpis"
        )
        .get(pk=pk)
    )

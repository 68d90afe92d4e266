"""Reads of chat destinations and their delivery log, scoped to who may manage them."""

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.models import Role, Team, User
from improvement.models import ChatDestination, WebhookDelivery


def chat_team_list(*, user: User) -> QuerySet[Team]:
    """Teams whose chat destinations the user manages: every active team for admins, a lead's own."""
    teams = Team.objects.filter(archived_at__isnull=True)
    if user.is_admin:
        return teams
    if user.role != Role.LEAD:
        return teams.none()
    return teams.filter(memberships__user=user).distinct()


def chat_destination_list(*, user: User) -> QuerySet[ChatDestination]:
    """Destinations of the teams the user manages, each with its newest delivery's status."""
    newest = WebhookDelivery.objects.filter(destination=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        ChatDestination.objects.filter(team__in=chat_team_list(user=user))
        .select_related("team", "created_by")
        .annotate(
            last_delivery_status=Subquery(newest.values("status")[:1]),
            last_delivery_at=Subquery(newest.values("created_at")[:1]),
        )
    )


def chat_delivery_list(*, destination: ChatDestination) -> QuerySet[WebhookDelivery]:
    """A destination's delivery log: each delivery with its event and attempts (3 queries a page)."""
    return (
        WebhookDelivery.objects.filter(destination=destination)
        .select_related("event")
        .prefetch_related("attempts")
    )

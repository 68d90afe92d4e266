"""Reads of ideas, scoped to the person asking."""

from django.db.models import Q, QuerySet

from improvement.models import Idea, IdeaStatus


def idea_list(*, user) -> QuerySet[Idea]:
    """The ideas ``user`` may see: every idea past draft, and their own drafts."""
    visible = ~Q(status=IdeaStatus.DRAFT) | Q(submitted_by=user)
    return Idea.objects.active().filter(visible).select_related("kpi", "team", "submitted_by")

"""Reads of stage transitions: the PDCA moves of initiatives."""

from django.db.models import QuerySet

from accounts.models import User
from improvement.models import Initiative, StageTransition
from improvement.selectors.initiatives import scope_to_readable


def transition_list(*, user: User) -> QuerySet[StageTransition]:
    return scope_to_readable(StageTransition.objects.select_related("actor"), user=user)


def initiative_transitions(*, initiative: Initiative) -> list[StageTransition]:
    """The initiative's stage moves (the page already checked the reader)."""
    return list(StageTransition.objects.filter(initiative=initiative).select_related("actor"))

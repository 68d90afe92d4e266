"""Ideas for the prioritisation tests, made directly (their services live with the ideas area)."""

import itertools

from improvement.models import Idea, IdeaStatus

_titles = itertools.count(1)


def make_idea(**fields) -> Idea:
    fields.setdefault("title", f"Idea {next(_titles)}")
    fields.setdefault("status", IdeaStatus.SUBMITTED)
    return Idea.objects.create(**fields)

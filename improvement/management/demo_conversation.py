"""The demo's conversation: a short thread with an @mention on an initiative the demo contributor
works on, and one on a waiting idea, built through the comment services."""

from accounts.models import User
from improvement.models import Idea, IdeaStatus, Initiative
from improvement.services.comments import comment_create


def load_demo_conversation(*, users: dict[str, User], initiatives: list[Initiative]) -> None:
    contributor, lead = users["contributor"], users["lead"]
    worked_on = next(
        (i for i in initiatives if i.lead_id == lead.pk and i.members.filter(pk=contributor.pk).exists()),
        None,
    )
    if worked_on is not None:
        comment_create(
            actor=lead,
            parent=worked_on,
            body=(
                f"@[{contributor.full_name}] the pilot queue's numbers are in: can you check the "
                "Monday spike against the rota before Friday's review?"
            ),
        )
        comment_create(
            actor=contributor,
            parent=worked_on,
            body="Checked: two agents were on training on Mondays. The rota is fixed from next week.",
        )
    waiting = Idea.objects.filter(status=IdeaStatus.SUBMITTED).order_by("id").first()
    if waiting is not None:
        comment_create(
            actor=lead,
            parent=waiting,
            body="Good catch. Do we know how many chats a week this touches?",
        )

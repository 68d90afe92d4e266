"""Who may do what to an initiative. One place, used by services and by pages to hide buttons.

- admin: everything.
- lead: creates initiatives in their teams; edits, moves and plans initiatives of those teams or
  that they lead.
- contributor / milestone owner: updates milestones they own — status, due date, description and
  acceptance criteria (``MILESTONE_OWNER_FIELDS``) — when a lead or contributor; owning one gives a
  viewer, finance reviewer or executive no write.
- executive: reads everything; may move a stage only to override a failed gate, with a reason.
- finance: validates benefit lines.
- viewer: reads their teams' initiatives.
"""

from accounts.models import Role, User
from improvement.models import Initiative, Milestone

# Roles whose milestone owners update their milestones (status, description) without editing the
# initiative. The others never write initiative content, owned milestones included.
MILESTONE_OWNER_ROLES = frozenset({Role.LEAD, Role.CONTRIBUTOR})
# What such an owner may change: the work and its schedule, not what the milestone is (title, phase)
# nor who does it (owner). The site's owner form and the API's update share this one list.
MILESTONE_OWNER_FIELDS = ("status", "due_date", "description", "acceptance_criteria")


def _team_ids(user: User) -> set[int]:
    cached = getattr(user, "_team_ids_cache", None)
    if cached is None:
        cached = set(user.memberships.values_list("team_id", flat=True))
        user._team_ids_cache = cached
    return cached


def team_ids_of(user: User) -> set[int]:
    """The ids of the teams ``user`` belongs to (read once per user object)."""
    return _team_ids(user)


def can_create_in_team(user: User, team_id: int) -> bool:
    return user.is_admin or (user.role == Role.LEAD and team_id in _team_ids(user))


def can_edit(user: User, initiative: Initiative) -> bool:
    if user.is_admin:
        return True
    if user.role != Role.LEAD:
        return False
    return initiative.lead_id == user.pk or initiative.team_id in _team_ids(user)


def can_override_gate(user: User) -> bool:
    return user.is_admin or user.role == Role.EXECUTIVE


def can_update_milestone(user: User, milestone: Milestone) -> bool:
    """The initiative's editors, and its owner when the owner's role writes at all.

    Owning a milestone gives no rights a role lacks: a viewer, finance reviewer or executive who
    was made owner still only reads it.
    """
    if can_edit(user, milestone.initiative):
        return True
    return milestone.owner_id == user.pk and user.role in MILESTONE_OWNER_ROLES


def can_validate_benefit(user: User) -> bool:
    return user.is_admin or user.role == Role.FINANCE


def can_push_experiment_data(user: User, initiative: Initiative) -> bool:
    """Experiment data come from whoever may edit the initiative, or a contributor working on it."""
    if can_edit(user, initiative):
        return True
    return user.role == Role.CONTRIBUTOR and (
        initiative.team_id in _team_ids(user) or initiative.members.filter(pk=user.pk).exists()
    )


def can_manage_team_chat(user: User, team_id: int) -> bool:
    """A team's chat destinations: admins, and the team's leads."""
    return can_create_in_team(user, team_id)


def can_review_sign_off(
    user: User, *, roles: list[str], initiative: Initiative, requested_by_id: int | None
) -> bool:
    """A sign-off's reviewer: one of the request's roles ("sponsor" is the initiative's sponsor),
    never the one who asked for it."""
    if not user.is_authenticated or not user.is_active or requested_by_id == user.pk:
        return False
    return (
        ("sponsor" in roles and initiative.sponsor_id == user.pk)
        or ("executive" in roles and user.role == Role.EXECUTIVE)
        or ("finance" in roles and user.role == Role.FINANCE)
        or ("admin" in roles and user.is_admin)
    )


def can_triage_ideas(user: User, team_id: int | None) -> bool:
    """Ideas of a team are decided by its leads (an idea with no team: by any lead) and admins."""
    if user.is_admin:
        return True
    if user.role != Role.LEAD:
        return False
    return team_id is None or team_id in _team_ids(user)

from django.db.models import QuerySet

from accounts.models import ApiToken, Team, User


def team_list(*, user: User, include_archived: bool = False) -> QuerySet[Team]:
    teams = Team.objects.all() if include_archived else Team.objects.active()
    if user.reads_everything:
        return teams
    return teams.filter(memberships__user=user)


def team_ids_of(*, user: User) -> set[int]:
    return set(user.memberships.values_list("team_id", flat=True))


def token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def user_labels(users: QuerySet[User]) -> list[tuple[int, str]]:
    """``users`` as (id, ``User.get_full_name``) pairs, in their order, for a filter's choices: read
    from three columns, without a model instance per person."""
    people = users.values_list("pk", "full_name", "email")
    return [(pk, full_name or email) for pk, full_name, email in people]


def user_with_teams(*, user: User) -> User:
    """The user with their teams loaded, for "who am I" answers."""
    return User.objects.prefetch_related("teams").get(pk=user.pk)

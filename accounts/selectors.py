from django.db.models import QuerySet

from accounts.models import ApiToken, Team, User


def team_list(*, user: User) -> QuerySet[Team]:
    teams = Team.objects.active()
    if user.reads_everything:
        return teams
    return teams.filter(memberships__user=user)


def team_ids_of(*, user: User) -> set[int]:
    return set(user.memberships.values_list("team_id", flat=True))


def token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)

"""The PDCA board: a column per stage; a card moves through the same gate as everywhere else.

The board shows the reader's teams by default and at most ``BOARD_COLUMN_CAP`` cards a column; a
longer column ends with a link to the same initiatives in the (paginated) initiative list.
"""

from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from accounts.selectors import team_list
from common.web import site_view
from improvement import policies
from improvement.forms.board import BoardFilterForm
from improvement.models import Stage, Status
from improvement.selectors.board import (
    BoardScope,
    board_default_scope,
    board_lead_labels,
    board_lead_list,
    initiative_board,
)
from improvement.services.stages import next_stage

BOARD_COLUMN_CAP = 30


def _list_url(*, stage: Stage, scope: str, filters: dict, user) -> str:
    """The initiative list showing a column's initiatives (the list has no "my teams" filter: it
    shows everything the reader may read, which for a team member is mostly their teams)."""
    query = QueryDict(mutable=True)
    query["stage"] = stage.value
    if filters.get("team"):
        query["team"] = filters["team"].pk
    if scope == BoardScope.MINE or filters.get("lead") == user:
        query["mine"] = "on"
    return f"{reverse('improvement:initiative_list')}?{query.urlencode()}"


@site_view
def board(request):
    user = request.user
    default_scope = board_default_scope(user=user)
    form = BoardFilterForm(
        request.GET or None,
        teams=team_list(user=user),
        leads=board_lead_list(user=user),
        lead_labels=board_lead_labels(user=user),
        initial={"show": default_scope},
    )
    filters = form.cleaned_data if form.is_valid() else {}
    scope = filters.get("show") or default_scope
    columns = initiative_board(
        user=user, scope=scope, cap=BOARD_COLUMN_CAP, team=filters.get("team"), lead=filters.get("lead")
    )
    can_override = policies.can_override_gate(user)
    for column in columns:
        column.list_url = _list_url(stage=column.stage, scope=scope, filters=filters, user=user)
        for initiative in column.cards:
            upcoming = next_stage(initiative.stage)
            initiative.next_stage = Stage(upcoming) if upcoming else None
            initiative.can_move = initiative.status == Status.ACTIVE and policies.can_edit(user, initiative)
            initiative.can_override = (
                initiative.status == Status.ACTIVE and can_override and not initiative.can_move
            )
    context = {
        "form": form,
        "columns": columns,
        "scope_label": gettext(dict(BoardScope.CHOICES)[scope]),
        "cap": BOARD_COLUMN_CAP,
        "board_url": reverse("improvement:board") + (f"?{request.GET.urlencode()}" if request.GET else ""),
    }
    return render(request, "improvement/board.html", context)

"""The PDCA board: a column per stage; a card moves through the same gate as everywhere else."""

from django.shortcuts import render
from django.urls import reverse

from accounts.selectors import team_list
from common.web import site_view
from improvement import policies
from improvement.forms import DashboardFilterForm
from improvement.models import STAGE_ORDER, Stage, Status
from improvement.selectors.initiatives import initiative_list
from improvement.services.stages import next_stage


@site_view
def board(request):
    user = request.user
    form = DashboardFilterForm(request.GET or None, teams=team_list(user=user))
    del form.fields["period"], form.fields["category"]
    qs = initiative_list(user=user).filter(status__in=[Status.ACTIVE, Status.ON_HOLD])
    if form.is_valid() and form.cleaned_data.get("team"):
        qs = qs.filter(team=form.cleaned_data["team"])
    columns = {stage: [] for stage in STAGE_ORDER}
    can_override = policies.can_override_gate(user)
    for initiative in qs.order_by("code"):
        upcoming = next_stage(initiative.stage)
        initiative.next_stage = Stage(upcoming) if upcoming else None
        initiative.can_move = initiative.status == Status.ACTIVE and policies.can_edit(user, initiative)
        initiative.can_override = (
            initiative.status == Status.ACTIVE and can_override and not initiative.can_move
        )
        columns[initiative.stage].append(initiative)
    context = {
        "form": form,
        "columns": [{"stage": stage, "cards": columns[stage]} for stage in STAGE_ORDER],
        "board_url": reverse("improvement:board") + (f"?{request.GET.urlencode()}" if request.GET else ""),
    }
    return render(request, "improvement/board.html", context)

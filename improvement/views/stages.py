"""Moving an initiative through PDCA: the gate checklist and move form, and the Act decision."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from common.web import act, redirect_back, site_view, submit
from improvement import policies
from improvement.forms import DecisionForm, TransitionForm
from improvement.models import STAGE_ORDER, Decision, Stage
from improvement.services.stages import (
    MSG_CANNOT_MOVE,
    gate_check,
    initiative_decide,
    initiative_transition,
    next_stage,
)
from improvement.views.common import initiative_or_404

MSG_MOVED = "{code} moved to {stage}."
MSG_DECIDED = "{code}: {decision}."


@site_view
def initiative_move(request, pk: int):
    """GET shows the gate checklist for a move; POST runs the transition service.

    A refused move renders this page again with the unmet conditions, whether it was started from
    the initiative page or from a card on the board.
    """
    initiative = initiative_or_404(request, pk)
    editable = policies.can_edit(request.user, initiative)
    can_override = policies.can_override_gate(request.user)
    if not (editable or can_override):
        raise PermissionDenied(MSG_CANNOT_MOVE)
    initial = {
        "to": request.GET.get("to") or next_stage(initiative.stage) or "",
        "version": initiative.version,
        "next": request.GET.get("next", ""),
    }
    form = TransitionForm(
        request.POST or None, initial=initial, stage=initiative.stage, can_override=can_override
    )
    if can_override and not editable:
        form.fields["override_reason"].required = True
    form.unmet_conditions = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _ = submit(
            form,
            initiative_transition,
            actor=request.user,
            initiative=initiative,
            to=data["to"],
            note=data["note"],
            reason=data["reason"],
            override_reason=data.get("override_reason", ""),
            expected_version=data["version"],
        )
        if ok:
            messages.success(request, MSG_MOVED.format(code=initiative.code, stage=Stage(data["to"]).label))
            return redirect_back(request, initiative_url(initiative))
    to = form["to"].value()
    if to not in {value for value, _ in form.fields["to"].choices}:
        to = None
    forward = to is not None and STAGE_ORDER.index(to) > STAGE_ORDER.index(initiative.stage)
    context = {
        "initiative": initiative,
        "form": form,
        "to_stage": Stage(to) if to else None,
        "forward": forward,
        "gate": gate_check(initiative=initiative, to_stage=to) if forward else None,
        "can_override": can_override,
    }
    return render(request, "improvement/initiative_move.html", context)


def initiative_url(initiative) -> str:
    return reverse("improvement:initiative_detail", args=[initiative.pk])


@require_POST
@site_view
def initiative_decide_view(request, pk: int):
    initiative = initiative_or_404(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        act(
            request,
            initiative_decide,
            success=MSG_DECIDED.format(code=initiative.code, decision=Decision(data["decision"]).label),
            actor=request.user,
            initiative=initiative,
            decision=data["decision"],
            note=data["note"],
            expected_version=data["version"],
        )
    else:
        messages.error(request, "Choose a decision.")
    return redirect("improvement:initiative_detail", pk=pk)

"""Moving an initiative through PDCA: the gate checklist and move form, and the Act decision."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from common.web import redirect_back, site_view, submit
from improvement import policies
from improvement.forms import DecisionForm, TransitionForm
from improvement.models import STAGE_ORDER, Decision, Stage
from improvement.selectors.stages import initiative_open_work
from improvement.services.stage_gates import gate_check
from improvement.services.stages import (
    MSG_CANNOT_MOVE,
    initiative_decide,
    initiative_transition,
    next_stage,
)
from improvement.views.common import initiative_or_404
from improvement.views.gates import gate_checklist
from improvement.views.initiatives import detail_context

MSG_MOVED = gettext_noop("{code} moved to {stage}.")
MSG_DECIDED = gettext_noop("{code}: {decision}.")


@site_view
def initiative_move(request, pk: int):
    """GET shows the gate checklist for a move; POST runs the transition service.

    A refused move renders this page again with the unmet conditions, once, each with the link that
    fixes it — whether it was started from the initiative page or from a card on the board.
    """
    initiative = initiative_or_404(request, pk)
    editable = policies.can_edit(request.user, initiative)
    can_override = policies.can_override_gate(request.user)
    if not (editable or can_override):
        raise PermissionDenied(gettext(MSG_CANNOT_MOVE))
    data = request.POST if request.method == "POST" else request.GET
    to = data.get("to") or next_stage(initiative.stage) or ""
    valid = to in Stage.values and to != initiative.stage
    forward = valid and STAGE_ORDER.index(to) > STAGE_ORDER.index(initiative.stage)
    initial = {"to": to, "version": initiative.version, "next": request.GET.get("next", "")}
    form = TransitionForm(
        request.POST or None,
        initial=initial,
        stage=initiative.stage,
        forward=forward,
        can_override=can_override,
    )
    if to not in dict(form.fields["to"].choices):  # e.g. a skipped stage asked for by hand
        valid = forward = False
    if forward and can_override and not editable:
        form.fields["override_reason"].required = True
    form.unmet_conditions = []
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        ok, _ = submit(
            form,
            initiative_transition,
            actor=request.user,
            initiative=initiative,
            to=cleaned["to"],
            note=cleaned["note"],
            reason=cleaned.get("reason", ""),
            override_reason=cleaned.get("override_reason", ""),
            expected_version=cleaned["version"],
        )
        if ok:
            messages.success(
                request, gettext(MSG_MOVED).format(code=initiative.code, stage=Stage(cleaned["to"]).label)
            )
            return redirect_back(request, initiative_url(initiative))
    refused = [
        item
        for item in gate_checklist(initiative=initiative, user=request.user, conditions=form.unmet_conditions)
        if not item.passed
    ]
    gate = gate_check(initiative=initiative, to_stage=to) if forward else None
    context = {
        "initiative": initiative,
        "form": form,
        "to_stage": Stage(to) if valid else None,
        "upcoming": Stage(next_stage(initiative.stage)) if next_stage(initiative.stage) else None,
        "forward": forward,
        "refused": refused,
        "gate": gate,
        "checklist": gate_checklist(initiative=initiative, user=request.user, conditions=gate.conditions)
        if gate and not refused
        else [],
        "can_override": can_override and forward,
    }
    return render(request, "improvement/initiative_move.html", context)


def initiative_url(initiative) -> str:
    return reverse("improvement:initiative_detail", args=[initiative.pk])


@require_POST
@site_view
def initiative_decide_view(request, pk: int):
    """Record the Act decision; a refusal (e.g. standardising with open work unconfirmed) is shown inline."""
    initiative = initiative_or_404(request, pk)
    form = DecisionForm(request.POST, open_work=initiative_open_work(initiative=initiative).items)
    if form.is_valid():
        data = form.cleaned_data
        ok, _ = submit(
            form,
            initiative_decide,
            actor=request.user,
            initiative=initiative,
            decision=data["decision"],
            note=data["note"],
            confirm_open=data.get("confirm_open", False),
            expected_version=data["version"],
        )
        if ok:
            messages.success(
                request,
                gettext(MSG_DECIDED).format(code=initiative.code, decision=Decision(data["decision"]).label),
            )
            return redirect("improvement:initiative_detail", pk=pk)
    context = detail_context(request, initiative, decision_form=form)
    return render(request, "improvement/initiative_detail.html", context)

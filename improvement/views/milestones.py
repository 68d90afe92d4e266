"""Planning milestones (lead), updating and completing them (owner or lead), the standard plan."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from common.web import act, object_or_404, redirect_back, site_view, submit
from improvement import policies
from improvement.forms import MilestoneEditForm, MilestoneForm, MilestoneOwnerForm
from improvement.models import Milestone
from improvement.selectors.roadmap import milestone_get, milestone_owner_choices
from improvement.services.roadmap import (
    MSG_CANNOT_PLAN,
    initiative_apply_standard_plan,
    milestone_complete,
    milestone_create,
    milestone_reopen,
    milestone_update,
    milestone_update_refusal,
)
from improvement.views.common import initiative_or_404

MSG_NOT_FOUND = gettext_noop("No such milestone, or you cannot see it.")
MSG_ADDED = gettext_noop("Milestone “{title}” added.")
MSG_SAVED = gettext_noop("Milestone “{title}” saved.")
MSG_COMPLETED = gettext_noop("Milestone “{title}” done.")
MSG_REOPENED = gettext_noop("Milestone “{title}” reopened: {status}.")
MSG_PLAN_ADDED = gettext_noop("The standard 90-day plan was added: {count} milestones.")


def _detail(pk: int) -> str:
    return reverse("improvement:initiative_detail", args=[pk]) + "#milestones"


def _milestone_or_404(request, pk: int) -> Milestone:
    return object_or_404(milestone_get, message=gettext(MSG_NOT_FOUND), user=request.user, pk=pk)


@site_view
def milestone_create_view(request, pk: int):
    initiative = initiative_or_404(request, pk)
    if not policies.can_edit(request.user, initiative):
        raise PermissionDenied(gettext(MSG_CANNOT_PLAN))
    form = MilestoneForm(request.POST or None, owners=milestone_owner_choices(initiative=initiative))
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        ok, milestone = submit(
            form,
            milestone_create,
            actor=request.user,
            initiative=initiative,
            title=fields.pop("title"),
            due_date=fields.pop("due_date"),
            owner=fields.pop("owner"),
            **fields,
        )
        if ok:
            messages.success(request, gettext(MSG_ADDED).format(title=milestone.title))
            return redirect(_detail(pk))
    context = {"form": form, "initiative": initiative, "milestone": None}
    return render(request, "improvement/milestone_form.html", context)


@site_view
def milestone_edit(request, pk: int):
    """The lead edits the whole milestone; its owner changes status and description only."""
    milestone = _milestone_or_404(request, pk)
    initiative = milestone.initiative
    if policies.can_edit(request.user, initiative):
        fields = MilestoneEditForm.base_fields
        form = MilestoneEditForm(
            request.POST or None,
            owners=milestone_owner_choices(initiative=initiative),
            initial={name: getattr(milestone, name) for name in fields},
        )
    elif policies.can_update_milestone(request.user, milestone):
        fields = MilestoneOwnerForm.base_fields
        form = MilestoneOwnerForm(
            request.POST or None, initial={name: getattr(milestone, name) for name in fields}
        )
    else:
        raise PermissionDenied(milestone_update_refusal(actor=request.user, milestone=milestone))
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        version = changes.pop("version")
        changes = {name: value for name, value in changes.items() if value != getattr(milestone, name)}
        ok, _ = submit(
            form,
            milestone_update,
            actor=request.user,
            milestone=milestone,
            expected_version=version,
            **changes,
        )
        if ok:
            messages.success(request, gettext(MSG_SAVED).format(title=milestone.title))
            return redirect_back(request, _detail(initiative.pk))
    context = {"form": form, "initiative": initiative, "milestone": milestone}
    return render(request, "improvement/milestone_form.html", context)


def _posted_version(request) -> int | None:
    version = request.POST.get("version")
    return int(version) if version and version.isdigit() else None


@require_POST
@site_view
def milestone_complete_view(request, pk: int):
    """Mark done; the confirmation carries an Undo button, so a slip of the finger costs one click."""
    milestone = _milestone_or_404(request, pk)
    back = request.POST.get("next", "")
    ok, _ = act(
        request,
        milestone_complete,
        actor=request.user,
        milestone=milestone,
        expected_version=_posted_version(request),
    )
    if ok:
        # Rendered now (with this session's CSRF token): the message list shows it as it is.
        undo = render_to_string(
            "improvement/includes/milestone_done_message.html",
            {
                "milestone": milestone,
                "text": gettext(MSG_COMPLETED).format(title=milestone.title),
                "next": back,
            },
            request=request,
        )
        messages.success(request, undo)
    return redirect_back(request, _detail(milestone.initiative_id))


@require_POST
@site_view
def milestone_reopen_view(request, pk: int):
    milestone = _milestone_or_404(request, pk)
    ok, _ = act(
        request,
        milestone_reopen,
        actor=request.user,
        milestone=milestone,
        expected_version=_posted_version(request),
    )
    if ok:
        status = milestone.get_status_display().lower()
        messages.success(request, gettext(MSG_REOPENED).format(title=milestone.title, status=status))
    return redirect_back(request, _detail(milestone.initiative_id))


@require_POST
@site_view
def apply_plan(request, pk: int):
    initiative = initiative_or_404(request, pk)
    ok, milestones = act(request, initiative_apply_standard_plan, actor=request.user, initiative=initiative)
    if ok:
        messages.success(request, gettext(MSG_PLAN_ADDED).format(count=len(milestones)))
    return redirect(_detail(pk))

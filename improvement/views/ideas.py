"""Ideas on the site: the triage list, the submit and edit form, the idea page and its decisions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Team
from common.web import act, object_or_404, site_view, submit
from improvement import policies
from improvement.forms.ideas import IdeaAcceptForm, IdeaDeclineForm, IdeaFilterForm, IdeaForm, IdeaMergeForm
from improvement.models import IdeaStatus, Quadrant, quadrant_for
from improvement.selectors.ideas import (
    idea_list,
    idea_merge_candidates,
    idea_merged_duplicates,
    idea_status_counts,
    idea_triage,
    idea_triage_total,
)
from improvement.services import idea_signals, ideas
from kpis.models import KpiAlert

PAGE_SIZE = 50
MSG_NOT_FOUND = gettext_lazy("No such idea, or you cannot see it.")
MSG_SUBMITTED = gettext_lazy("Submitted %(ref)s: the leads who triage it are told.")
MSG_DRAFT_SAVED = gettext_lazy("Saved %(ref)s as a draft: only you see it until you submit it.")
MSG_SAVED = gettext_lazy("Saved %(ref)s.")
MSG_ACCEPTED = gettext_lazy("Accepted: %(code)s starts in Plan.")
MSG_DECLINED = gettext_lazy("Declined; the submitter is told why.")
MSG_MERGED = gettext_lazy("Merged into %(ref)s.")
MSG_DRAFT_STARTED = gettext_lazy("A draft idea from the KPI signal: complete it, then submit it.")
SAVE_DRAFT = "draft"


def _idea_or_404(request, pk: int):
    return object_or_404(
        lambda **kw: idea_list(user=request.user).get(**kw), message=str(MSG_NOT_FOUND), pk=pk
    )


def _detail(pk: int) -> str:
    return reverse("improvement:idea_detail", args=[pk])


class CountedPaginator(Paginator):
    """A paginator told its count (from the status counts already read) instead of counting."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


@site_view
def idea_triage_view(request):
    """The ideas the user sees, filtered, newest first, with how many there are in each status."""
    form = IdeaFilterForm(request.GET or None)
    filters = dict(form.cleaned_data) if form.is_valid() else {}
    status = filters.pop("status", "")
    counts = idea_status_counts(user=request.user, **filters)
    found = idea_triage(user=request.user, status=status, **filters)
    page = CountedPaginator(found, PAGE_SIZE, count=idea_triage_total(counts, status=status)).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    by_status = query.copy()
    by_status.pop("status", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "status_query": by_status.urlencode(),
        "status": status,
        "counts": [(value, label, counts[value]) for value, label in IdeaStatus.choices],
    }
    return render(request, "improvement/idea_list.html", context)


@site_view
def idea_create_view(request):
    form = IdeaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        fields.pop("version", None)
        as_draft = request.POST.get("save") == SAVE_DRAFT
        ok, idea = submit(form, ideas.idea_create, actor=request.user, submit=not as_draft, **fields)
        if ok:
            message = MSG_DRAFT_SAVED if as_draft else MSG_SUBMITTED
            messages.success(request, message % {"ref": idea.reference})
            return redirect(_detail(idea.pk))
    return render(request, "improvement/idea_form.html", {"form": form, "idea": None}, status=_status(form))


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


@site_view
def idea_edit_view(request, pk: int):
    idea = _idea_or_404(request, pk)
    if not ideas.idea_can_edit(request.user, idea):
        raise PermissionDenied(str(ideas.MSG_CANNOT_EDIT))
    initial = {name: getattr(idea, name) for name in IdeaForm.Meta.fields} | {"version": idea.version}
    form = IdeaForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        version = fields.pop("version") or idea.version
        ok, _ = submit(
            form, ideas.idea_update, actor=request.user, idea=idea, expected_version=version, **fields
        )
        if ok and request.POST.get("save") != SAVE_DRAFT and idea.status == IdeaStatus.DRAFT:
            ok, _ = submit(form, ideas.idea_submit, actor=request.user, idea=idea)
            if ok:
                messages.success(request, MSG_SUBMITTED % {"ref": idea.reference})
                return redirect(_detail(idea.pk))
        elif ok:
            messages.success(request, MSG_SAVED % {"ref": idea.reference})
            return redirect(_detail(idea.pk))
    context = {"form": form, "idea": idea}
    return render(request, "improvement/idea_form.html", context, status=_status(form))


def _accept_teams(user):
    teams = Team.objects.active().order_by("name")
    return teams.filter(pk__in=[t.pk for t in teams if policies.can_create_in_team(user, t.pk)])


def _page(request, idea, *, accept_form=None, decline_form=None, merge_form=None, status=200):
    user = request.user
    can_triage = idea.is_open and ideas.idea_can_triage(user, idea)
    context = {
        "idea": idea,
        "quadrant": Quadrant(quadrant_for(idea.value, idea.difficulty)).label,
        "can_edit": ideas.idea_can_edit(user, idea),
        "can_submit": idea.status == IdeaStatus.DRAFT and idea.submitted_by_id == user.pk,
        "can_triage": can_triage,
        "duplicates": idea_merged_duplicates(idea=idea, user=user),
        # A decision refused because the idea was decided meanwhile: its forms are gone, the reason stays.
        "refusals": [
            error
            for form in (accept_form, decline_form, merge_form)
            if form
            for error in form.non_field_errors()
        ],
    }
    if can_triage:
        teams = _accept_teams(user)
        context["accept_form"] = accept_form or IdeaAcceptForm(
            teams=teams, initial={"team": idea.team_id, "lead": user.pk}
        )
        context["decline_form"] = decline_form or IdeaDeclineForm()
        context["merge_form"] = merge_form or IdeaMergeForm(
            candidates=idea_merge_candidates(idea=idea, user=user)
        )
    return render(request, "improvement/idea_detail.html", context, status=status)


@site_view
def idea_detail(request, pk: int):
    return _page(request, _idea_or_404(request, pk))


@site_view
@require_POST
def idea_submit_view(request, pk: int):
    idea = _idea_or_404(request, pk)
    act(
        request,
        ideas.idea_submit,
        success=MSG_SUBMITTED % {"ref": idea.reference},
        actor=request.user,
        idea=idea,
    )
    return redirect(_detail(idea.pk))


@site_view
@require_POST
def idea_accept_view(request, pk: int):
    idea = _idea_or_404(request, pk)
    form = IdeaAcceptForm(request.POST, teams=_accept_teams(request.user))
    if form.is_valid():
        ok, accepted = submit(form, ideas.idea_accept, actor=request.user, idea=idea, **form.cleaned_data)
        if ok:
            messages.success(request, MSG_ACCEPTED % {"code": accepted.initiative.code})
            return redirect(_detail(idea.pk))
    return _page(request, idea, accept_form=form, status=400)


@site_view
@require_POST
def idea_decline_view(request, pk: int):
    idea = _idea_or_404(request, pk)
    form = IdeaDeclineForm(request.POST)
    if form.is_valid():
        ok, _ = submit(form, ideas.idea_decline, actor=request.user, idea=idea, **form.cleaned_data)
        if ok:
            messages.success(request, str(MSG_DECLINED))
            return redirect(_detail(idea.pk))
    return _page(request, idea, decline_form=form, status=400)


@site_view
@require_POST
def idea_merge_view(request, pk: int):
    idea = _idea_or_404(request, pk)
    form = IdeaMergeForm(request.POST, candidates=idea_list(user=request.user))
    if form.is_valid():
        ok, _ = submit(form, ideas.idea_merge, actor=request.user, idea=idea, into=form.cleaned_data["into"])
        if ok:
            messages.success(request, MSG_MERGED % {"ref": form.cleaned_data["into"].reference})
            return redirect(_detail(idea.pk))
    return _page(request, idea, merge_form=form, status=400)


@site_view
@require_POST
def kpi_alert_start_improvement(request, pk: int):
    """ "Start an improvement" on a KPI alert: the user's draft idea from it (the same one again)."""
    alert = get_object_or_404(KpiAlert.objects.select_related("kpi"), pk=pk)
    draft = idea_signals.idea_draft_from_alert(actor=request.user, alert=alert)
    messages.info(request, str(MSG_DRAFT_STARTED))
    return redirect("improvement:idea_edit", pk=draft.pk)

"""Initiative list, create, edit, the initiative page and the lead's status update."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from django.views.decorators.http import require_POST

from accounts.models import Team, User
from accounts.selectors import team_list
from common.web import site_view, submit
from improvement import charts, policies, target_chart
from improvement.forms import (
    DecisionForm,
    InitiativeCreateForm,
    InitiativeEditForm,
    InitiativeFilterForm,
    MoneySort,
    StatusUpdateForm,
)
from improvement.models import STAGE_ORDER, Initiative, Stage, Status
from improvement.selectors.experiments import initiative_experiments
from improvement.selectors.history import initiative_history
from improvement.selectors.initiatives import initiative_search, initiative_status_updates
from improvement.selectors.money import initiative_money, initiative_money_lines, money_forecast_list
from improvement.selectors.money_range import initiative_roi_range
from improvement.selectors.money_ranking import ranked_initiatives
from improvement.selectors.roadmap import initiative_milestones
from improvement.selectors.stages import initiative_open_work, initiative_transitions
from improvement.selectors.targets import target_chart_series, target_list, target_progress
from improvement.services.initiatives import MSG_CANNOT_CREATE, initiative_create, initiative_update
from improvement.services.stage_gates import gate_check
from improvement.services.stages import next_stage
from improvement.services.targets import status_update_post
from improvement.views.common import initiative_or_404
from improvement.views.gates import gate_checklist
from improvement.views.money_table import MoneyRow, money_rows, sort_headers
from improvement.views.share_panel import share_panel
from improvement.views.timeline import build_timeline
from kpis.catalogue import display_name
from kpis.selectors import CHART_POINTS_MAX
from kpis.services import measurement_can_write
from kpis.stats.spc import MIN_BASELINE_POINTS

PAGE_SIZE = 50
# The money columns of the list, each sortable.
LIST_MONEY_COLUMNS = [
    ("investment", gettext_lazy("Investment")),
    ("roi", gettext_lazy("ROI %")),
    ("payback", gettext_lazy("Payback")),
]
MSG_CREATED = gettext_noop("Created {code}.")
MSG_SAVED = gettext_noop("Saved {code}.")
MSG_STATUS_POSTED = gettext_noop("Status update posted.")


def creatable_teams(user: User):
    """Teams the user may start an initiative in (admins: all; leads: their own)."""
    teams = Team.objects.active() if user.is_admin else team_list(user=user)
    return teams.filter(pk__in=[t.pk for t in teams if policies.can_create_in_team(user, t.pk)])


def can_create(user: User) -> bool:
    return creatable_teams(user).exists()


@site_view
def initiative_list(request):
    """Initiatives by code, or ranked by a money figure (the whole filtered list, then paged)."""
    form = InitiativeFilterForm(request.GET or None, teams=team_list(user=request.user))
    filters = dict(form.cleaned_data) if form.is_valid() else {}
    mine = filters.pop("mine", False)
    order = MoneySort.parse(filters.pop("sort", ""))
    found = initiative_search(user=request.user, lead=request.user if mine else None, **filters)
    if order:
        ranked = ranked_initiatives(initiatives=found, sort=order[0], descending=order[1])
        page = Paginator(ranked, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = money_rows(found, list(page.object_list), first_rank=page.start_index())
    else:
        page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
        shown = list(page.object_list)
        # The figures of this page's rows only: one load of their money lines.
        figures = {
            row.pk: row
            for row in ranked_initiatives(initiatives=Initiative.objects.filter(pk__in=[i.pk for i in shown]))
        }
        rows = [MoneyRow(i, figures[i.pk], page.start_index() + n) for n, i in enumerate(shown)]
    query = request.GET.copy()
    query.pop("page", None)
    key, descending = order or (None, False)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "sort_headers": sort_headers(request.GET, LIST_MONEY_COLUMNS, key=key, descending=descending),
        "can_create": can_create(request.user),
    }
    return render(request, "improvement/initiative_list.html", context)


@site_view
def initiative_create_view(request):
    teams = creatable_teams(request.user)
    if not teams.exists():
        raise PermissionDenied(gettext(MSG_CANNOT_CREATE))
    form = InitiativeCreateForm(request.POST or None, teams=teams, initial={"team": teams.first()})
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        ok, initiative = submit(
            form,
            initiative_create,
            actor=request.user,
            title=fields.pop("title"),
            team=fields.pop("team"),
            start_date=fields.pop("start_date"),
            lead=fields.pop("lead"),
            with_standard_plan=fields.pop("with_standard_plan"),
            **fields,
        )
        if ok:
            messages.success(request, gettext(MSG_CREATED).format(code=initiative.code))
            return redirect("improvement:initiative_detail", pk=initiative.pk)
    return render(request, "improvement/initiative_form.html", {"form": form, "initiative": None})


@site_view
def initiative_edit(request, pk: int):
    initiative = initiative_or_404(request, pk)
    if not policies.can_edit(request.user, initiative):
        raise PermissionDenied(gettext("You cannot edit this initiative."))
    teams = Team.objects.filter(
        pk__in=[*creatable_teams(request.user).values_list("pk", flat=True), initiative.team_id]
    )
    initial = {name: getattr(initiative, name) for name in InitiativeEditForm.base_fields}
    form = InitiativeEditForm(request.POST or None, teams=teams, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        version = fields.pop("version")
        if fields["team"] == initiative.team:
            fields.pop("team")
        ok, _ = submit(
            form,
            initiative_update,
            actor=request.user,
            initiative=initiative,
            expected_version=version,
            **fields,
        )
        if ok:
            messages.success(request, gettext(MSG_SAVED).format(code=initiative.code))
            return redirect("improvement:initiative_detail", pk=initiative.pk)
    return render(request, "improvement/initiative_form.html", {"form": form, "initiative": initiative})


def _stage_bar(initiative: Initiative) -> list[dict]:
    current = STAGE_ORDER.index(initiative.stage)
    return [
        {
            "value": stage.value,
            "label": stage.label,
            "state": "done" if index < current else "current" if index == current else "todo",
        }
        for index, stage in enumerate(STAGE_ORDER)
    ]


def can_post_status(user: User, initiative: Initiative) -> bool:
    return initiative.lead_id == user.pk or policies.can_edit(user, initiative)


def _full_chart_url(target, baseline: list) -> str:
    """The KPI's control chart in the API: the series' latest 3,660 periods, the page's baseline."""
    query = {"segment": target.segment, "limit": CHART_POINTS_MAX}
    if len(baseline) >= MIN_BASELINE_POINTS:
        query |= {"baseline_start": baseline[0][0].isoformat(), "baseline_end": baseline[-1][0].isoformat()}
    return reverse("v1:kpi-chart-control-chart", kwargs={"code": target.kpi.code}) + "?" + urlencode(query)


def _kpi_panels(targets, *, cycle_started_on) -> list[dict]:
    panels = []
    found = target_chart_series(targets=targets, cycle_started_on=cycle_started_on)
    for target, series in zip(targets, found, strict=True):
        points = series.shown
        # Limits from the baseline, held; a baseline of fewer than two periods: from the points shown.
        baseline = series.baseline if len(series.baseline) >= MIN_BASELINE_POINTS else points
        title = display_name(target.kpi.name) + (f" · {target.segment}" if target.segment else "")
        caption = (
            gettext("The latest {count} measurement periods").format(count=f"{len(points):,}")
            if series.truncated
            else gettext("{count} measurement periods").format(count=f"{len(points):,}")
        )
        panels.append(
            {
                "progress": target_progress(target=target),
                "points": len(points),
                "truncated": series.truncated,
                "caption": caption,
                "full_url": _full_chart_url(target, series.baseline),
                "chart_id": f"kpi-chart-{target.pk}",
                "chart": target_chart.kpi_chart(
                    title=title,
                    unit=target.kpi.get_unit_display(),
                    series=points,
                    baseline=target.baseline_value,
                    target=target.target_value,
                    target_date=target.target_date,
                    limits=charts.control_limits([value for _, value in baseline]),
                ),
            }
        )
    return panels


def detail_context(
    request,
    initiative: Initiative,
    *,
    status_form: StatusUpdateForm | None = None,
    decision_form: DecisionForm | None = None,
) -> dict:
    user = request.user
    today = timezone.localdate()
    editable = policies.can_edit(user, initiative)
    moving = initiative.status == Status.ACTIVE and initiative.archived_at is None
    upcoming = next_stage(initiative.stage) if moving else None
    milestones = initiative_milestones(initiative=initiative)
    for milestone in milestones:
        milestone.can_update = policies.can_update_milestone(user, milestone)
        milestone.overdue = milestone.is_overdue(today=today)
    costs, benefits = initiative_money_lines(initiative=initiative)
    money = initiative_money(initiative=initiative)
    targets = list(target_list(initiative_ids=[initiative.pk]))
    earlier = STAGE_ORDER[: STAGE_ORDER.index(initiative.stage)]
    gate = gate_check(initiative=initiative, to_stage=upcoming) if upcoming else None
    deciding = moving and editable and initiative.stage == Stage.ACT
    if deciding and decision_form is None:
        decision_form = DecisionForm(
            initial={"version": initiative.version},
            open_work=initiative_open_work(initiative=initiative).items,
        )
    return {
        "initiative": initiative,
        "today": today,
        "can_edit": editable,
        "can_override": policies.can_override_gate(user),
        "can_move": moving and (editable or policies.can_override_gate(user)),
        "can_record": measurement_can_write(actor=user) and bool(targets),
        "can_validate": policies.can_validate_benefit(user),
        "can_post_status": can_post_status(user, initiative),
        "stages": _stage_bar(initiative),
        "upcoming": Stage(upcoming) if upcoming else None,
        "previous": Stage(earlier[-1]) if earlier and moving else None,
        "gate": gate,
        "checklist": gate_checklist(initiative=initiative, user=user, conditions=gate.conditions)
        if gate
        else [],
        "kpi_panels": _kpi_panels(targets, cycle_started_on=initiative.cycle_started_on),
        "experiments": initiative_experiments(initiative=initiative),
        # Experiments start only on active initiatives (the service refuses the rest anyway).
        "can_add_experiment": editable and moving,
        "milestones": milestones,
        "timeline": build_timeline(
            milestones, start=initiative.cycle_started_on, today=today, by_initiative=False
        ),
        "has_standard_plan": any(m.phase for m in milestones),
        "status_form": status_form or StatusUpdateForm(),
        "status_updates": initiative_status_updates(initiative=initiative),
        "decision_form": decision_form if deciding else None,
        "costs": costs,
        "benefits": benefits,
        "money": money,
        "roi_range": initiative_roi_range(initiative=initiative),
        "money_chart": charts.money_chart(money=money),
        "forecasts": money_forecast_list(initiative=initiative),
        "transitions": initiative_transitions(initiative=initiative),
        "history": initiative_history(initiative=initiative),
        "detail_url": reverse("improvement:initiative_detail", args=[initiative.pk]),
        **share_panel(user, initiative=initiative),
    }


@site_view
def initiative_detail(request, pk: int):
    initiative = initiative_or_404(request, pk)
    return render(request, "improvement/initiative_detail.html", detail_context(request, initiative))


@require_POST
@site_view
def status_post(request, pk: int):
    initiative = initiative_or_404(request, pk)
    form = StatusUpdateForm(request.POST)
    if form.is_valid():
        ok, _ = submit(
            form, status_update_post, actor=request.user, initiative=initiative, **form.cleaned_data
        )
        if ok:
            messages.success(request, gettext(MSG_STATUS_POSTED))
            return redirect(reverse("improvement:initiative_detail", args=[pk]) + "#status")
    context = detail_context(request, initiative, status_form=form)
    return render(request, "improvement/initiative_detail.html", context)

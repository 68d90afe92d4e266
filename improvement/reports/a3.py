"""The one-page A3 report of an initiative, as PDF: the page a lead brings to a review.

Problem, goal and KPI charts (baseline, target, control limits) on the left; the PDCA stage and
its gate history, the experiments' verdicts with their intervals, the money, the milestones and the
lead's latest status on the right. Every figure comes from the selectors of the initiative page
(and the experiment page's verdicts), so the PDF and the site never disagree. Long lists are cut
to what fits one A3 landscape page, saying how many were left out.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext
from reportlab.lib.pagesizes import A3, landscape
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, FrameBreak, PageTemplate, Spacer

from common import numbers
from improvement import charts
from improvement.models import STAGE_ORDER, Initiative, Stage
from improvement.reports import pdf
from improvement.selectors.experiments import experiment_results, initiative_experiments
from improvement.selectors.initiatives import initiative_status_updates
from improvement.selectors.money import initiative_money
from improvement.selectors.money_range import initiative_roi_range
from improvement.selectors.roadmap import initiative_milestones
from improvement.selectors.stages import initiative_transitions
from improvement.selectors.targets import target_chart_series, target_list, target_progress
from improvement.views.experiment_readout import verdict_items
from kpis.catalogue import display_name
from kpis.stats.spc import MIN_BASELINE_POINTS

FILENAME = "{code}-A3.pdf"
CHARTS_MAX = 3
TRANSITIONS_MAX = 10
EXPERIMENTS_MAX = 3
MILESTONES_MAX = 14
TEXT_MAX = 700
PAGE = landscape(A3)
MARGIN = 12 * mm
GUTTER = 8 * mm
HEADER_HEIGHT = 22 * mm
COLUMN_WIDTH = (PAGE[0] - 2 * MARGIN - GUTTER) / 2
CHART_HEIGHT = 72 * mm
MONEY_COLUMNS = (
    gettext_noop("Total investment"),
    gettext_noop("Benefit to date"),
    gettext_noop("Projected 12-month benefit"),
    gettext_noop("ROI"),
    gettext_noop("Payback"),
    gettext_noop("NPV"),
)
MSG_MORE = gettext_noop("… and {count} more (see the initiative page).")


@dataclass
class KpiPanel:
    title: str
    unit: str
    baseline: float
    target: float
    target_date: dt.date | None
    current: float | None
    progress: float | None
    series: list[tuple[dt.date, float]]
    limits: charts.ControlLimits | None


def kpi_panels(initiative: Initiative) -> tuple[list[KpiPanel], int]:
    """The charts of the page's first ``CHARTS_MAX`` targets (primary first) and how many targets."""
    targets = list(target_list(initiative_ids=[initiative.pk]))
    shown = sorted(targets, key=lambda t: not t.is_primary)[:CHARTS_MAX]
    found = target_chart_series(targets=shown, cycle_started_on=initiative.cycle_started_on)
    panels = []
    for target, series in zip(shown, found, strict=True):
        # As the page: limits from the baseline, else from the points shown.
        baseline = series.baseline if len(series.baseline) >= MIN_BASELINE_POINTS else series.shown
        progress = target_progress(target=target)
        panels.append(
            KpiPanel(
                title=display_name(target.kpi.name) + (f" · {target.segment}" if target.segment else ""),
                unit=target.kpi.unit,
                baseline=target.baseline_value,
                target=target.target_value,
                target_date=target.target_date,
                current=progress.current,
                progress=progress.progress,
                series=series.shown,
                limits=charts.control_limits([value for _, value in baseline]),
            )
        )
    return panels, len(targets)


def _header(initiative: Initiative) -> list:
    lead = initiative.lead.get_full_name() or initiative.lead.email
    facts = [
        initiative.team.name,
        _("led by {lead}").format(lead=lead),
        _("sponsor {name}").format(name=initiative.sponsor.get_full_name()) if initiative.sponsor else "",
        initiative.get_category_display(),
        _("stage {stage}").format(stage=initiative.get_stage_display()),
        initiative.get_status_display(),
        initiative.get_health_display(),
        _("cycle {cycle}").format(cycle=initiative.cycle),
        _("started {date}").format(date=initiative.start_date.isoformat()),
        _("target end {date}").format(date=initiative.target_end_date.isoformat())
        if initiative.target_end_date
        else "",
    ]
    return [
        pdf.text(f"{initiative.code} · {initiative.title}", "title"),
        pdf.text(" · ".join(str(f) for f in facts if f), "subtitle"),
        pdf.text(_("A3 report, {date}").format(date=timezone.localdate().isoformat()), "subtitle"),
    ]


def _left(initiative: Initiative) -> list:
    story = [pdf.heading(_("Problem")), pdf.text(initiative.problem_statement or "—", limit=TEXT_MAX)]
    story += [pdf.heading(_("Goal")), pdf.text(initiative.smart_goal or "—", limit=TEXT_MAX)]
    if initiative.scope:
        story += [pdf.heading(_("Scope")), pdf.text(initiative.scope, limit=TEXT_MAX // 2)]
    panels, total = kpi_panels(initiative)
    story.append(pdf.heading(_("KPIs")))
    if not panels:
        story.append(pdf.text(_("No KPI target yet.")))
    for panel in panels:
        figures = {
            "title": panel.title,
            "baseline": numbers.with_unit(panel.baseline, panel.unit),
            "target": numbers.with_unit(panel.target, panel.unit),
            "current": numbers.with_unit(panel.current, panel.unit),
            "progress": numbers.percent(panel.progress, 0),
        }
        if panel.target_date:
            line = _(
                "{title}: baseline {baseline}, target {target} by {date}, now {current}, progress {progress}"
            ).format(**figures, date=panel.target_date.isoformat())
        else:
            line = _(
                "{title}: baseline {baseline}, target {target}, now {current}, progress {progress}"
            ).format(**figures)
        story.append(pdf.text(line, "small"))
        story.append(
            pdf.kpi_chart(
                width=COLUMN_WIDTH,
                height=CHART_HEIGHT,
                series=panel.series,
                baseline=panel.baseline,
                target=panel.target,
                limits=panel.limits,
            )
        )
    if total > len(panels):
        story.append(pdf.text(_(MSG_MORE).format(count=total - len(panels)), "small"))
    return story


def _stages(initiative: Initiative) -> list:
    current = STAGE_ORDER.index(initiative.stage)
    names = [str(stage.label) for stage in STAGE_ORDER]
    bar = " · ".join(f"[{name}]" if index == current else name for index, name in enumerate(names))
    story = [pdf.heading(_("PDCA stage and gates")), pdf.text(bar)]
    moves = initiative_transitions(initiative=initiative)
    rows = [
        [
            pgettext("report column", "When"),
            pgettext("report column", "Cycle"),
            pgettext("report column", "Move"),
            pgettext("report column", "By"),
            pgettext("report column", "Gate"),
            pgettext("report column", "Note"),
        ]
    ]
    for move in moves[-TRANSITIONS_MAX:]:
        if move.overridden:
            gate = pgettext("gate", "overridden")
        else:
            gate = pgettext("gate", "passed") if move.gate_passed else pgettext("gate", "not passed")
        stages = {"src": Stage(move.from_stage).label, "dst": Stage(move.to_stage).label}
        if move.decision:
            step = _("{src} to {dst} ({decision})").format(**stages, decision=move.get_decision_display())
        else:
            step = _("{src} to {dst}").format(**stages)
        who = move.actor.get_full_name() or move.actor.email if move.actor else "—"
        note = move.override_reason or move.reason or move.note
        rows.append(
            [
                timezone.localtime(move.created_at).date().isoformat(),
                str(move.cycle),
                pdf.text(step, "cell"),
                pdf.text(who, "cell"),
                gate,
                pdf.text(note, "cell", limit=160),
            ]
        )
    if len(rows) == 1:
        story.append(pdf.text(_("No stage move yet.")))
    else:
        story.append(pdf.table(rows, [c * mm for c in (20, 11, 40, 32, 18, 75)]))
        if len(moves) > TRANSITIONS_MAX:
            latest = _("The latest {shown} of {total} moves.").format(shown=TRANSITIONS_MAX, total=len(moves))
            story.append(pdf.text(latest, "small"))
    return story


def _experiments(initiative: Initiative) -> list:
    experiments = list(initiative_experiments(initiative=initiative))
    story = [pdf.heading(_("Experiments"))]
    if not experiments:
        return [*story, pdf.text(_("No experiment."))]
    for experiment in experiments[:EXPERIMENTS_MAX]:
        results = experiment_results(experiment=experiment)
        if experiment.decision:
            head = _("{name} ({status}, decision: {decision})").format(
                name=experiment.name,
                status=experiment.get_status_display(),
                decision=experiment.get_decision_display(),
            )
        else:
            head = f"{experiment.name} ({experiment.get_status_display()})"
        story.append(pdf.text(head))
        comparisons = {c["variant"]: c for c in (results or {}).get("comparisons", [])}
        for item in verdict_items(experiment, results):
            verdict = item["verdict"]
            interval = _interval(experiment, comparisons[verdict.variant]["absolute_ci"])
            line = _("{variant} vs {control}: {verdict} {interval}").format(
                variant=verdict.name, control=item["control"], verdict=verdict.text, interval=interval
            )
            story.append(pdf.text(line, "small"))
        if not results or not results.get("comparisons"):
            story.append(pdf.text(_("No result yet."), "small"))
    if len(experiments) > EXPERIMENTS_MAX:
        story.append(pdf.text(_(MSG_MORE).format(count=len(experiments) - EXPERIMENTS_MAX), "small"))
    return story


def _interval(experiment, interval) -> str:
    """The difference's confidence interval as the experiment page writes it (points for a rate)."""
    if interval is None:
        return ""
    if experiment.metric_type == "proportion":
        span = numbers.span(*interval, fmt=numbers.points)
    else:
        unit = experiment.primary_kpi.unit
        span = numbers.span(*interval, fmt=lambda v: numbers.with_unit(v, unit, sign=True))
    return _("({confidence} interval of the difference: {span})").format(
        confidence=numbers.percent(1 - experiment.alpha, -1), span=span
    )


def _months(value: float) -> str:
    # Always "months", as before: "1.0 months" is a measurement with a decimal, not a count.
    return _("{months} months").format(months=f"{value:.1f}")


def _money(initiative: Initiative) -> list:
    money = initiative_money(initiative=initiative)
    roi = "—" if money.roi_percent is None else f"{money.roi_percent:.1f} %"
    payback = "—" if money.payback_months is None else _months(money.payback_months)
    rows = [
        [pdf.text(_(name), "head") for name in MONEY_COLUMNS],
        [
            pdf.money(money.total_cost),
            pdf.money(money.benefit_to_date),
            pdf.money(money.projected_12m_benefit),
            roi,
            payback,
            pdf.money(money.npv),
        ],
    ]
    note = _(
        "Over {months} months; benefit validated by finance {validated}, not validated {not_validated}."
    ).format(
        months=money.horizon_months,
        validated=pdf.money(money.split.validated),
        not_validated=pdf.money(money.split.not_validated),
    )
    story = [pdf.heading(_("Money")), pdf.table(rows, [COLUMN_WIDTH / 6] * 6), pdf.text(note, "small")]
    return [*story, *_roi_range(initiative)]


def _roi_range(initiative: Initiative) -> list:
    """The money at the ends of the experiment's interval, as the initiative page states it."""
    found = initiative_roi_range(initiative=initiative)
    if found is None:
        return []
    low, high = found.low.roi_percent, found.high.roi_percent
    if low is None or high is None:
        roi = _("ROI —")
    else:
        roi = _("ROI {low} % to {high} %").format(low=f"{low:.0f}", high=f"{high:.0f}").replace("-", "−")
    evidence = _(
        "From the evidence ({experiment} on {kpi}, {confidence} interval): payback in {payback}; "
        "{roi}; NPV {low} to {high}."
    )
    return [
        pdf.text(
            evidence.format(
                experiment=found.experiment_name,
                kpi=display_name(found.kpi_name),
                confidence=f"{found.confidence_percent:g} %",
                payback=found.payback_text,
                roi=roi,
                low=pdf.money(found.low.npv),
                high=pdf.money(found.high.npv),
            ),
            "small",
        )
    ]


def _milestones(initiative: Initiative) -> list:
    today = timezone.localdate()
    milestones = initiative_milestones(initiative=initiative)
    story = [pdf.heading(_("Milestones"))]
    if not milestones:
        return [*story, pdf.text(_("No milestone."))]
    rows = [
        [
            pgettext("report column", "Due"),
            pgettext("report column", "Milestone"),
            pgettext("report column", "Owner"),
            pgettext("report column", "Status"),
        ]
    ]
    for milestone in milestones[:MILESTONES_MAX]:
        status = milestone.get_status_display()
        if milestone.is_overdue(today=today):
            status = _("{status} (overdue)").format(status=status)
        owner = milestone.owner.get_full_name() or milestone.owner.email if milestone.owner else "—"
        rows.append(
            [
                milestone.due_date.isoformat(),
                pdf.text(milestone.title, "cell", limit=90),
                pdf.text(owner, "cell"),
                status,
            ]
        )
    story.append(pdf.table(rows, [c * mm for c in (20, 96, 45, 35)]))
    if len(milestones) > MILESTONES_MAX:
        story.append(pdf.text(_(MSG_MORE).format(count=len(milestones) - MILESTONES_MAX), "small"))
    return story


def _status(initiative: Initiative) -> list:
    updates = initiative_status_updates(initiative=initiative, limit=1)
    story = [pdf.heading(_("Latest status"))]
    if not updates:
        return [*story, pdf.text(_("No status update yet."))]
    update = updates[0]
    author = update.author.get_full_name() or update.author.email
    story.append(pdf.text(f"{update.date.isoformat()} · {update.get_health_display()} · {author}", "small"))
    story.append(pdf.text(update.narrative, limit=TEXT_MAX))
    return story


def a3_pdf(*, initiative: Initiative) -> bytes:
    """The A3 report of ``initiative`` (the caller checked the reader may read it)."""
    width, height = PAGE
    top = height - MARGIN - HEADER_HEIGHT
    frames = [
        Frame(MARGIN, top, width - 2 * MARGIN, HEADER_HEIGHT, id="header", showBoundary=0),
        Frame(MARGIN, MARGIN, COLUMN_WIDTH, top - MARGIN, id="left"),
        Frame(MARGIN + COLUMN_WIDTH + GUTTER, MARGIN, COLUMN_WIDTH, top - MARGIN, id="right"),
    ]
    story = [*_header(initiative), FrameBreak(), *_left(initiative), FrameBreak()]
    story += [*_stages(initiative), *_experiments(initiative), *_money(initiative)]
    story += [*_milestones(initiative), *_status(initiative), Spacer(1, 1)]

    def build(buffer) -> None:
        doc = BaseDocTemplate(
            buffer,
            pagesize=PAGE,
            title=_("{code} {title} — A3 report").format(code=initiative.code, title=initiative.title),
            author=pdf.PDF_CREATOR,
            creator=pdf.PDF_CREATOR,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
        )
        doc.addPageTemplates([PageTemplate(id="a3", frames=frames)])
        doc.build(story)

    return pdf.pdf_bytes(build)

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
MONEY_COLUMNS = ("Total investment", "Benefit to date", "Projected 12-month benefit", "ROI", "Payback", "NPV")
MSG_MORE = "… and {count} more (see the initiative page)."


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
                title=target.kpi.name + (f" · {target.segment}" if target.segment else ""),
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
        f"led by {lead}",
        f"sponsor {initiative.sponsor.get_full_name()}" if initiative.sponsor else "",
        initiative.get_category_display(),
        f"stage {initiative.get_stage_display()}",
        initiative.get_status_display(),
        initiative.get_health_display(),
        f"cycle {initiative.cycle}",
        f"started {initiative.start_date.isoformat()}",
        f"target end {initiative.target_end_date.isoformat()}" if initiative.target_end_date else "",
    ]
    return [
        pdf.text(f"{initiative.code} · {initiative.title}", "title"),
        pdf.text(" · ".join(f for f in facts if f), "subtitle"),
        pdf.text(f"A3 report, {timezone.localdate().isoformat()}", "subtitle"),
    ]


def _left(initiative: Initiative) -> list:
    story = [pdf.heading("Problem"), pdf.text(initiative.problem_statement or "—", limit=TEXT_MAX)]
    story += [pdf.heading("Goal"), pdf.text(initiative.smart_goal or "—", limit=TEXT_MAX)]
    if initiative.scope:
        story += [pdf.heading("Scope"), pdf.text(initiative.scope, limit=TEXT_MAX // 2)]
    panels, total = kpi_panels(initiative)
    story.append(pdf.heading("KPIs"))
    if not panels:
        story.append(pdf.text("No KPI target yet."))
    for panel in panels:
        line = (
            f"{panel.title}: baseline {numbers.with_unit(panel.baseline, panel.unit)}, "
            f"target {numbers.with_unit(panel.target, panel.unit)}"
            + (f" by {panel.target_date.isoformat()}" if panel.target_date else "")
            + f", now {numbers.with_unit(panel.current, panel.unit)}"
            + f", progress {numbers.percent(panel.progress, 0)}"
        )
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
        story.append(pdf.text(MSG_MORE.format(count=total - len(panels)), "small"))
    return story


def _stages(initiative: Initiative) -> list:
    current = STAGE_ORDER.index(initiative.stage)
    bar = " · ".join(
        f"[{stage.label}]" if index == current else stage.label for index, stage in enumerate(STAGE_ORDER)
    )
    story = [pdf.heading("PDCA stage and gates"), pdf.text(bar)]
    moves = initiative_transitions(initiative=initiative)
    rows = [["When", "Cycle", "Move", "By", "Gate", "Note"]]
    for move in moves[-TRANSITIONS_MAX:]:
        gate = "overridden" if move.overridden else "passed" if move.gate_passed else "not passed"
        step = f"{Stage(move.from_stage).label} to {Stage(move.to_stage).label}"
        if move.decision:
            step += f" ({move.get_decision_display()})"
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
        story.append(pdf.text("No stage move yet."))
    else:
        story.append(pdf.table(rows, [c * mm for c in (20, 11, 40, 32, 18, 75)]))
        if len(moves) > TRANSITIONS_MAX:
            story.append(pdf.text(f"The latest {TRANSITIONS_MAX} of {len(moves)} moves.", "small"))
    return story


def _experiments(initiative: Initiative) -> list:
    experiments = list(initiative_experiments(initiative=initiative))
    story = [pdf.heading("Experiments")]
    if not experiments:
        return [*story, pdf.text("No experiment.")]
    for experiment in experiments[:EXPERIMENTS_MAX]:
        results = experiment_results(experiment=experiment)
        head = f"{experiment.name} ({experiment.get_status_display()}"
        head += f", decision: {experiment.get_decision_display()})" if experiment.decision else ")"
        story.append(pdf.text(head))
        comparisons = {c["variant"]: c for c in (results or {}).get("comparisons", [])}
        for item in verdict_items(experiment, results):
            verdict = item["verdict"]
            interval = _interval(experiment, comparisons[verdict.variant]["absolute_ci"])
            line = f"{verdict.name} vs {item['control']}: {verdict.text} {interval}"
            story.append(pdf.text(line, "small"))
        if not results or not results.get("comparisons"):
            story.append(pdf.text("No result yet.", "small"))
    if len(experiments) > EXPERIMENTS_MAX:
        story.append(pdf.text(MSG_MORE.format(count=len(experiments) - EXPERIMENTS_MAX), "small"))
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
    return f"({numbers.percent(1 - experiment.alpha, -1)} interval of the difference: {span})"


def _money(initiative: Initiative) -> list:
    money = initiative_money(initiative=initiative)
    roi = "—" if money.roi_percent is None else f"{money.roi_percent:.1f} %"
    payback = "—" if money.payback_months is None else f"{money.payback_months:.1f} months"
    rows = [
        [pdf.text(name, "head") for name in MONEY_COLUMNS],
        [
            pdf.money(money.total_cost),
            pdf.money(money.benefit_to_date),
            pdf.money(money.projected_12m_benefit),
            roi,
            payback,
            pdf.money(money.npv),
        ],
    ]
    note = (
        f"Over {money.horizon_months} months; benefit validated by finance "
        f"{pdf.money(money.split.validated)}, not validated {pdf.money(money.split.not_validated)}."
    )
    story = [pdf.heading("Money"), pdf.table(rows, [COLUMN_WIDTH / 6] * 6), pdf.text(note, "small")]
    return [*story, *_roi_range(initiative)]


def _roi_range(initiative: Initiative) -> list:
    """The money at the ends of the experiment's interval, as the initiative page states it."""
    found = initiative_roi_range(initiative=initiative)
    if found is None:
        return []
    low, high = found.low.roi_percent, found.high.roi_percent
    roi = "ROI —" if low is None or high is None else f"ROI {low:.0f} % to {high:.0f} %".replace("-", "−")
    return [
        pdf.text(
            f"From the evidence ({found.experiment_name} on {found.kpi_name}, "
            f"{found.confidence_percent:g} % interval): payback in {found.payback_text}; {roi}; "
            f"NPV {pdf.money(found.low.npv)} to {pdf.money(found.high.npv)}.",
            "small",
        )
    ]


def _milestones(initiative: Initiative) -> list:
    today = timezone.localdate()
    milestones = initiative_milestones(initiative=initiative)
    story = [pdf.heading("Milestones")]
    if not milestones:
        return [*story, pdf.text("No milestone.")]
    rows = [["Due", "Milestone", "Owner", "Status"]]
    for milestone in milestones[:MILESTONES_MAX]:
        status = milestone.get_status_display() + (" (overdue)" if milestone.is_overdue(today=today) else "")
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
        story.append(pdf.text(MSG_MORE.format(count=len(milestones) - MILESTONES_MAX), "small"))
    return story


def _status(initiative: Initiative) -> list:
    updates = initiative_status_updates(initiative=initiative, limit=1)
    story = [pdf.heading("Latest status")]
    if not updates:
        return [*story, pdf.text("No status update yet.")]
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
            title=f"{initiative.code} {initiative.title} — A3 report",
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

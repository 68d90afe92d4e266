"""The portfolio pack as PDF: figures, what moved, what is at risk and why, the ranked initiatives.

Thousands of rows are laid out as one table per page-full (a single long table would be split page
after page, which costs time growing with its length), with plain strings in the cells.
"""

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext, pgettext_lazy
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer

from improvement.models import STAGE_ORDER, Health
from improvement.reports import pdf
from improvement.reports.pack_data import TOTALS, PackContent
from improvement.selectors.initiatives import AT_RISK_DEFINITION

FILENAME = "portfolio-pack-{date}.pdf"
PAGE = landscape(A4)
MARGIN = 12 * mm
TITLE_CHARS = 60
TOTAL_LABELS = {
    "initiatives": gettext_noop("Initiatives"),
    "total_cost": gettext_noop("Total investment"),
    "total_benefit": gettext_noop("Total benefit"),
    "projected_12m_benefit": gettext_noop("Projected 12-month benefit"),
    "npv": gettext_noop("NPV"),
    "at_risk": gettext_noop("At risk"),
}
# Lazy: each str() reads the language the pack is laid out in.
RANKED_HEADER = [
    "#",
    pgettext_lazy("report column", "Code"),
    pgettext_lazy("report column", "Title"),
    pgettext_lazy("report column", "Team"),
    pgettext_lazy("report column", "Stage"),
    pgettext_lazy("report column", "Health"),
    pgettext_lazy("report column", "Investment"),
    pgettext_lazy("report column", "Net benefit"),
    pgettext_lazy("report column", "ROI %"),
    pgettext_lazy("report column", "Payback"),
    pgettext_lazy("report column", "NPV"),
]
RANKED_WIDTHS = [c * mm for c in (12, 22, 78, 32, 14, 18, 24, 24, 16, 16, 24)]


def _cut(value: str, limit: int = TITLE_CHARS) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _figure(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _total(key: str, value) -> str:
    return f"{value:,}" if key in ("initiatives", "at_risk") else pdf.money(value)


def _chunked(header: list, rows: list[list], widths: list[float], *, numeric_from: int | None) -> list:
    header = [str(name) for name in header]
    return [pdf.Rows(header, rows, widths, numeric_from=numeric_from)] if rows else [pdf.text(_("None."))]


def _figures(content: PackContent) -> list:
    summary, now = content.summary, content.snapshot["totals"]
    money = summary.money
    story = [pdf.heading(_("Portfolio figures"))]
    header = [pgettext("report column", "Figure"), pgettext("report column", "Now")]
    if content.previous_as_of:
        header += [
            _("At the last pack ({date})").format(date=content.previous_as_of.isoformat()),
            pgettext("report column", "Change"),
        ]
    rows = []
    for key in TOTALS:
        row = [_(TOTAL_LABELS[key]), _total(key, now[key])]
        if content.previous_as_of:
            before = content.totals_before.get(key, 0)
            change = now[key] - before
            sign = "+" if change > 0 else ""
            shown = f"{sign}{change:,}" if key in ("initiatives", "at_risk") else sign + pdf.money(change)
            row += [_total(key, before), shown]
        rows.append(row)
    roi = "—" if money.roi_percent is None else f"{money.roi_percent:.1f} %"
    payback = (
        "—"
        if money.payback_months is None
        else _("{months} months").format(months=f"{money.payback_months:.1f}")
    )
    rows += [
        [_("ROI"), roi],
        [_("Payback"), payback],
        [_("Benefit to date"), pdf.money(money.benefit_to_date)],
    ]
    rows = [row + [""] * (len(header) - len(row)) for row in rows]
    widths = [60 * mm, 45 * mm, 60 * mm, 40 * mm][: len(header)]
    story.append(pdf.table([header, *rows], widths, numeric_from=1))
    stages = ", ".join(f"{stage.label} {summary.by_stage.get(stage, 0):,}" for stage in STAGE_ORDER)
    health = ", ".join(f"{label} {summary.by_health.get(value, 0):,}" for value, label in Health.choices)
    story += [
        Spacer(1, 3 * mm),
        pdf.text(
            _("Active initiatives by stage: {stages}. By health: {health}.").format(
                stages=stages, health=health
            )
        ),
        pdf.text(
            _("Money over {months} months, as on the dashboard (docs/money.md).").format(
                months=money.horizon_months
            ),
            "small",
        ),
    ]
    return story


def _moves(content: PackContent) -> list:
    story = [pdf.heading(_("What moved since the last pack"))]
    if content.previous_as_of is None:
        first = _("This is the first pack: the next one will say what moved since this one.")
        return [*story, pdf.text(first)]
    story.append(
        pdf.text(
            _("Since {date}: {count} initiatives changed.").format(
                date=content.previous_as_of.isoformat(), count=f"{len(content.moves):,}"
            )
        )
    )
    rows = [[move.code, _cut(move.title), move.what] for move in content.moves]
    widths = [22 * mm, 90 * mm, 160 * mm]
    header = [
        pgettext("report column", "Code"),
        pgettext("report column", "Title"),
        pgettext("report column", "What moved"),
    ]
    return story + _chunked(header, rows, widths, numeric_from=None)


def _at_risk(content: PackContent) -> list:
    story = [pdf.heading(_("At risk ({count}) and why").format(count=f"{len(content.at_risk):,}"))]
    story.append(pdf.text(_(AT_RISK_DEFINITION), "small"))
    rows = [
        [row.code, _cut(row.title, 50), _cut(row.team, 20), _cut(row.lead, 24), row.stage, row.health, why]
        for row, why in content.at_risk
    ]
    widths = [c * mm for c in (22, 75, 32, 36, 14, 18, 75)]
    header = [
        pgettext("report column", "Code"),
        pgettext("report column", "Title"),
        pgettext("report column", "Team"),
        pgettext("report column", "Lead"),
        pgettext("report column", "Stage"),
        pgettext("report column", "Health"),
        pgettext("report column", "Why"),
    ]
    return story + _chunked(header, rows, widths, numeric_from=None)


def _ranked(content: PackContent) -> list:
    story = [pdf.heading(_("Initiatives ranked by ROI ({count})").format(count=f"{len(content.rows):,}"))]
    rows = [
        [
            f"{rank:,}",
            row.code,
            _cut(row.title),
            _cut(row.team, 20),
            row.stage,
            row.health,
            pdf.money(row.money.total_cost),
            pdf.money(row.money.net_benefit),
            _figure(row.money.roi_percent),
            _figure(row.money.payback_months),
            pdf.money(row.money.npv),
        ]
        for rank, row in enumerate(content.rows, start=1)
    ]
    return story + _chunked(RANKED_HEADER, rows, RANKED_WIDTHS, numeric_from=6)


def pack_pdf(
    *, content: PackContent, title: str, on_progress: Callable[[float], None] = lambda share: None
) -> bytes:
    """The pack's PDF; ``on_progress`` hears the share of the layout done (0 to 1) now and then."""
    as_of = _("Figures as of {date}").format(date=content.as_of.isoformat())
    story = [pdf.text(title, "title"), pdf.text(as_of, "subtitle")]
    story += [*_figures(content), *_moves(content), PageBreak(), *_at_risk(content), PageBreak()]
    story += _ranked(content)
    # Progress by pages laid out, against the pages the rows will take (a few more for the figures).
    rows = len(content.rows) + len(content.at_risk) + len(content.moves)
    pages = rows / ((PAGE[1] - 2 * MARGIN) // pdf.Rows.ROW_HEIGHT - 1) + 2

    def progress(kind: str, value: int) -> None:
        if kind == "PAGE":
            on_progress(min(value / pages, 0.99))

    # Worded once, here: the footer is drawn while the document is built, page by page.
    footer_left = _("{title} · as of {date}").format(title=title, date=content.as_of.isoformat())
    page_label = _("Page {number}")

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(pdf.FONT, 7)
        canvas.setFillColor(pdf.BASELINE)
        if pdf.font_for(footer_left + page_label) == pdf.FONT:
            canvas.drawString(MARGIN, MARGIN / 2, footer_left)
            canvas.drawRightString(PAGE[0] - MARGIN, MARGIN / 2, page_label.format(number=doc.page))
        else:
            pdf.draw_line(canvas, MARGIN, MARGIN / 2, footer_left, size=7)
            page = page_label.format(number=doc.page)
            pdf.draw_line(canvas, PAGE[0] - MARGIN, MARGIN / 2, page, size=7, right=True)
        canvas.restoreState()

    def build(buffer) -> None:
        doc = SimpleDocTemplate(
            buffer,
            pagesize=PAGE,
            title=title,
            author=pdf.PDF_CREATOR,
            creator=pdf.PDF_CREATOR,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
        )
        doc.setProgressCallBack(progress)
        doc.build(story, onFirstPage=footer, onLaterPages=footer)
        on_progress(1.0)

    return pdf.pdf_bytes(build)

"""Shared parts of the PDF reports: styles, escaped paragraphs, tables and the KPI line chart.

The text is set in Bitstream Vera Sans, which ships inside the reportlab package (so a PDF looks
the same on any machine, with no system font) and, unlike the PDF standard fonts, has the minus
sign, the euro and the other symbols the site's figures use; the PDF embeds the glyphs it uses.
Vera has no Chinese: a text with Chinese characters (a translated report, a title typed in
Chinese) is set in reportlab's built-in CID font STSong-Light instead, which the PDF viewer supplies.
"""

import datetime as dt
import io
import re
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.graphics.charts.legends import LineLegend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from improvement import charts
from improvement.currency import format_amount

FONT = "Vera"
FONT_BOLD = "Vera-Bold"
_FONT_DIR = Path(reportlab.__file__).resolve().parent / "fonts"
if FONT not in pdfmetrics.getRegisteredFontNames():
    pdfmetrics.registerFont(TTFont(FONT, _FONT_DIR / "Vera.ttf"))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, _FONT_DIR / "VeraBd.ttf"))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)

CJK_FONT = "STSong-Light"
# CJK ideographs, their punctuation and full-width forms: the characters Vera cannot draw.
_CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")
# A run of CJK characters, or of anything else: the rest (Latin, "·", "→", "−", "€") stays in Vera,
# which has those glyphs where the CID font may not.
_RUNS = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+|[^\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+")


def runs(value: str) -> list[tuple[str, bool]]:
    """``value`` cut into runs, each with whether it is CJK."""
    return [(run, bool(_CJK.match(run))) for run in _RUNS.findall(value)]


def font_for(value: str, *, bold: bool = False) -> str:
    """Vera (bold or not), or the CJK font when ``value`` has a character Vera lacks."""
    if _CJK.search(value):
        if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        return CJK_FONT
    return FONT_BOLD if bold else FONT


INK = colors.HexColor(charts.COLOR_TEXT)
GRID = colors.HexColor(charts.COLOR_GRID)
MEASURE = colors.HexColor(charts.COLOR_MEASURE)
BASELINE = colors.HexColor(charts.COLOR_BASELINE)
TARGET = colors.HexColor(charts.COLOR_TARGET)
LIMIT = colors.HexColor(charts.COLOR_LIMIT)
HEAD_FILL = colors.HexColor("#f3f4f6")
PDF_CREATOR = "PDCA Tracker"

_base = getSampleStyleSheet()["Normal"]
STYLES = {
    "title": ParagraphStyle("title", parent=_base, fontName=FONT_BOLD, fontSize=16, leading=19, spaceAfter=2),
    "subtitle": ParagraphStyle(
        "subtitle", parent=_base, fontName=FONT, fontSize=9, leading=11, textColor=BASELINE
    ),
    "h2": ParagraphStyle(
        "h2", parent=_base, fontName=FONT_BOLD, fontSize=11, leading=13, spaceBefore=6, spaceAfter=3
    ),
    "body": ParagraphStyle("body", parent=_base, fontName=FONT, fontSize=8.5, leading=10.5, textColor=INK),
    "small": ParagraphStyle("small", parent=_base, fontName=FONT, fontSize=7, leading=8.5, textColor=INK),
    "head": ParagraphStyle("head", parent=_base, fontName=FONT_BOLD, fontSize=7.5, leading=9, textColor=INK),
    "cell": ParagraphStyle("cell", parent=_base, fontName=FONT, fontSize=7.5, leading=9, textColor=INK),
}


def draw_line(canvas, x: float, y: float, value: str, *, size: float, right: bool = False) -> None:
    """One line of text on the canvas, its Chinese runs in the CJK font and the rest in Vera;
    ``right``: ``x`` is where it ends."""
    parts = [(run, font_for(run) if cjk else FONT) for run, cjk in runs(value)]
    if right:
        x -= sum(pdfmetrics.stringWidth(run, font, size) for run, font in parts)
    line = canvas.beginText(x, y)
    for run, font in parts:
        line.setFont(font, size)
        line.textOut(run)
    canvas.drawText(line)


def _style(style: str, content: str) -> ParagraphStyle:
    found = STYLES[style]
    if font_for(content) != CJK_FONT:
        return found
    name = f"{style}-cjk"
    if name not in STYLES:
        STYLES[name] = ParagraphStyle(name, parent=found, fontName=CJK_FONT)
    return STYLES[name]


def _markup(content: str, style: str) -> str:
    """Escaped paragraph markup; in a CJK paragraph the other runs are set in Vera."""
    if font_for(content) != CJK_FONT:
        return escape(content).replace("\n", "<br/>")
    vera = FONT_BOLD if STYLES[style].fontName == FONT_BOLD else FONT
    return "".join(
        escape(run) if cjk else f'<font face="{vera}">{escape(run)}</font>' for run, cjk in runs(content)
    ).replace("\n", "<br/>")


def text(value: object, style: str = "body", *, limit: int | None = None) -> Paragraph:
    """A paragraph of stored text, escaped (a title may contain ``<`` or ``&``), cut at ``limit``."""
    content = "" if value is None else str(value)
    if limit is not None and len(content) > limit:
        content = content[: limit - 1].rstrip() + "…"
    return Paragraph(_markup(content, style), _style(style, content))


def heading(value: str) -> Paragraph:
    value = str(value)
    return Paragraph(_markup(value, "h2"), _style("h2", value))


def money(value: float | None) -> str:
    return format_amount(value, currency=settings.PDCA_CURRENCY)


def table(rows: Sequence[Sequence], widths: Sequence[float], *, numeric_from: int | None = None) -> Table:
    """A table whose first row is its header; columns from ``numeric_from`` on are right-aligned."""
    # A plain cell with Chinese in it becomes a paragraph, so its Latin runs keep Vera's glyphs.
    rows = [
        [
            text(cell, "head" if number == 0 else "cell")
            if isinstance(cell, str) and _CJK.search(cell)
            else cell
            for cell in row
        ]
        for number, row in enumerate(rows)
    ]
    found = Table(rows, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 7.5),
        ("FONT", (0, 0), (-1, 0), FONT_BOLD, 7.5),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    if numeric_from is not None:
        style.append(("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"))
    found.setStyle(TableStyle(style))
    return found


def pdf_bytes(build) -> bytes:
    """Run ``build(buffer)`` (which writes a document into it) and return the PDF's bytes."""
    buffer = io.BytesIO()
    build(buffer)
    return buffer.getvalue()


def kpi_chart(
    *,
    width: float,
    height: float,
    series: Sequence[tuple[dt.date, float]],
    baseline: float,
    target: float,
    limits: charts.ControlLimits | None,
) -> Drawing:
    """The KPI's measurements with its baseline, target and control limits as horizontal lines.

    The same series and limits as the initiative page's chart (``charts.kpi_chart``); with no
    measurement yet, the lines alone over the baseline-to-target range.
    """
    drawing = Drawing(width, height)
    if series:
        xs = [day.toordinal() for day, _value in series]
    else:
        today = dt.date.today().toordinal()
        xs = [today - 30, today]
    first, last = min(xs), max(xs)
    if first == last:
        first, last = first - 1, last + 1
    lines = [(_("Baseline"), baseline, BASELINE, (3, 2)), (_("Target"), target, TARGET, (3, 2))]
    if limits is not None:
        lines += [
            (_("Centre line"), limits.centre, LIMIT, (1, 2)),
            (_("Control limits"), limits.upper, LIMIT, (5, 2)),
            ("", limits.lower, LIMIT, (5, 2)),
        ]
    data = [[(x, value) for x, (_day, value) in zip(xs, series, strict=True)]] if series else []
    data += [[(first, value), (last, value)] for _name, value, _color, _dash in lines]
    plot = LinePlot()
    plot.x, plot.y = 32, 26
    plot.width, plot.height = width - 40, height - 44
    plot.data = data if data else [[(first, 0), (last, 0)]]
    offset = 1 if series else 0
    if series:
        plot.lines[0].strokeColor = MEASURE
        plot.lines[0].strokeWidth = 1.2
    for index, (_name, _value, color, dash) in enumerate(lines):
        plot.lines[index + offset].strokeColor = color
        plot.lines[index + offset].strokeWidth = 0.8
        plot.lines[index + offset].strokeDashArray = dash
    values = [value for line in plot.data for _, value in line]
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or abs(high) * 0.1 or 1
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = low - pad, high + pad
    plot.yValueAxis.labels.fontName = plot.xValueAxis.labels.fontName = FONT
    plot.yValueAxis.labels.fontSize = 6
    plot.yValueAxis.labelTextFormat = _axis_number
    plot.yValueAxis.visibleGrid = True
    plot.yValueAxis.gridStrokeColor = GRID
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = first, last
    plot.xValueAxis.valueSteps = _date_steps(first, last)
    plot.xValueAxis.labelTextFormat = lambda x: dt.date.fromordinal(int(x)).strftime("%Y-%m-%d")
    plot.xValueAxis.labels.fontSize = 6
    drawing.add(plot)
    legend = LineLegend()
    legend.x, legend.y = 32, height - 6
    legend.colorNamePairs = [(MEASURE, _("Measured"))] if series else []
    legend.colorNamePairs += [(color, name) for name, _value, color, _dash in lines if name]
    legend.fontName = font_for("".join(name for _color, name in legend.colorNamePairs))
    legend.fontSize = 6
    legend.dx, legend.dy = 10, 2
    legend.columnMaximum = 1
    legend.alignment = "right"
    legend.deltax = 62
    drawing.add(legend)
    if not series:
        empty = _("No measurement yet")
        note = String(width / 2, height / 2, empty, fontName=font_for(empty), fontSize=8)
        note.textAnchor = "middle"
        drawing.add(note)
    return drawing


def _axis_number(value: float) -> str:
    return f"{value:,.4g}"


def _date_steps(first: int, last: int, count: int = 4) -> list[int]:
    step = max(1, (last - first) // count)
    return list(range(first, last + 1, step))


CHART_WIDTH = 180 * mm


class Rows(Flowable):
    """A long table of one-line text cells, drawn straight on the canvas a page-full at a time.

    ``Table`` measures every cell and re-measures the rest of a table each time it splits across a
    page, which for thousands of rows costs seconds; these rows have a fixed height, so a page
    takes as many as fit and the rest moves on. Cells longer than their column are cut.
    """

    ROW_HEIGHT = 10.5
    FONT_SIZE = 7

    def __init__(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        numeric_from: int | None = None,
    ):
        super().__init__()
        self.header, self.rows, self.widths = list(header), rows, list(widths)
        self.numeric_from = len(self.widths) if numeric_from is None else numeric_from

    def wrap(self, available_width, available_height):
        self.width = sum(self.widths)
        self.height = self.ROW_HEIGHT * (len(self.rows) + 1)
        return self.width, self.height

    def split(self, available_width, available_height):
        fit = int(available_height // self.ROW_HEIGHT) - 1
        if fit >= len(self.rows):
            return [self]
        if fit < 1:
            return []
        keep = {"numeric_from": self.numeric_from}
        return [
            Rows(self.header, self.rows[:fit], self.widths, **keep),
            Rows(self.header, self.rows[fit:], self.widths, **keep),
        ]

    def _line(self, canvas, cells, y: float, font: str) -> None:
        """One row as one text object (a ``drawString`` per cell costs an object each)."""
        line = canvas.beginText()
        line.setFont(font, self.FONT_SIZE)
        x = 0.0
        for index, (cell, width) in enumerate(zip(cells, self.widths, strict=True)):
            if _CJK.search(cell):
                # Chinese (translated, or typed so) in the CJK font, the other runs in the row's.
                self._mixed(line, cell, x, width, y, font, right=index >= self.numeric_from)
                line.setFont(font, self.FONT_SIZE)
            elif index >= self.numeric_from:
                line.setTextOrigin(x + width - 2 - pdfmetrics.stringWidth(cell, font, self.FONT_SIZE), y)
                line.textOut(cell)
            else:
                line.setTextOrigin(x + 2, y)
                line.textOut(_fit(cell, width - 4, font, self.FONT_SIZE))
            x += width
        canvas.drawText(line)

    def _mixed(self, line, cell: str, x: float, width: float, y: float, font: str, *, right: bool) -> None:
        size = self.FONT_SIZE
        parts = [(run, font_for(run) if cjk else font) for run, cjk in runs(cell)]
        room = width - 4
        kept = []
        for run, run_font in parts:
            run_width = pdfmetrics.stringWidth(run, run_font, size)
            if run_width > room:
                kept.append((_fit(run, room, run_font, size), run_font))
                break
            kept.append((run, run_font))
            room -= run_width
        total = sum(pdfmetrics.stringWidth(run, run_font, size) for run, run_font in kept)
        line.setTextOrigin(x + width - 2 - total if right else x + 2, y)
        for run, run_font in kept:
            line.setFont(run_font, size)
            line.textOut(run)

    def draw(self):
        canvas = self.canv
        canvas.setFillColor(HEAD_FILL)
        canvas.rect(0, self.height - self.ROW_HEIGHT, self.width, self.ROW_HEIGHT, stroke=0, fill=1)
        canvas.setFillColor(INK)
        canvas.setStrokeColor(GRID)
        canvas.setLineWidth(0.25)
        base = self.height - self.ROW_HEIGHT + 3
        self._line(canvas, self.header, base, FONT_BOLD)
        rules = (self.height - n * self.ROW_HEIGHT for n in range(1, len(self.rows) + 1))
        canvas.lines([(0, y, self.width, y) for y in rules])
        for number, row in enumerate(self.rows, start=2):
            self._line(canvas, row, self.height - number * self.ROW_HEIGHT + 3, FONT)


# No glyph of the font is wider than this many ems: a text this short fits without measuring.
WIDEST_GLYPH_EM = 1.0


def _fit(value: str, width: float, font: str, size: float) -> str:
    if len(value) * size * WIDEST_GLYPH_EM <= width or pdfmetrics.stringWidth(value, font, size) <= width:
        return value
    while value and pdfmetrics.stringWidth(value + "…", font, size) > width:
        value = value[: max(1, int(len(value) * 0.9))] if len(value) > 8 else value[:-1]
    return value + "…"

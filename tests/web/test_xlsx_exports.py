"""XLSX downloads: the portfolio carries the CSV's rows with typed cells; an initiative's money lines
and measurements; text that looks like a formula stays text; only readers of the data get a file."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from common.xlsx import XLSX_MEDIA_TYPE, money_format
from improvement.exports import PORTFOLIO_MONEY_COLUMNS
from improvement.selectors.exports import BENEFIT_HEADER, COST_HEADER, MEASUREMENT_HEADER
from improvement.views.dashboard import CSV_HEADER, neutralise
from tests.factories import (
    BenefitFactory,
    CostFactory,
    InitiativeFactory,
    KpiFactory,
    KpiTargetFactory,
    MeasurementFactory,
    MilestoneFactory,
    TeamFactory,
    UserFactory,
)
from tests.web.test_portfolio_csv_stream import _random_portfolio

pytestmark = pytest.mark.django_db

CSV_URL = reverse("improvement:dashboard_csv")
XLSX_URL = reverse("improvement:dashboard_xlsx")
DANGEROUS = ['=HYPERLINK("http://x")', "=1+1", "+1+2", "-2+3", "@SUM(A1)"]


def _sheet(response, index: int = 0):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_MEDIA_TYPE
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    workbook = load_workbook(io.BytesIO(body))  # read mode: formulas would come back as "=…" with type f
    return workbook.worksheets[index]


def _csv_equal(xlsx_cell, csv_text: str) -> bool:
    """The CSV's text of a cell and the typed cell hold the same value."""
    value = xlsx_cell.value
    if value is None:
        return csv_text == ""
    if isinstance(value, bool):
        return csv_text == ("yes" if value else "no")
    if isinstance(value, dt.datetime):
        return csv_text == value.date().isoformat() and xlsx_cell.number_format == "yyyy-mm-dd"
    if isinstance(value, int | float):
        return float(csv_text) == value
    return csv_text == neutralise(value) and xlsx_cell.data_type == "s"


@pytest.mark.parametrize("query", ["", "?sort=payback_asc", "?sort=npv_desc&stage=do"])
def test_the_portfolio_workbook_has_the_csv_rows_with_typed_cells(login, executive, query):
    _random_portfolio(3, 20)
    client = login(executive)

    table = list(csv.reader(io.StringIO(client.get(CSV_URL + query).getvalue().decode())))
    sheet = _sheet(client.get(XLSX_URL + query))

    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == CSV_HEADER == table[0]
    assert sheet.freeze_panes == "A2"
    assert len(rows) == len(table) > 2
    for cells, texts in zip(rows[1:], table[1:], strict=True):
        for name, cell, text in zip(CSV_HEADER, cells, texts, strict=True):
            assert _csv_equal(cell, text), (name, cell.value, text)


def test_portfolio_cells_are_numbers_dates_money_and_booleans(login, executive, team):
    initiative = InitiativeFactory(team=team, title="FAQ coverage", start_date=dt.date(2026, 3, 1))
    CostFactory(initiative=initiative, amount=Decimal("1000"))
    BenefitFactory(initiative=initiative, monthly_amount=Decimal("500"))
    MilestoneFactory(initiative=initiative, due_date=timezone.localdate() - dt.timedelta(days=3))

    sheet = _sheet(login(executive).get(XLSX_URL))

    row = dict(zip(CSV_HEADER, next(sheet.iter_rows(min_row=2)), strict=True))
    assert row["Start date"].value == dt.datetime(2026, 3, 1) and row["Start date"].is_date
    assert row["Total cost"].value == 1000 and row["Total cost"].data_type == "n"
    for name in PORTFOLIO_MONEY_COLUMNS:
        assert row[name].number_format == money_format(settings.PDCA_CURRENCY) == '#,##0.00 "EUR"'
    assert row["ROI %"].value == 500.0
    assert row["Milestones overdue"].value == 1
    assert row["At risk"].value is True and row["At risk"].data_type == "b"
    assert row["Currency"].value == "EUR"


@pytest.mark.parametrize("dangerous", DANGEROUS)
def test_text_that_looks_like_a_formula_stays_text(login, executive, dangerous):
    lead = UserFactory(role="lead", full_name=dangerous)
    InitiativeFactory(title=dangerous, team=TeamFactory(name=dangerous), lead=lead)

    sheet = _sheet(login(executive).get(XLSX_URL))

    row = dict(zip(CSV_HEADER, next(sheet.iter_rows(min_row=2)), strict=True))
    for name in ("Title", "Team", "Lead"):
        assert row[name].value == dangerous
        assert row[name].data_type == "s"


def test_control_characters_are_dropped_not_a_broken_file(login, executive):
    InitiativeFactory(title="Bell\x07 and\x1b escape")

    sheet = _sheet(login(executive).get(XLSX_URL))

    assert sheet.cell(row=2, column=2).value == "Bell and escape"


def test_the_portfolio_workbook_holds_only_what_the_reader_may_read(login, lead, team, other_team):
    mine = InitiativeFactory(team=team)
    InitiativeFactory(team=other_team)

    sheet = _sheet(login(lead).get(XLSX_URL))

    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [mine.code]


def test_a_visitor_who_is_not_signed_in_gets_no_workbook(client, initiative):
    for url in (
        XLSX_URL,
        reverse("improvement:initiative_money_xlsx", args=[initiative.pk]),
        reverse("improvement:initiative_measurements_xlsx", args=[initiative.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_money_lines_workbook_has_a_sheet_of_costs_and_one_of_benefits(login, lead, initiative, finance):
    CostFactory(initiative=initiative, kind="one_time", description="=Licence", amount=Decimal("12000.50"))
    CostFactory(
        initiative=initiative, kind="recurring", description="Hosting", amount=Decimal("99"), start_month=3
    )
    BenefitFactory(initiative=initiative, description="Fewer hours", monthly_amount=Decimal("2500"))
    BenefitFactory(
        initiative=initiative,
        nature="soft",
        monthly_amount=Decimal("10"),
        validated=True,
        validated_by=finance,
        validated_at=timezone.now(),
    )
    url = reverse("improvement:initiative_money_xlsx", args=[initiative.pk])

    response = login(lead).get(url)

    costs, benefits = _sheet(response, 0), _sheet(login(lead).get(url), 1)
    assert f"{initiative.code}-money-lines.xlsx" in response["Content-Disposition"]
    assert (costs.title, benefits.title) == ("Costs", "Benefits")
    assert costs.freeze_panes == benefits.freeze_panes == "A2"
    cost_rows = list(costs.iter_rows(values_only=True))
    assert list(cost_rows[0]) == COST_HEADER
    assert cost_rows[1:] == [
        ("One-time investment", "=Licence", 12000.5, 1, None, "EUR"),
        ("Recurring (monthly)", "Hosting", 99, 3, None, "EUR"),
    ]
    assert costs.cell(row=2, column=2).data_type == "s"
    assert costs.cell(row=2, column=3).number_format == '#,##0.00 "EUR"'
    benefit_rows = list(benefits.iter_rows(values_only=True))
    assert list(benefit_rows[0]) == BENEFIT_HEADER
    first, second = (dict(zip(BENEFIT_HEADER, row, strict=True)) for row in benefit_rows[1:])
    assert (first["Monthly amount"], first["Validated"], first["Validated by"], first["Validated at"]) == (
        2500,
        False,
        None,
        None,
    )
    assert (second["Nature"], second["Validated"]) == ("Soft", True)
    assert second["Validated by"] == finance.full_name
    assert isinstance(second["Validated at"], dt.datetime)


def test_the_measurements_workbook_lists_the_series_the_targets_follow(login, viewer, initiative):
    kpi = KpiFactory(code="fcr", name="First contact resolution", unit="percent")
    KpiTargetFactory(initiative=initiative, kpi=kpi, segment="chat")
    MeasurementFactory(
        kpi=kpi, segment="chat", period=dt.date(2026, 2, 1), value=71.5, sample_size=300, numerator=213
    )
    MeasurementFactory(kpi=kpi, segment="chat", period=dt.date(2026, 1, 1), value=70.0, source="=import")
    MeasurementFactory(kpi=kpi, segment="phone", period=dt.date(2026, 1, 1), value=10.0)  # not followed
    MeasurementFactory(period=dt.date(2026, 1, 1))  # another KPI

    url = reverse("improvement:initiative_measurements_xlsx", args=[initiative.pk])
    sheet = _sheet(login(viewer).get(url))

    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == MEASUREMENT_HEADER
    fcr = ("fcr", "First contact resolution", "percent", "chat")
    assert rows[1:] == [
        (*fcr, dt.datetime(2026, 1, 1), 70.0, None, None, "=import"),
        (*fcr, dt.datetime(2026, 2, 1), 71.5, 300, 213, "manual"),
    ]
    assert sheet.cell(row=2, column=5).number_format == "yyyy-mm-dd"
    assert sheet.cell(row=2, column=9).data_type == "s"  # the source "=import" is text, not a formula


@pytest.mark.parametrize(
    "name", ["improvement:initiative_money_xlsx", "improvement:initiative_measurements_xlsx"]
)
def test_an_initiative_the_reader_cannot_see_has_no_workbook(login, other_lead, initiative, name):
    CostFactory(initiative=initiative)

    response = login(other_lead).get(reverse(name, args=[initiative.pk]))

    assert response.status_code == 404


def test_the_pages_link_the_workbooks_next_to_the_csv(login, executive, initiative):
    client = login(executive)

    assert XLSX_URL in client.get(reverse("improvement:dashboard")).content.decode()
    page = client.get(reverse("improvement:initiative_detail", args=[initiative.pk])).content.decode()
    assert reverse("improvement:initiative_money_xlsx", args=[initiative.pk]) in page
    assert reverse("improvement:initiative_measurements_xlsx", args=[initiative.pk]) in page

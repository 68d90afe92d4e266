"""The API's XLSX files: the site's workbooks, by ``.xlsx`` or by ``Accept``, scoped to the caller;
documented in the schema; bad query parameters answer 400 per field."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from common.xlsx import XLSX_MEDIA_TYPE
from improvement.exports import PORTFOLIO_HEADER
from improvement.selectors.exports import COST_HEADER, MEASUREMENT_HEADER
from tests.factories import BenefitFactory, CostFactory, InitiativeFactory

pytestmark = pytest.mark.django_db

PORTFOLIO = "/api/v1/portfolio/export.xlsx"


def _rows(answer, index: int = 0) -> list[tuple]:
    assert answer.status_code == 200, answer.content[:300]
    assert answer["Content-Type"] == XLSX_MEDIA_TYPE
    sheet = load_workbook(io.BytesIO(b"".join(answer.streaming_content))).worksheets[index]
    assert sheet.freeze_panes == "A2"
    return list(sheet.iter_rows(values_only=True))


def test_the_portfolio_workbook_holds_what_the_caller_reads_ranked_as_asked(api, lead, team, other_team):
    cheap, dear = InitiativeFactory(team=team), InitiativeFactory(team=team)
    CostFactory(initiative=cheap, amount=Decimal("100"))
    CostFactory(initiative=dear, amount=Decimal("9000"))
    InitiativeFactory(team=other_team)

    rows = _rows(api(lead).get(PORTFOLIO, {"sort": "investment_desc"}))

    assert list(rows[0]) == PORTFOLIO_HEADER
    assert [(row[0], row[13]) for row in rows[1:]] == [(dear.code, 9000), (cheap.code, 100)]


def test_the_portfolio_answers_the_workbook_to_an_accept_header_too(api, executive):
    InitiativeFactory()

    answer = api(executive).get("/api/v1/portfolio/export/", HTTP_ACCEPT=XLSX_MEDIA_TYPE)

    assert len(_rows(answer)) == 2
    assert "portfolio-" in answer["Content-Disposition"]
    assert len(_rows(api(executive).get("/api/v1/portfolio/export/"))) == 2  # no Accept: the file


def test_bad_portfolio_parameters_answer_400_per_field(api, lead, other_team, conforms):
    answer = api(lead).get(PORTFOLIO, {"sort": "fame_desc", "team": other_team.pk, "category": "x"})

    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/json"
    conforms(answer, "GET /api/v1/portfolio/export/")
    assert set(answer.json()["fields"]) == {"sort", "team", "category"}


def test_an_initiatives_money_lines_and_measurements(api, viewer, initiative):
    CostFactory(initiative=initiative, description="=2*3", amount=Decimal("40.5"))
    BenefitFactory(initiative=initiative)
    client = api(viewer)

    costs = _rows(client.get(f"/api/v1/initiatives/{initiative.pk}/money-lines.xlsx"))
    benefits = _rows(client.get(f"/api/v1/initiatives/{initiative.pk}/money-lines.xlsx"), 1)
    measurements = _rows(client.get(f"/api/v1/initiatives/{initiative.pk}/measurements.xlsx"))

    assert costs == [tuple(COST_HEADER), ("One-time investment", "=2*3", 40.5, 1, None, "EUR")]
    assert len(benefits) == 2
    assert measurements == [tuple(MEASUREMENT_HEADER)]


@pytest.mark.parametrize("path", ["money-lines.xlsx", "measurements.xlsx"])
def test_another_teams_initiative_has_no_workbook(api, other_lead, initiative, path, conforms):
    answer = api(other_lead).get(f"/api/v1/initiatives/{initiative.pk}/{path}")

    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"
    conforms(answer, f"GET /api/v1/initiatives/{{id}}/{path.removesuffix('.xlsx')}/")


def test_asking_for_json_answers_406_not_a_file(api, lead):
    answer = api(lead).get("/api/v1/portfolio/export/", HTTP_ACCEPT="application/json")

    assert answer.status_code == 406
    assert answer["Content-Type"] == "application/json"


def test_an_anonymous_caller_gets_401(anon, initiative):
    assert anon.get(PORTFOLIO).status_code == 401
    assert anon.get(f"/api/v1/initiatives/{initiative.pk}/money-lines.xlsx").status_code == 401


def test_a_token_needs_the_read_scope(token_api, lead, initiative):
    assert token_api(lead, "progress:read").get(PORTFOLIO).status_code == 200
    assert token_api(lead, "measurements:write").get(PORTFOLIO).status_code == 403


def test_the_schema_documents_the_xlsx_answers(api, lead):
    document = api(lead).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = document["paths"]

    for path in (
        "/api/v1/portfolio/export/",
        "/api/v1/initiatives/{id}/money-lines/",
        "/api/v1/initiatives/{id}/measurements/",
        "/api/v1/experiments/{id}/results/",
    ):
        assert XLSX_MEDIA_TYPE in paths[path]["get"]["responses"]["200"]["content"], path

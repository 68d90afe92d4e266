"""Imports from CSV and XLSX: a dry run lists every error by row and column and writes nothing;
the import writes every row or none, and importing the same file again changes nothing."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from improvement.import_columns import MSG_DATE, MSG_NUMBER, MSG_REQUIRED
from improvement.import_files import MSG_FORMAT, column_key, read_table
from improvement.models import ImportJob, ImportStatus, Initiative, KpiTarget, Milestone
from improvement.services import imports
from improvement.services.import_rows import MSG_UNKNOWN_INITIATIVE, MSG_UNKNOWN_TEAM
from improvement.services.initiatives import initiative_create
from kpis.models import Kpi, Measurement
from kpis.services import MSG_BAD_NUMERATOR, MSG_UNKNOWN_KPI

TODAY = dt.date.today()
D1 = (TODAY - dt.timedelta(days=10)).isoformat()
D2 = (TODAY - dt.timedelta(days=9)).isoformat()


@pytest.fixture
def kpi(db):
    return Kpi.objects.create(code="fcr", name="FCR", unit="percent", direction="higher", max_value=100)


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(actor, kind, content, filename, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.import_job_create(actor=actor, kind=kind, filename=filename, content=content)
    return ImportJob.objects.get(pk=job.pk)


def start(actor, job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_job_start(actor=actor, job=job)
    return ImportJob.objects.get(pk=job.pk)


def test_a_dry_run_lists_every_error_by_row_and_column_and_writes_nothing(
    lead, kpi, django_capture_on_commit_callbacks
):
    content = csv_bytes(
        "KPI,Segment,Period,Value,Sample size,Source",
        f"fcr,chat,{D1},71,100,crm",
        f"nope,chat,{D1},71,,crm",
        "fcr,chat,31/12/2025,abc,,crm",
        f"fcr,chat,{D2},,,crm",
    )
    job = run(lead, "measurements", content, "m.csv", django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.INVALID
    assert job.errors == [
        {"row": 3, "column": "KPI", "message": MSG_UNKNOWN_KPI.format(code="nope")},
        {"row": 4, "column": "Period", "message": MSG_DATE},
        {"row": 4, "column": "Value", "message": MSG_NUMBER},
        {"row": 5, "column": "Value", "message": MSG_REQUIRED},
    ]
    assert Measurement.objects.count() == 0


def test_the_import_writes_all_rows_and_a_second_import_changes_nothing(
    lead, kpi, django_capture_on_commit_callbacks
):
    content = csv_bytes("KPI,Period,Value,Segment", f"fcr,{D1},71,chat", f"fcr,{D2},72.5,chat")
    job = run(lead, "measurements", content, "m.csv", django_capture_on_commit_callbacks)
    assert (job.status, job.counts) == (ImportStatus.VALID, {"create": 2, "update": 0, "unchanged": 0})
    assert Measurement.objects.count() == 0  # the dry run rolled back
    job = start(lead, job, django_capture_on_commit_callbacks)
    assert (job.status, job.counts) == (ImportStatus.DONE, {"create": 2, "update": 0, "unchanged": 0})
    assert sorted(Measurement.objects.values_list("value", flat=True)) == [71, 72.5]
    again = run(lead, "measurements", content, "m.csv", django_capture_on_commit_callbacks)
    assert again.counts == {"create": 0, "update": 0, "unchanged": 2}


def test_a_rate_imports_with_its_sample_size_and_numerator_and_a_numerator_past_it_is_refused(
    lead, kpi, django_capture_on_commit_callbacks
):
    content = csv_bytes("KPI,Period,Value,Sample size,Numerator", f"fcr,{D1},71,300,213", f"fcr,{D2},70,200,")
    job = run(lead, "measurements", content, "m.csv", django_capture_on_commit_callbacks)
    job = start(lead, job, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE
    assert sorted(Measurement.objects.values_list("period", "sample_size", "numerator")) == [
        (dt.date.fromisoformat(D1), 300, 213),
        (dt.date.fromisoformat(D2), 200, None),
    ]

    bad = csv_bytes("KPI,Period,Value,Sample size,Numerator", f"fcr,{D1},71,300,301")
    refused = run(lead, "measurements", bad, "m.csv", django_capture_on_commit_callbacks)
    assert refused.status == ImportStatus.INVALID
    assert [(e["row"], e["column"], e["message"]) for e in refused.errors] == [
        (2, "Numerator", MSG_BAD_NUMERATOR)
    ]
    assert Measurement.objects.get(period=D1).numerator == 213


def test_a_repeated_natural_key_is_an_error_on_the_second_row(lead, kpi, django_capture_on_commit_callbacks):
    content = csv_bytes("KPI,Period,Value", f"fcr,{D1},71", f"fcr,{D1},72")
    job = run(lead, "measurements", content, "m.csv", django_capture_on_commit_callbacks)
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "Source")]
    assert "Row 2 has the same" in job.errors[0]["message"]


def test_initiatives_targets_and_milestones_import_by_natural_key(
    lead, team, kpi, django_capture_on_commit_callbacks
):
    initiatives = xlsx_bytes(
        [
            ["Code", "Title", "Team", "Lead", "Category", "Start date", "Stage", "ROI %"],
            [
                "CX-001",
                "=Faster callbacks",
                team.name,
                lead.email,
                "Response speed",
                dt.date(2026, 1, 5),
                "Plan",
                3,
            ],
        ]
    )
    job = run(lead, "initiatives", initiatives, "i.xlsx", django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.VALID, job.errors
    job = start(lead, job, django_capture_on_commit_callbacks)
    initiative = Initiative.objects.get(code="CX-001")
    # Leading "=" is text, never a formula.
    assert (initiative.title, initiative.category) == ("=Faster callbacks", "response_speed")

    targets = csv_bytes(
        "Initiative,KPI,Baseline value,Target value,Primary", "CX-001,fcr,70,85,yes", "CX-404,fcr,70,85,yes"
    )
    job = run(lead, "targets", targets, "t.csv", django_capture_on_commit_callbacks)
    assert job.errors == [
        {"row": 3, "column": "Initiative", "message": MSG_UNKNOWN_INITIATIVE.format(value="CX-404")}
    ]
    job = run(
        lead,
        "targets",
        targets.replace(b"\nCX-404,fcr,70,85,yes", b""),
        "t.csv",
        django_capture_on_commit_callbacks,
    )
    start(lead, job, django_capture_on_commit_callbacks)
    assert KpiTarget.objects.get(initiative=initiative).target_value == 85

    changed = csv_bytes("Initiative,KPI,Baseline value,Target value", "CX-001,fcr,70,90")
    job = run(lead, "targets", changed, "t.csv", django_capture_on_commit_callbacks)
    assert job.counts == {"create": 0, "update": 1, "unchanged": 0}

    milestones = csv_bytes("Initiative,Title,Due date,Owner", f"CX-001,Pilot,{D1},{lead.email}")
    job = start(
        lead,
        run(lead, "milestones", milestones, "m.csv", django_capture_on_commit_callbacks),
        django_capture_on_commit_callbacks,
    )
    assert job.status == ImportStatus.DONE
    assert Milestone.objects.get(initiative=initiative).title == "Pilot"
    again = run(lead, "milestones", milestones, "m.csv", django_capture_on_commit_callbacks)
    assert again.counts == {"create": 0, "update": 0, "unchanged": 1}


def test_one_bad_row_refuses_the_whole_import(lead, team, django_capture_on_commit_callbacks):
    content = csv_bytes("Code,Title,Team,Start date", f"CX-1,One,{team.name},{D1}", f"CX-2,Two,Nowhere,{D1}")
    job = run(lead, "initiatives", content, "i.csv", django_capture_on_commit_callbacks)
    assert job.errors == [{"row": 3, "column": "Team", "message": MSG_UNKNOWN_TEAM.format(value="Nowhere")}]
    assert not Initiative.objects.exists()


def test_a_lead_cannot_change_another_teams_initiative(
    lead, other_lead, other_team, django_capture_on_commit_callbacks
):
    initiative_create(actor=other_lead, code="OT-1", title="Theirs", team=other_team, start_date=TODAY)
    content = csv_bytes("Initiative,Title,Due date", f"OT-1,Sneaky,{D1}")
    job = run(lead, "milestones", content, "m.csv", django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.INVALID
    assert job.errors[0]["row"] == 2 and "cannot change initiative OT-1" in job.errors[0]["message"]


def test_the_measurements_export_header_and_guarded_text_are_read_back():
    content = csv_bytes(
        "KPI,KPI name,Unit,Segment,Period,Value,Sample size,Source", "fcr,FCR,percent,'=chat,2026-01-01,5,,x"
    )
    table = read_table(content, filename="export.csv")
    assert table.columns == ["kpi", "kpi_name", "unit", "segment", "period", "value", "sample_size", "source"]
    assert table.rows[0] == (
        2,
        {
            "kpi": "fcr",
            "kpi_name": "FCR",
            "unit": "percent",
            "segment": "=chat",
            "period": "2026-01-01",
            "value": "5",
            "source": "x",
        },
    )
    assert column_key(" Target end-date ") == "target_end_date"


def test_a_workbook_without_formulas_reads_typed_cells_with_their_row_numbers():
    """Read by calamine: numbers, dates and the row numbers as the openpyxl reading gives them."""
    content = xlsx_bytes(
        [["KPI", "Period", "Value"], [None], ["fcr", dt.date(2026, 1, 2), 5], ["nps", "x", 2.5]]
    )
    table = read_table(content, filename="f.xlsx")
    assert table.rows == [
        (3, {"kpi": "fcr", "period": dt.date(2026, 1, 2), "value": 5}),
        (4, {"kpi": "nps", "period": "x", "value": 2.5}),
    ]


def test_an_xlsx_formula_is_read_as_its_text_never_evaluated():
    table = read_table(xlsx_bytes([["KPI", "Value"], ["fcr", "=1+1"]]), filename="f.xlsx")
    assert table.rows == [(2, {"kpi": "fcr", "value": "=1+1"})]


def test_a_file_that_is_not_csv_or_xlsx_is_refused(lead):
    with pytest.raises(ValidationError) as refused:
        imports.import_job_create(actor=lead, kind="measurements", filename="m.pdf", content=b"x")
    assert refused.value.message_dict == {"file": [MSG_FORMAT]}
    assert not ImportJob.objects.exists()


def test_a_row_that_no_longer_fits_at_import_time_writes_nothing(
    lead, kpi, django_capture_on_commit_callbacks
):
    """The import checks again: a KPI archived after the preview refuses the whole file."""
    other = Kpi.objects.create(code="aht", name="AHT", unit="seconds", direction="lower")
    content = csv_bytes("KPI,Period,Value", f"fcr,{D1},71", f"aht,{D1},300")
    job = run(lead, "measurements", content, "m.csv", django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.VALID
    other.archived_at = dt.datetime.now(tz=dt.UTC)
    other.save(update_fields=["archived_at"])
    job = start(lead, job, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.FAILED
    assert job.errors == [{"row": 3, "column": "KPI", "message": MSG_UNKNOWN_KPI.format(code="aht")}]
    assert not Measurement.objects.exists()
    assert bytes(job.content) == b""

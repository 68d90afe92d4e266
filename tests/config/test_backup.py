"""export_data / import_data: a copy of every record, history included, that loads back whole."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from common.management.commands.import_data import MSG_NOT_EMPTY

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _catalogue(kpi_catalogue):
    """load_demo needs the catalogue that earlier transactional tests emptied."""


def _records(path) -> list[dict]:
    return sorted(json.loads(path.read_text()), key=lambda r: (r["model"], json.dumps(r["pk"])))


def test_an_export_loads_back_into_an_empty_database_unchanged(tmp_path):
    call_command("load_demo", stdout=io.StringIO())
    first = tmp_path / "first.json"
    call_command("export_data", str(first), stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)
    call_command("import_data", str(first), stdout=io.StringIO())
    second = tmp_path / "second.json"
    call_command("export_data", str(second), stdout=io.StringIO())
    records = _records(first)
    assert any(r["model"] == "improvement.historicalinitiative" for r in records)
    assert any(r["model"] == "improvement.stagetransition" for r in records)
    assert _records(second) == records


def test_importing_over_existing_data_is_refused(tmp_path, lead):
    path = tmp_path / "backup.json"
    call_command("export_data", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match=MSG_NOT_EMPTY):
        call_command("import_data", str(path))

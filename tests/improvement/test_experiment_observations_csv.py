"""A CSV of raw observations folds to the totals an independent reading gives (Python's csv module
and math.fsum), whatever the labels look like and wherever the chunks end."""

import csv as csv_module
import io
import math
import random

import pytest
from django.core.exceptions import ValidationError

from improvement.services import experiment_observations as observations
from improvement.services import experiments as ex
from kpis.stats import aggregates as agg
from tests.improvement.conftest import make, stored

pytestmark = pytest.mark.django_db

# Variant keys, one that looks like a number; the writer quotes some of them anyway (QUOTE_NONNUMERIC).
LABELS = ["control", "callback", "arm-2", "1", "B_7"]


@pytest.fixture
def mean_experiment(initiative, lead, aht):
    variants = [{"key": key, "name": f"Arm {i}", "is_control": i == 0} for i, key in enumerate(LABELS)]
    return ex.experiment_start(
        actor=lead, experiment=make(initiative, lead, aht, metric_type="mean", variants=variants)
    )


def _reference(text: str) -> dict[str, tuple[int, float, float]]:
    rows = list(csv_module.DictReader(io.StringIO(text), skipinitialspace=True))
    out = {}
    for label in {row["variant"] for row in rows}:
        values = [float(row["value"]) for row in rows if row["variant"] == label]
        out[label] = (len(values), math.fsum(values), math.fsum(v * v for v in values))
    return out


def _csv(rows) -> str:
    buffer = io.StringIO()
    writer = csv_module.writer(buffer, lineterminator="\n", quoting=csv_module.QUOTE_NONNUMERIC)
    writer.writerow(["variant", "value"])
    writer.writerows(rows)
    return buffer.getvalue()


@pytest.mark.parametrize("chunk_rows", [7, 1000])
def test_quoted_labels_fold_as_an_independent_reader_sums_them(
    mean_experiment, lead, monkeypatch, chunk_rows
):
    monkeypatch.setattr(observations, "CSV_CHUNK_ROWS", chunk_rows)
    rnd = random.Random(3)
    # Later chunks meet labels in another order, and some chunks lack a label entirely.
    rows = [
        (LABELS[min(i // 40, 4)] if i < 150 else rnd.choice(LABELS), rnd.uniform(-50, 50)) for i in range(300)
    ]
    text = _csv([(label, round(value, 6)) for label, value in rows])

    result = observations.experiment_observations_ingest(actor=lead, experiment=mean_experiment, csv=text)

    assert result.observations == 300
    expected = _reference(text)
    got = {key: (users, total, squares) for key, _, users, _, total, squares in stored(mean_experiment)}
    assert got.keys() == expected.keys()
    for label, (users, total, squares) in expected.items():
        assert got[label][0] == users
        assert got[label][1:] == pytest.approx((total, squares), rel=1e-12, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # A row without its value cell (row numbers count data rows, across chunks).
        ("variant,value\ncontrol,1\n1,2\ncontrol\n", observations.MSG_CSV_VALUE.format(value="", row=2)),
        # "NaN" is a number, though not a finite one; a word is not a number.
        (
            "variant,value\ncontrol,1\ncontrol, NaN \n1,x2\n",
            agg.MSG_VALUE_NOT_FINITE.format(row=1, value=math.nan),
        ),
        (
            "variant,value\ncontrol,1\n1,x2\ncontrol, NaN \n",
            observations.MSG_CSV_VALUE.format(value="x2", row=1),
        ),
        (
            'variant,value\ncontrol,1\n"Île, ""née""\nici",2\n,3\n',
            observations.MSG_UNKNOWN_LABELS.format(
                labels=', Île, "née"\nici', keys=", ".join(sorted(LABELS))
            ),
        ),
    ],
)
def test_bad_cells_are_named_as_before(mean_experiment, lead, monkeypatch, text, message):
    monkeypatch.setattr(observations, "CSV_CHUNK_ROWS", 2)
    with pytest.raises(ValidationError) as excinfo:
        observations.experiment_observations_ingest(actor=lead, experiment=mean_experiment, csv=text)

    assert excinfo.value.message_dict == {"observations": [message]}
    assert stored(mean_experiment) == []

"""The statistics' error sentences (kpis.stats imports no Django) read in the reader's language."""

import importlib
import pkgutil
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

import kpis.stats
from improvement.services import experiments as ex
from improvement.services.experiment_data import experiment_data_replace
from kpis.models import Kpi
from kpis.stats_text import _FIELD, TEMPLATES, WARNINGS, stats_text
from tests.factories import InitiativeFactory


def _templates_in_stats(prefix: str = "MSG_") -> set[str]:
    found = set()
    for module in pkgutil.iter_modules(kpis.stats.__path__):
        loaded = importlib.import_module(f"kpis.stats.{module.name}")
        source = Path(loaded.__file__).read_text(encoding="utf-8")
        for name, value in vars(loaded).items():
            if name.startswith(prefix) and isinstance(value, str) and f"\n{name} = " in source:
                found.add(value)
    return found


def test_every_message_and_warning_of_the_statistics_is_listed_for_translation():
    assert _templates_in_stats() - set(TEMPLATES) == set()
    assert _templates_in_stats("W_") - set(TEMPLATES) - set(WARNINGS) == set()


def _sample(template: str) -> str:
    return template.format(**{name: 777 for name, *_ in _FIELD.findall(template)})


@pytest.mark.parametrize("template", (*TEMPLATES, *WARNINGS))
def test_each_sentence_is_english_unchanged_and_chinese_with_its_values(template):
    sentence = _sample(template)
    with translation.override("en"):
        assert stats_text(sentence) == sentence
    with translation.override("zh-hans"):
        chinese = stats_text(sentence)
    assert chinese != sentence
    if _FIELD.search(template):
        assert "777" in chinese  # the values are put back


def test_a_nested_sentence_is_translated_inside_and_out():
    inner = "power must lie strictly between 0 and 1."
    with translation.override("zh-hans"):
        assert stats_text(f"pre-period {inner}") == "实验前期间：power 必须严格介于 0 与 1 之间。"


def test_other_text_is_left_as_it_is():
    with translation.override("zh-hans"):
        assert stats_text("Something else entirely.") == "Something else entirely."


@pytest.mark.django_db
def test_experiment_data_refused_by_the_statistics_is_worded_in_chinese_on_the_same_field(
    lead, kpi_catalogue
):
    initiative = InitiativeFactory(lead=lead)
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Callback offer",
        primary_kpi=Kpi.objects.get(code="fcr_rate"),
        variants=[{"key": "control", "is_control": True}, {"key": "treatment"}],
        mde=0.1,
    )
    ex.experiment_start(actor=lead, experiment=experiment)
    rows = [
        {"variant": "control", "users": 10, "conversions": 20},
        {"variant": "treatment", "users": 10, "conversions": 5},
    ]
    answers = {}
    for language in ("en", "zh-hans"):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            experiment_data_replace(actor=lead, experiment=experiment, rows=rows)
        answers[language] = refused.value.message_dict
    assert list(answers["en"]) == list(answers["zh-hans"])
    english = next(iter(answers["en"].values()))[0]
    chinese = next(iter(answers["zh-hans"].values()))[0]
    assert english.startswith("conversions (20) cannot exceed users (10)")
    assert chinese.startswith("conversions（20）不能超过 users（10）")

"""Every ``get_FOO_display()`` answers what Django's own method answers, in every language."""

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import translation

from common.choice_labels import _display, choice_labels_install


def _fields_with_fixed_choices():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.choices and isinstance(field.choices, list | tuple):
                yield model, field


FIELDS = list(_fields_with_fixed_choices())


def test_the_fields_with_fixed_choices_get_the_faster_method():
    installed = [
        (model, field)
        for model, field in FIELDS
        if getattr(model.__dict__.get(f"get_{field.name}_display"), "func", None) is _display
    ]
    # The project's models have many (statuses, stages, roles…), each defined in its model.
    assert len(installed) > 20
    assert ("Milestone", "status") in {(model.__name__, field.name) for model, field in installed}


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_each_label_is_djangos_in_each_language(language):
    with translation.override(language):
        for model, field in FIELDS:
            values = [value for value, _label in field.flatchoices] + ["not-a-choice", None]
            for value in values:
                instance = model()
                setattr(instance, field.attname, value)
                ours = getattr(instance, f"get_{field.name}_display")()
                djangos = models.Model._get_FIELD_display(instance, field)
                assert ours == djangos, (model.__name__, field.name, value)
                assert type(ours) is type(djangos)


def test_installing_again_changes_nothing():
    from improvement.models import Milestone

    before = Milestone.__dict__["get_status_display"]
    choice_labels_install()

    assert Milestone.__dict__["get_status_display"] is before
    assert Milestone(status="done").get_status_display() == "Done"


def test_choices_given_a_field_anew_are_the_labels_read(monkeypatch):
    from improvement.models import Milestone

    field = Milestone._meta.get_field("status")
    assert Milestone(status="done").get_status_display() == "Done"

    monkeypatch.setattr(field, "choices", [("done", "Finished"), ("planned", "Planned")])

    assert Milestone(status="done").get_status_display() == "Finished"
    assert Milestone(status="done").get_status_display() == models.Model._get_FIELD_display(
        Milestone(status="done"), field
    )

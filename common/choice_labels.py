"""``get_FOO_display()`` of every model field with fixed choices, from a table of its labels built
once per field.

Django's own (``Model._get_FIELD_display``) builds ``dict(make_hashable(field.flatchoices))`` on
every call, and ``make_hashable`` hashes each choice's label: a lazy label is translated to be
hashed, every label of the field on every call. A page that writes each milestone's status three
times translated 810 labels to show 162 (bench/: the roadmap's first page, 68.4 → 62.4 ms of CPU).
Here each label is translated once, when it is shown, in the language active then, as Django does.

Fields whose choices are computed (a callable, or Django's iterator of one) keep Django's method:
their table could change between calls. A value the table cannot look up (unhashable) falls back
to it too, and so does a method a model made itself (its own ``get_FOO_display`` or
``_get_FIELD_display``). Choices given a field anew build its table again.
"""

import functools
from collections.abc import Mapping

from django.apps import apps
from django.db import models
from django.utils.encoding import force_str

# A field's label table, with the choices it was built from: choices given the field anew (a test
# may) build it again.
_TABLES: dict = {}


def _labels(field) -> Mapping | None:
    """The field's labels by value; None when a choice's value cannot be looked up (unhashable)."""
    built = _TABLES.get(field)
    if built is None or built[0] is not field.choices:
        try:
            built = _TABLES[field] = (field.choices, dict(field.flatchoices))
        except TypeError:
            built = _TABLES[field] = (field.choices, None)
    return built[1]


def _display(self, *, field, django):
    labels = _labels(field)
    if labels is None:
        return django(self)
    value = getattr(self, field.attname)
    try:
        label = labels.get(value, value)
    except TypeError:  # an unhashable value: Django's method makes it hashable
        return django(self)
    return force_str(label, strings_only=True)


def choice_labels_install() -> None:
    """Give each model's fields with fixed choices the faster ``get_FOO_display`` (``AppConfig.ready``).
    A method a model defines itself is left alone, as Django leaves it."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            name = f"get_{field.name}_display"
            django = getattr(model, name, None)
            if not field.choices or not isinstance(field.choices, list | tuple) or django is None:
                continue
            own = model.__dict__.get(name)
            if (
                not isinstance(own, functools.partialmethod)
                or own.func is not models.Model._get_FIELD_display
            ):
                continue  # defined by the model (or a parent) itself, not Django's; or installed
            setattr(model, name, functools.partialmethod(_display, field=field, django=django))

"""``get_FOO_display()`` of every model field with fixed choices, from a table of its labels built
once per field.

Django's own (``Model._get_FIELD_display``) builds ``dict(make_hashable(field.flatchoices))`` on
every call, and ``make_hashable`` hashes each choice's label: a lazy label is translated to be
hashed, every label of the field on every call. A page that writes each milestone's status three
times translated 810 labels to show 162 (bench/: the roadmap's first page, 68.4 → 62.4 ms of CPU).
Here each label is translated once, when it is shown, in the language active then, as Django does.

Fields whose choices are computed (a callable, or Django's iterator of one) keep Django's method:
their table could change between calls. A value the table cannot look up (unhashable) falls back
to it too.
"""

import functools
from collections.abc import Mapping

from django.apps import apps
from django.utils.encoding import force_str


@functools.cache
def _labels(field) -> Mapping:
    return dict(field.flatchoices)


def _display(self, *, field, django):
    value = getattr(self, field.attname)
    try:
        label = _labels(field).get(value, value)
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
            if not isinstance(own, functools.partialmethod) or own.func is _display:
                continue  # defined by the model (or a parent) itself, not Django's; or installed
            setattr(model, name, functools.partialmethod(_display, field=field, django=django))

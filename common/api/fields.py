"""Lists of references in API input: bounded, duplicates collapsed, resolved in one query.

DRF resolves ``many=True`` relations one element at a time, one query each, however long the list:
``{"members": [5, 5, …]}`` with 20,000 ids held a worker for seconds. ``ReferenceListField`` refuses
a list longer than ``MAX_LIST_ITEMS``, keeps the first occurrence of each reference and looks them
all up with one ``IN`` query, answering the same messages as the per-element field.
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import BigIntegerField
from django.utils.translation import gettext_lazy, gettext_noop
from rest_framework import serializers

# The most elements any list in a request body may have (members, guardrail KPIs, variants, …).
MAX_LIST_ITEMS = 400
MSG_TOO_MANY_ITEMS = gettext_noop("Give at most {limit} items; got {count}.")


class ReferenceListField(serializers.ManyRelatedField):
    """``many=True`` for a ``PrimaryKeyRelatedField`` or ``SlugRelatedField`` child, in one query."""

    default_error_messages = {
        **serializers.ManyRelatedField.default_error_messages,
        "too_many": gettext_lazy(MSG_TOO_MANY_ITEMS),
    }

    def __init__(self, child_relation=None, *, max_items: int = MAX_LIST_ITEMS, **kwargs):
        if not isinstance(child_relation, serializers.PrimaryKeyRelatedField | serializers.SlugRelatedField):
            raise TypeError("ReferenceListField takes a primary-key or slug related field as its child.")
        self.max_items = max_items
        super().__init__(child_relation=child_relation, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str | Mapping) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        items = list(data)
        if len(items) > self.max_items:
            self.fail("too_many", limit=self.max_items, count=len(items))
        if not self.allow_empty and not items:
            self.fail("empty")
        child = self.child_relation
        lookup = "pk" if isinstance(child, serializers.PrimaryKeyRelatedField) else child.slug_field
        keys = list(dict.fromkeys(self._key(item) for item in items))
        found = {getattr(obj, lookup): obj for obj in child.get_queryset().filter(**{f"{lookup}__in": keys})}
        for key in keys:
            if key not in found:
                self._missing(key)
        return [found[key] for key in keys]

    def _key(self, item):
        """The element as the database compares it; a malformed one fails as the child would."""
        child = self.child_relation
        if isinstance(child, serializers.SlugRelatedField):
            if not isinstance(item, str):
                child.fail("invalid")
            if "\x00" in item:
                # No stored text holds a NUL (PostgreSQL refuses it even in a query).
                child.fail("does_not_exist", slug_name=child.slug_field, value=item)
            return item
        if isinstance(item, bool):
            child.fail("incorrect_type", data_type=type(item).__name__)
        try:
            key = child.get_queryset().model._meta.pk.to_python(item)
        except (DjangoValidationError, TypeError, ValueError):
            child.fail("incorrect_type", data_type=type(item).__name__)
        if not isinstance(key, int) or not 0 < key <= BigIntegerField.MAX_BIGINT:
            # Beyond any key: refused before the query (SQLite cannot bind past 64 bits).
            child.fail("does_not_exist", pk_value=item)
        return key

    def _missing(self, key):
        child = self.child_relation
        if isinstance(child, serializers.SlugRelatedField):
            child.fail("does_not_exist", slug_name=child.slug_field, value=key)
        child.fail("does_not_exist", pk_value=key)

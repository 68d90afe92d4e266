"""JSON for dumpdata/loaddata (and export_data/import_data) that keeps every microsecond.

Django's encoder cuts times to milliseconds, as ECMA-262 does, so a backup would silently lose
precision; this one writes the full ISO 8601 value. Reading is Django's own.
"""

import datetime as dt

from django.core.serializers import json as django_json
from django.core.serializers.json import Deserializer, DjangoJSONEncoder

__all__ = ["Deserializer", "Serializer"]


class FullPrecisionEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class Serializer(django_json.Serializer):
    def _init_options(self):
        self.options.setdefault("cls", FullPrecisionEncoder)
        super()._init_options()

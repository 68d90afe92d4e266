"""The API's JSON renderer: DRF's output, written by orjson.

Same bytes as ``rest_framework.renderers.JSONRenderer`` with the project's settings (compact, UTF-8,
``\\u2028``/``\\u2029`` escaped) for everything our serializers produce; the types orjson does not
write itself (datetimes, decimals, lazy strings, numpy scalars…) go through DRF's own encoder, so
a datetime still ends in ``Z`` and a bare ``Decimal`` is still a number. Two differences: a float
is written in orjson's shortest form (``1e16`` for ``1e+16``, the same number), and a NaN or an
infinity becomes ``null`` where the stdlib renderer would raise. A pretty-printed answer
(``indent=`` in the media type, the browsable API) keeps DRF's renderer.
"""

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_encoder = JSONEncoder()
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
LINE_SEPARATOR = "\u2028".encode()
PARAGRAPH_SEPARATOR = "\u2029".encode()


def render_json(data) -> bytes:
    content = orjson.dumps(data, default=_encoder.default, option=OPTIONS)
    # Keep the answer a strict JavaScript subset, as DRF does.
    if LINE_SEPARATOR in content:
        content = content.replace(LINE_SEPARATOR, b"\\u2028")
    if PARAGRAPH_SEPARATOR in content:
        content = content.replace(PARAGRAPH_SEPARATOR, b"\\u2029")
    return content


class ApiJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        return render_json(data)

"""The API's JSON parser: DRF's, with a bound on nesting.

The standard library parses nested arrays and objects recursively: a body of 100,000 ``[`` raises
RecursionError, which DRF does not catch (500). Documents nested deeper than ``MAX_JSON_DEPTH``
are refused as unreadable (400) whatever their size; no input of ours nests more than a few levels.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32
MSG_JSON_TOO_DEEP_TEMPLATE = gettext_noop(
    "JSON parse error - the document is nested more than {limit} levels deep."
)
MSG_JSON_TOO_DEEP = MSG_JSON_TOO_DEEP_TEMPLATE.format(limit=MAX_JSON_DEPTH)


_CONTAINERS = (dict, list)


def json_depth(document) -> int:
    """How deeply arrays and objects nest in a parsed document (a scalar is 0), without recursion.

    Level by level: only arrays and objects are kept for the next level (a bulk body of 10,000 rows
    has 60,000 values but 10,001 containers), and the walk stops past ``MAX_JSON_DEPTH``."""
    depth = 0
    level = [document] if isinstance(document, _CONTAINERS) else []
    while level and depth <= MAX_JSON_DEPTH:
        depth += 1
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, _CONTAINERS)
        ]
    return depth


class ApiJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            document = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_(MSG_JSON_TOO_DEEP_TEMPLATE).format(limit=MAX_JSON_DEPTH)) from None
        if json_depth(document) > MAX_JSON_DEPTH:
            raise ParseError(_(MSG_JSON_TOO_DEEP_TEMPLATE).format(limit=MAX_JSON_DEPTH))
        return document

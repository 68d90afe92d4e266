"""The NUL check's quick path answers exactly what the walk answers, for any JSON body."""

import pytest
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from common.api.inputs import null_character_paths, refuse_null_characters

BODIES = [
    {"rows": [{"kpi": "fcr", "value": 1.5}] * 3},
    {"rows": [{"kpi": "fcr", "segment": "chat\x00"}]},
    {"na\x00me": "x"},
    {"note": "a literal backslash-u: \\u0000, not a NUL"},
    {"big": 2**64, "text": "x\x00"},  # orjson cannot write 2**64: walked
    {"big": 2**64},
    ["plain", ["nested", {"deep": "\x00"}]],
    [],
]


@pytest.mark.parametrize("body", BODIES)
def test_the_quick_path_agrees_with_the_walk(body):
    expected = sorted(set(null_character_paths(body)))
    if expected:
        with pytest.raises(ValidationError) as raised:
            refuse_null_characters(body)
        assert sorted(raised.value.detail) == expected
    else:
        refuse_null_characters(body)


def test_a_query_string_is_walked():
    with pytest.raises(ValidationError) as raised:
        refuse_null_characters(QueryDict("kpi=a%00b"))
    assert list(raised.value.detail) == ["kpi"]

"""``manage.py drop_kept_answers``: every count and choice kept in the cache is computed again, and a
cache that does not answer is said so, not passed over."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from redis.exceptions import ConnectionError as RedisConnectionError

from common import revision_cache
from common.revision_cache import revision_cached
from improvement.selectors.board import BOARD_TOTALS
from improvement.selectors.initiative_count import INITIATIVE_COUNT

pytestmark = pytest.mark.django_db


def _kept(name: str, answer: str) -> str:
    return revision_cached(name=name, key="k", compute=lambda: answer, timeout=60)


def test_every_kept_answer_is_computed_again():
    assert (_kept(INITIATIVE_COUNT, "old"), _kept(BOARD_TOTALS, "old")) == ("old", "old")
    out = io.StringIO()

    call_command("drop_kept_answers", stdout=out)

    assert (_kept(INITIATIVE_COUNT, "new"), _kept(BOARD_TOTALS, "new")) == ("new", "new")
    assert INITIATIVE_COUNT in out.getvalue() and BOARD_TOTALS in out.getvalue()


def test_a_cache_that_does_not_answer_is_an_error(monkeypatch):
    def down(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(revision_cache.cache, "set", down)

    with pytest.raises(CommandError, match=r"did not answer .*Connection refused.*not all dropped"):
        call_command("drop_kept_answers", stdout=io.StringIO())

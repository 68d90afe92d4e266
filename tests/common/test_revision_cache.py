"""``common.revision_cache``: answers dropped once a write commits, the cache written once per name
and transaction."""

import pytest

from common import revision_cache
from common.revision_cache import revision_cached, revision_new_on_commit
from tests.factories import InitiativeFactory, MilestoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def revisions_written(monkeypatch):
    written = []
    real_set = revision_cache.cache.set

    def counting_set(key, *args, **kwargs):
        if key.endswith(":revision"):
            written.append(key.removesuffix(":revision"))
        return real_set(key, *args, **kwargs)

    monkeypatch.setattr(revision_cache.cache, "set", counting_set)
    return written


def test_an_answer_is_kept_until_a_write_of_its_name_commits(django_capture_on_commit_callbacks):
    answers = iter(range(100))

    def read() -> int:
        return revision_cached(name="n", key="k", compute=lambda: next(answers), timeout=60)

    first = read()
    assert read() == first
    with django_capture_on_commit_callbacks(execute=False) as pending:
        revision_new_on_commit("n")
    # Not committed yet: the answer stands.
    assert read() == first
    for callback in pending:
        callback()
    assert read() != first


def test_a_transaction_writing_many_rows_writes_each_revision_once(
    revisions_written, django_capture_on_commit_callbacks
):
    initiative = InitiativeFactory()
    revisions_written.clear()

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            MilestoneFactory(initiative=initiative)

    assert revisions_written.count("roadmap-owners") == 1
    assert revisions_written.count("at-risk-order") == 1

    with django_capture_on_commit_callbacks(execute=True):
        MilestoneFactory(initiative=initiative)

    # The next transaction writes them again.
    assert revisions_written.count("roadmap-owners") == 2
    assert revisions_written.count("at-risk-order") == 2

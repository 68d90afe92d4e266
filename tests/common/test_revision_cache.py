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


def _kept_names() -> set[str]:
    """The names every ``revision_cached(name=…)`` of the project's code passes, read from the source."""
    import importlib
    import pathlib
    import re

    root = pathlib.Path(revision_cache.__file__).resolve().parents[1]
    names = set()
    for path in root.rglob("*.py"):
        if path.relative_to(root).parts[0] in {".venv", "tests", "bench"} or path.name.startswith("."):
            continue
        source = path.read_text()
        for constant in re.findall(r"revision_cached\(\s*name=([A-Z_]+)", source):
            module = ".".join(path.relative_to(root).with_suffix("").parts)
            names.add(getattr(importlib.import_module(module), constant))
    return names


def test_every_name_answers_are_kept_under_is_dropped_by_a_restore():
    kept = _kept_names()
    assert {"initiative-count", "board-totals", "roadmap-owners", "portfolio-rollup"} <= kept
    assert kept <= set(revision_cache.revision_new_every())


def test_dropping_every_name_computes_each_answer_again():
    computed = []

    def compute(name: str) -> int:
        computed.append(name)
        return len(computed)

    def read(name: str) -> int:
        return revision_cached(name=name, key="k", compute=lambda: compute(name), timeout=60)

    names = sorted(_kept_names())
    first = [read(name) for name in names]
    assert [read(name) for name in names] == first and len(computed) == len(names)

    revision_cache.revision_new_every()

    assert [read(name) for name in names] != first and len(computed) == 2 * len(names)

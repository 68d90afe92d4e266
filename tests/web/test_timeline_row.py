"""``{% timeline_row %}`` writes what the row's template wrote (tests/web/templates/): every status,
overdue or not, inside or outside the window, with or without actions, owner, ``next`` and today."""

import datetime as dt
import itertools
from pathlib import Path

import pytest
from django.template import Context, engines
from django.test.html import parse_html
from django.utils import translation

from accounts.models import User
from improvement.models import Milestone, MilestoneStatus
from improvement.templatetags.timeline import timeline_row
from improvement.views.timeline import Timeline, TimelineRow

REFERENCE = (Path(__file__).parent / "templates" / "timeline_row_reference.html").read_text()
MISSING = object()


def _row(*, status, overdue, window, can_update, owner, title='Plan <the> "pilot" & go'):
    milestone = Milestone(
        pk=41,
        title=title,
        status=status,
        due_date=dt.date(2026, 3, 7),
        version=1234,
        owner=owner,
    )
    if can_update is not MISSING:
        milestone.can_update = can_update
    return TimelineRow(
        milestone=milestone,
        left=37.5,
        overdue=overdue,
        before_window=window == "before",
        after_window=window == "after",
    )


def _context(*, next_, today_left, csrf):
    values = {"timeline": Timeline(dt.date(2026, 1, 1), dt.date(2026, 4, 1), [], today_left, [])}
    if next_ is not MISSING:
        values["next"] = next_
    if csrf is not None:
        values["csrf_token"] = csrf
    return values


def _both(row, values) -> tuple[str, str]:
    template = engines["django"].from_string(REFERENCE)
    theirs = template.render({**values, "row": row})
    ours = timeline_row(Context({**values, "row": row}), row)
    return ours, theirs


OWNERS = [None, User(pk=5, full_name="Zoë <Ops> & Co", email="zoe@example.com"), User(pk=6, email="x@y.z")]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("status", list(MilestoneStatus.values))
def test_each_row_is_the_templates(language, status):
    cases = itertools.product(
        [False, True],  # overdue
        ["inside", "before", "after"],
        [True, False, MISSING],  # can_update
        OWNERS,
    )
    with translation.override(language):
        for overdue, window, can_update, owner in cases:
            row = _row(status=status, overdue=overdue, window=window, can_update=can_update, owner=owner)
            values = _context(next_="/roadmap/?team=3&start=2026-01-01 x", today_left=12.25, csrf="tok<en>")
            ours, theirs = _both(row, values)
            assert parse_html(ours) == parse_html(theirs), (status, overdue, window, can_update, owner)


@pytest.mark.parametrize(
    ("next_", "today_left", "csrf"),
    [
        (MISSING, None, None),
        (None, 0.0, "NOTPROVIDED"),
        ("", 100.0, "abc"),
        ("/initiatives/7/#milestones", 3.333, "abc"),
        ("/roadmap/?owner=é&page=2", None, "abc"),
    ],
)
def test_what_the_page_gives_the_row_is_written_as_the_template_wrote_it(next_, today_left, csrf):
    row = _row(
        status=MilestoneStatus.IN_PROGRESS, overdue=True, window="inside", can_update=True, owner=OWNERS[1]
    )
    ours, theirs = _both(row, _context(next_=next_, today_left=today_left, csrf=csrf))

    assert parse_html(ours) == parse_html(theirs)
    assert '<li class="timeline-row">' in ours  # what bench/reads.py counts rows by

"""The raw baseline of the initiatives list: one SQL query + orjson, the same payload as the API.

Its columns and the objects it writes come from the list's one declaration
(``improvement.api.initiatives.columns``): the value columns become the SELECT list, and the row
writer of the API's lean path writes them, with dates and times left to orjson.
"""

import datetime as dt
import functools

LIST_PAGE = 100
# The tables joined to the page of initiatives, by the relation a value column reads through
# (``lead__email`` is ``l.email``).
RELATION_ALIASES = {"team": "t", "lead": "l", "sponsor": "s"}
# The milestone counts (the list's annotations) come from the lateral subquery ``ms``, one column
# per count, named as the answer names them (``milestones_done`` is ``ms.done``).
COUNTS_ALIAS = "ms"

RAW_LIST_SQL = """
WITH page AS (
    SELECT i.*, COUNT(*) OVER () AS total_count
    FROM improvement_initiative i
    WHERE i.archived_at IS NULL
    ORDER BY i.code
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT {columns},
       ARRAY(SELECT m.user_id FROM improvement_initiative_members m
             WHERE m.initiative_id = page.id ORDER BY m.id),
       page.total_count
FROM page
JOIN accounts_team t ON t.id = page.team_id
JOIN accounts_user l ON l.id = page.lead_id
LEFT JOIN accounts_user s ON s.id = page.sponsor_id
LEFT JOIN LATERAL (
    SELECT COUNT(*) AS total,
           COUNT(*) FILTER (WHERE ms.status = 'done') AS done,
           COUNT(*) FILTER (WHERE ms.status IN ('planned', 'in_progress', 'blocked')
                            AND ms.due_date < %(today)s) AS overdue
    FROM improvement_milestone ms
    WHERE ms.initiative_id = page.id AND ms.archived_at IS NULL
) ms ON TRUE
ORDER BY page.code
"""


@functools.cache
def raw_list_sql() -> str:
    """``RAW_LIST_SQL`` selecting the list's value columns in order, then the members' ids and the
    count."""
    from improvement.api.initiatives.columns import INITIATIVE_COLUMNS, INITIATIVE_VALUES, Shape

    expressions = {}
    for column in INITIATIVE_COLUMNS:
        if column.shape is Shape.COUNTS:
            for source, part in zip(column.sources, column.parts, strict=True):
                expressions[source] = f"{COUNTS_ALIAS}.{part}"
    for source in INITIATIVE_VALUES:
        if source in expressions:
            continue
        relation, _, field = source.partition("__")
        expressions[source] = f"{RELATION_ALIASES[relation]}.{field}" if field else f"page.{source}"
    return RAW_LIST_SQL.format(columns=",\n       ".join(expressions[source] for source in INITIATIVE_VALUES))


def _quadrant(impact: int, effort: int) -> str:
    from improvement.models import quadrant_for

    return str(quadrant_for(impact, effort))


def _as_read(value):
    """Dates and times as read: orjson writes them."""
    return value


def raw_initiatives_page(*, page: int = 1, today: dt.date | None = None) -> bytes:
    """The initiatives list page the API answers, built from one SQL query and orjson."""
    import orjson
    from django.db import connection
    from django.utils import timezone

    from improvement.api.initiatives.columns import INITIATIVE_VALUES, initiative_row_writer

    today = today or timezone.localdate()
    with connection.cursor() as cursor:
        parameters = {"limit": LIST_PAGE, "offset": (page - 1) * LIST_PAGE, "today": today}
        cursor.execute(raw_list_sql(), parameters)
        rows = cursor.fetchall()
    pk, members, count = INITIATIVE_VALUES.index("id"), len(INITIATIVE_VALUES), len(INITIATIVE_VALUES) + 1
    write = initiative_row_writer(
        members={row[pk]: row[members] for row in rows}, date=_as_read, moment=_as_read, quadrant=_quadrant
    )
    results = [write(row) for row in rows]
    return orjson.dumps(
        {"count": rows[0][count] if rows else 0, "next": None, "previous": None, "results": results},
        option=orjson.OPT_UTC_Z,
    )

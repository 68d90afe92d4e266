"""The raw baseline of the initiatives list: SQL + orjson, the same bytes as the API's answer.

Fair by construction (docs/performance.md, "Fairness rules"): the same payload byte for byte (the
bench and tests/bench/test_raw_baselines.py assert it), and the same count strategy as the app. The
app keeps the whole list's count of a reader of everything in the cache between the writes that
move it (``initiative_count_unfiltered``): the baseline keeps its ``COUNT(*)`` in the same cache, as
long (it writes nothing, so only the time drops it). Never a ``COUNT(*) OVER ()`` around the page,
which pushes every row of the table through the window.

Its columns and the objects it writes come from the list's one declaration
(``improvement.api.initiatives.columns``): the value columns become the SELECT list, and the row
writer of the API's lean path writes them, with dates and times left to orjson.

The SQL (reviewed with EXPLAIN ANALYZE on the large bench database, 10,000 initiatives):
- the count: an index-only scan of the partial index of live initiatives (or a sequential scan);
- the page: the first ``limit`` live initiatives by code through the code index, then per row the
  team, lead and sponsor by primary key, the milestone counts through the ``initiative_id`` index
  (one lateral aggregate instead of the app's three correlated subqueries), and the members' ids in
  the users' email order, as the ``members`` relation reads them (``User.Meta.ordering``).
"""

import datetime as dt
import functools

LIST_PAGE = 100
LIST_PATH = "/api/v1/initiatives/"
# The tables joined to the page of initiatives, by the relation a value column reads through
# (``lead__email`` is ``l.email``).
RELATION_ALIASES = {"team": "t", "lead": "l", "sponsor": "s"}
# The milestone counts (the list's annotations) come from the lateral subquery ``ms``, one column
# per count, named as the answer names them (``milestones_done`` is ``ms.done``).
COUNTS_ALIAS = "ms"

RAW_COUNT_SQL = "SELECT COUNT(*) FROM improvement_initiative WHERE archived_at IS NULL"
RAW_COUNT_CACHE_KEY = "bench-raw-initiative-count"
RAW_LIST_SQL = """
WITH page AS (
    SELECT i.*
    FROM improvement_initiative i
    WHERE i.archived_at IS NULL
    ORDER BY i.code
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT {columns},
       ARRAY(SELECT m.user_id FROM improvement_initiative_members m
             JOIN accounts_user u ON u.id = m.user_id
             WHERE m.initiative_id = page.id ORDER BY u.email)
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

LINE_SEPARATOR = "\u2028".encode()
PARAGRAPH_SEPARATOR = "\u2029".encode()


def js_safe(content: bytes) -> bytes:
    """U+2028 and U+2029 escaped, as every JSON answer of the API writes them."""
    if LINE_SEPARATOR in content:
        content = content.replace(LINE_SEPARATOR, b"\\u2028")
    if PARAGRAPH_SEPARATOR in content:
        content = content.replace(PARAGRAPH_SEPARATOR, b"\\u2029")
    return content


@functools.cache
def raw_list_sql() -> str:
    """``RAW_LIST_SQL`` selecting the list's value columns in order, then the members' ids."""
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
    """Dates and times as read: orjson writes them (UTC as ``Z``, the bench's time zone)."""
    return value


def page_links(*, base: str, page: int, size: int, count: int) -> tuple[str | None, str | None]:
    """The ``next`` and ``previous`` links of a page-number page, as DRF writes them."""
    address = f"{base}{LIST_PATH}"
    following = f"{address}?page={page + 1}&page_size={size}" if page * size < count else None
    if page == 1:
        return following, None
    previous = f"{address}?page_size={size}" if page == 2 else f"{address}?page={page - 1}&page_size={size}"
    return following, previous


def raw_initiatives_page(
    *, page: int = 1, size: int = LIST_PAGE, today: dt.date | None = None, base: str = "http://testserver"
) -> bytes:
    """The admin's initiatives list page as the API answers it: the page, its count, orjson."""
    import orjson
    from django.core.cache import cache
    from django.db import connection
    from django.utils import timezone

    from improvement.api.initiatives.columns import INITIATIVE_VALUES, initiative_row_writer
    from improvement.selectors.initiative_count import initiative_count_seconds

    today = today or timezone.localdate()
    with connection.cursor() as cursor:
        count = cache.get(RAW_COUNT_CACHE_KEY)
        if count is None:
            cursor.execute(RAW_COUNT_SQL)
            (count,) = cursor.fetchone()
            cache.set(RAW_COUNT_CACHE_KEY, count, initiative_count_seconds())
        parameters = {"limit": size, "offset": (page - 1) * size, "today": today}
        cursor.execute(raw_list_sql(), parameters)
        rows = cursor.fetchall()
    pk, members = INITIATIVE_VALUES.index("id"), len(INITIATIVE_VALUES)
    write = initiative_row_writer(
        members={row[pk]: row[members] for row in rows}, date=_as_read, moment=_as_read, quadrant=_quadrant
    )
    following, previous = page_links(base=base, page=page, size=size, count=count)
    answer = {"count": count, "next": following, "previous": previous, "results": [write(r) for r in rows]}
    return js_safe(orjson.dumps(answer, option=orjson.OPT_UTC_Z))

"""The initiatives list's rows for a page of ids, in one query written once.

The list's filters, search, ordering and the caller's visibility stay the ORM's: they pick the page's
ids (``initiative_list(...).values_list("pk")``, a light query). The rows of those ids come from
SQL assembled once per database and set of columns: the page's related rows by primary key, the
milestone counts of each initiative through its index (one aggregate per row on PostgreSQL, a
lateral join), and on PostgreSQL the members' ids as an array column. On PostgreSQL a page can be
read in one statement with the query that picks it (``initiative_rows_of_page``): the ids' query
is compiled into the rows' statement, so both read one snapshot and the database is asked once.
Compiling the annotated ``values_list`` of 32 columns, three correlated counts and the members'
array took the ORM longer than PostgreSQL took to run it, on every page.

The values are those ``initiative_list(...).values_list(*columns)`` reads (tests hold them equal on
SQLite and PostgreSQL), converted as the ORM converts them (common/db_rows.py).
"""

import datetime as dt
from collections.abc import Sequence
from functools import cache

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import QuerySet

from accounts.models import User
from common.db_rows import RowConverter
from improvement.models import Initiative, Milestone, MilestoneStatus
from improvement.models.roadmap import OPEN_MILESTONE_STATUSES

# The list's milestone counts (``initiative_list``'s annotations), each a COUNT with a condition.
COUNTS = ("milestones_total", "milestones_done", "milestones_overdue")
# The plan's one named parameter: open milestones due before it are overdue.
TODAY = "%(today)s"


@cache
def _plan(alias: str, columns: tuple[str, ...], members: bool) -> tuple[str, str, RowConverter]:
    """The SELECT list of ``columns``, what follows the initiative (``i``) in the FROM clause (its
    related rows and counts), and the converter of its rows."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    postgresql = connection.vendor == "postgresql"
    initiative_id = f"i.{quote(Initiative._meta.pk.column)}"
    milestones = quote(Milestone._meta.db_table)
    status = f"ms.{quote(Milestone._meta.get_field('status').column)}"
    due = f"ms.{quote(Milestone._meta.get_field('due_date').column)}"
    of_row = (
        f"ms.{quote(Milestone._meta.get_field('initiative').column)} = {initiative_id} "
        f"AND ms.{quote(Milestone._meta.get_field('archived_at').column)} IS NULL"
    )
    open_statuses = ", ".join(f"'{value}'" for value in OPEN_MILESTONE_STATUSES)
    # The milestones each count counts (besides being the row's and not archived).
    counted = {
        "milestones_total": None,
        "milestones_done": f"{status} = '{MilestoneStatus.DONE}'",
        "milestones_overdue": f"{status} IN ({open_statuses}) AND {due} < {TODAY}",
    }
    expressions, fields, joins = [], [], {}
    for name in columns:
        if name in COUNTS:
            if postgresql:
                expressions.append(f"counts.{name}")
            else:
                condition = "" if counted[name] is None else f" AND {counted[name]}"
                expressions.append(f"(SELECT COUNT(*) FROM {milestones} ms WHERE {of_row}{condition})")
            fields.append(None)
            continue
        relation, _, attribute = name.partition("__")
        if attribute:
            foreign_key = Initiative._meta.get_field(relation)
            if not foreign_key.many_to_one or "__" in attribute:
                raise ValueError(f"{name!r}: only a field of a row the initiative points to can be read.")
            related = foreign_key.related_model._meta
            field = related.get_field(attribute)
            alias_of = quote(f"r_{relation}")
            kind = "LEFT OUTER JOIN" if foreign_key.null else "INNER JOIN"
            joins[relation] = (
                f"{kind} {quote(related.db_table)} {alias_of} "
                f"ON {alias_of}.{quote(foreign_key.target_field.column)} = i.{quote(foreign_key.column)}"
            )
            expressions.append(f"{alias_of}.{quote(field.column)}")
        else:
            field = next((f for f in Initiative._meta.concrete_fields if name in (f.name, f.attname)), None)
            if field is None:
                raise ValueError(f"{name!r} is neither a field of the initiative nor one of {COUNTS}.")
            expressions.append(f"i.{quote(field.column)}")
        fields.append(field)
    if members:
        through = Initiative.members.through._meta
        member = f"m.{quote(through.get_field('user').column)}"
        expressions.append(
            f"ARRAY(SELECT {member} FROM {quote(through.db_table)} m "
            f"INNER JOIN {quote(User._meta.db_table)} u ON u.{quote(User._meta.pk.column)} = {member} "
            f"WHERE m.{quote(through.get_field('initiative').column)} = {initiative_id} "
            f"ORDER BY u.{quote(User._meta.get_field('email').column)})"
        )
    related = " ".join(joins.values())
    if postgresql and any(name in COUNTS for name in columns):
        # One aggregate per row (an aggregate without GROUP BY answers one row, 0 when none).
        aggregates = ", ".join(
            f"COUNT(*){'' if condition is None else f' FILTER (WHERE {condition})'} AS {name}"
            for name, condition in counted.items()
        )
        related += (
            f" LEFT JOIN LATERAL (SELECT {aggregates} FROM {milestones} ms WHERE {of_row}) counts ON TRUE"
        )
    return f"SELECT {', '.join(expressions)}", related, RowConverter(alias, fields)


def members_inline() -> bool:
    """Whether ``initiative_rows`` answers the members' ids as a last column (PostgreSQL)."""
    return connections[router.db_for_read(Initiative)].vendor == "postgresql"


def initiative_rows(ids: Sequence[int], *, columns: Sequence[str], today: dt.date) -> list[tuple]:
    """The rows of ``columns`` for the initiatives ``ids``, in the order of ``ids`` (an id with no
    row is left out). ``columns`` are ``values_list`` names of ``initiative_list``: the
    initiative's fields, ``<relation>__<field>`` of its team, lead or sponsor, and the milestone
    counts of ``COUNTS`` (open milestones due before ``today`` are overdue). On PostgreSQL
    (``members_inline``) each row ends with the members' ids, in the relation's order (by email)."""
    ids = list(ids)
    if "id" not in columns:
        raise ValueError("The columns must include 'id': the rows are put in the order of the ids.")
    if not ids:
        return []
    alias = router.db_for_read(Initiative)
    connection = connections[alias]
    select, related, convert = _plan(alias, tuple(columns), members_inline())
    pk = f"i.{connection.ops.quote_name(Initiative._meta.pk.column)}"
    params = {"today": today}
    if connection.vendor == "postgresql":
        # One array parameter: the statement's text is the same for every page, so the driver
        # converts it once, not 100 placeholders on every call.
        where, params["ids"] = f"{pk} = ANY(%(ids)s)", ids
    else:
        params |= {f"id{n}": value for n, value in enumerate(ids)}
        where = f"{pk} IN ({', '.join(f'%(id{n})s' for n in range(len(ids)))})"
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Initiative._meta.db_table)
        cursor.execute(f"{select} FROM {table} i {related} WHERE {where}", params)
        found = cursor.fetchall()
    id_at = list(columns).index("id")
    position = {pk: n for n, pk in enumerate(ids)}
    return sorted(convert.rows(found), key=lambda row: position[row[id_at]])


def initiative_rows_of_page(page: QuerySet, *, columns: Sequence[str], today: dt.date) -> list[tuple]:
    """``initiative_rows`` of the ids that ``page`` (a sliced ``values_list("pk")`` of initiatives)
    answers, in its order, from one statement (PostgreSQL): the ids' query becomes an array, the
    rows come in its order (``WITH ORDINALITY``). Against two statements, no row can be written
    between the page's choice and its rows, and the database is asked once (bench/: 0.2 ms less of
    a page of 100)."""
    alias = page.db
    connection = connections[alias]
    if connection.vendor != "postgresql":
        raise ValueError("A page is read in one statement on PostgreSQL only.")
    select, related, convert = _plan(alias, tuple(columns), True)
    quote = connection.ops.quote_name
    try:
        ids, ids_params = page.query.get_compiler(using=alias).as_sql()
    except EmptyResultSet:  # a filter no row can match (an empty ``__in``)
        return []
    # The plan names ``today`` (``%(today)s``); the compiled query's parameters are positional.
    before, after = select.count(TODAY), related.count(TODAY)
    sql = (
        f"{select.replace(TODAY, '%s')} FROM unnest(ARRAY({ids})) WITH ORDINALITY AS page (id, n) "
        f"INNER JOIN {quote(Initiative._meta.db_table)} i ON i.{quote(Initiative._meta.pk.column)} = page.id "
        f"{related.replace(TODAY, '%s')} ORDER BY page.n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*([today] * before), *ids_params, *([today] * after)])
        return convert.rows(cursor.fetchall())

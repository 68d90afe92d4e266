"""The money table's ranking orders the summaries by one figure, either way, with no figure last
(``selectors.money_ranking``): an index per figure and way lets PostgreSQL walk the first page's
rows and stop, instead of ordering every summary. SQLite cannot index ``NULLS LAST``; it has none of
them, and the models do not declare them."""

from django.db import migrations

# (index name, expression): the figures of ``selectors.money.MONEY_SORTS``, as the ranking orders them.
FIGURES = (
    ("roi", '"roi_percent"'),
    ("payback", '"payback_months"'),
    ("npv", '"npv"'),
    ("net", '("total_benefit" - "total_cost")'),
    ("cost", '"total_cost"'),
)
WAYS = (("asc", "ASC NULLS LAST"), ("desc", "DESC NULLS LAST"))


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for key, expression in FIGURES:
        for way, order in WAYS:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "money_rank_{key}_{way}" '
                f'ON "improvement_initiativemoney" (({expression}) {order})'
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for key, _ in FIGURES:
        for way, _ in WAYS:
            schema_editor.execute(f'DROP INDEX IF EXISTS "money_rank_{key}_{way}"')


class Migration(migrations.Migration):
    dependencies = [("improvement", "0024_live_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

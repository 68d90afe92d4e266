"""Costs, benefits and KPI targets carry a version, so If-Match updates are checked atomically."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("improvement", "0004_change_cursor"),
    ]

    operations = [
        migrations.AddField(
            model_name=model_name,
            name="version",
            field=models.PositiveIntegerField(default=1),
        )
        for model_name in (
            "benefit",
            "cost",
            "historicalbenefit",
            "historicalcost",
            "historicalkpitarget",
            "kpitarget",
        )
    ]

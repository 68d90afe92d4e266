from django.db import migrations, models

from common.sync_triggers import ChangeTracking


class Migration(migrations.Migration):

    dependencies = [
        ("kpis", "0003_kpi_alerts"),
    ]

    operations = [
        migrations.AddField(
            model_name="kpi",
            name="change_marker",
            field=models.BigIntegerField(default=0, editable=False, serialize=False),
        ),
        migrations.AddField(
            model_name="measurement",
            name="change_marker",
            field=models.BigIntegerField(default=0, editable=False, serialize=False),
        ),
        ChangeTracking("kpis_kpi"),
        ChangeTracking("kpis_measurement"),
    ]

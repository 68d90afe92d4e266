import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0008_series_change_markers"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="measurement",
            name="measurement_series",
        ),
        migrations.AlterField(
            model_name="measurement",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AlterField(
            model_name="measurement",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
    ]

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("kpis", "0002_kpi_catalogue"),
    ]

    operations = [
        migrations.CreateModel(
            name="KpiAlert",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("segment", models.CharField(blank=True, default="", max_length=100)),
                ("period", models.DateField()),
                (
                    "rule",
                    models.CharField(
                        choices=[("threshold", "Threshold crossed"), ("spc", "Control-chart signal")],
                        default="threshold",
                        max_length=20,
                    ),
                ),
                (
                    "level",
                    models.CharField(choices=[("warning", "Warning"), ("critical", "Critical")], max_length=10),
                ),
                ("value", models.FloatField()),
                ("threshold", models.FloatField()),
                ("detail", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                (
                    "kpi",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="alerts", to="kpis.kpi"
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kpi", "segment", "period", "rule", "level"), name="kpi_alert_once_per_period"
                    )
                ],
            },
        ),
    ]

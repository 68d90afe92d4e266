from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("improvement", "0028_active_health_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="initiative",
            index=models.Index(
                condition=models.Q(("archived_at__isnull", True)),
                fields=["team", "code", "id", "change_marker"],
                name="initiative_team_live_code",
            ),
        ),
    ]

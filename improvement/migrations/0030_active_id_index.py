from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("improvement", "0029_team_live_code_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="initiative",
            index=models.Index(
                condition=models.Q(("status", "active")), fields=["id"], name="initiative_active_id"
            ),
        ),
    ]

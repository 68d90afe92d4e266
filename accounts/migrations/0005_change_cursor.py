from django.db import migrations, models

from common.sync_triggers import ChangeTracking


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_user_calendar_feed_generation"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="change_marker",
            field=models.BigIntegerField(default=0, editable=False, serialize=False),
        ),
        migrations.AddField(
            model_name="team",
            name="change_marker",
            field=models.BigIntegerField(default=0, editable=False, serialize=False),
        ),
        ChangeTracking("accounts_team"),
        ChangeTracking("accounts_apitoken"),
    ]

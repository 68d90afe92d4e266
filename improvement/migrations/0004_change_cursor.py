from django.db import migrations, models

from common.sync_triggers import ChangeTracking, TouchParent, TouchSeriesTargets


class Migration(migrations.Migration):

    dependencies = [
        ("kpis", "0004_change_cursor"),
        ("improvement", "0003_experiments"),
    ]

    operations = [
        migrations.AddField(
            model_name="benefit",
            name="change_marker",
            field=models.BigIntegerField(default=0, editable=False, serialize=False),
        ),
        migrations.AddField(
            model_name="cost",
            name="change_marker",
            field=models.BigIntegerField(default=0, editable=False, serialize=False),
        ),
        migrations.AddField(
            model_name="experiment",
            name="change_marker",
            field=models.BigIntegerField(default=0, editable=False, serialize=False),
        ),
        migrations.AddField(
            model_name="initiative",
            name="change_marker",
            field=models.BigIntegerField(default=0, editable=False, serialize=False),
        ),
        migrations.AddField(
            model_name="kpitarget",
            name="change_marker",
            field=models.BigIntegerField(default=0, editable=False, serialize=False),
        ),
        migrations.AddField(
            model_name="milestone",
            name="change_marker",
            field=models.BigIntegerField(default=0, editable=False, serialize=False),
        ),
        migrations.AddField(
            model_name="stagetransition",
            name="change_marker",
            field=models.BigIntegerField(default=0, editable=False, serialize=False),
        ),
        migrations.AddField(
            model_name="statusupdate",
            name="change_marker",
            field=models.BigIntegerField(default=0, editable=False, serialize=False),
        ),
        migrations.AddField(
            model_name="webhooksubscription",
            name="change_marker",
            field=models.BigIntegerField(default=0, editable=False, serialize=False),
        ),
        ChangeTracking("improvement_initiative"),
        ChangeTracking("improvement_statusupdate"),
        ChangeTracking("improvement_stagetransition"),
        ChangeTracking("improvement_milestone"),
        ChangeTracking("improvement_kpitarget"),
        ChangeTracking("improvement_cost"),
        ChangeTracking("improvement_benefit"),
        ChangeTracking("improvement_experiment"),
        ChangeTracking("improvement_webhooksubscription"),
        # Answers derived from other tables move with them (common/sync.py):
        # an initiative's members and milestone counts,
        TouchParent("improvement_initiative_members", "initiative_id", "improvement_initiative"),
        TouchParent("improvement_milestone", "initiative_id", "improvement_initiative"),
        # a milestone's dependencies, an experiment's variants and guardrail KPIs,
        TouchParent("improvement_milestone_dependencies", "from_milestone_id", "improvement_milestone"),
        TouchParent("improvement_variant", "experiment_id", "improvement_experiment"),
        TouchParent("improvement_experiment_guardrail_kpis", "experiment_id", "improvement_experiment"),
        # a target's current value and progress (the latest measurement of its series).
        TouchSeriesTargets("kpis_measurement", "improvement_kpitarget"),
    ]

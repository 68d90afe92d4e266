
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0012_user_name_parts'),
        ('improvement', '0023_ideas_newest_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='initiative',
            index=models.Index(condition=models.Q(('archived_at__isnull', True)), fields=['status', 'stage', 'start_date'], name='initiative_live_stage_start'),
        ),
        migrations.AddIndex(
            model_name='initiativemoney',
            index=models.Index(condition=models.Q(('initiative_horizon_months__isnull', False), ('initiative_discount_rate__isnull', False), _connector='OR'), fields=['initiative'], name='initiative_money_own_settings'),
        ),
        migrations.AddIndex(
            model_name='milestone',
            index=models.Index(condition=models.Q(('archived_at__isnull', True)), fields=['initiative', 'due_date', 'status'], name='milestone_live_due'),
        ),
    ]

from django.db import migrations

from common.sync_series import MarkSeriesChanges


class Migration(migrations.Migration):
    """A measurement write moves its series' marker (kpis.SeriesChange), not its targets' markers."""

    dependencies = [
        ("improvement", "0018_import_jobs"),
        ("kpis", "0008_series_change_markers"),
    ]

    operations = [
        MarkSeriesChanges("kpis_measurement", "kpis_serieschange", "improvement_kpitarget"),
    ]

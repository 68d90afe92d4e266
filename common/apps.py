from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CommonConfig(AppConfig):
    name = "common"

    def ready(self):
        from common.sync_triggers import reinstall_dropped_triggers

        # Once per migrate run (sender: this app): SQLite table rebuilds drop the change triggers.
        post_migrate.connect(reinstall_dropped_triggers, sender=self)

from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class CommonConfig(AppConfig):
    name = "common"

    def ready(self):
        import common.tasks  # noqa: F401 -- registers the outbox relay in every process (beat, eager)
        from common.choice_labels import choice_labels_install
        from common.migration_guard import refuse_destructive_reverse
        from common.sync_sqlite import drop_triggers_before_migrate, reinstall_dropped_triggers

        # Every model is loaded: each field with fixed choices gets the faster get_FOO_display.
        choice_labels_install()

        # First, before anything is dropped: a rollback that would destroy data is refused whole.
        pre_migrate.connect(refuse_destructive_reverse, sender=self)

        # Once per migrate run (sender: this app): on SQLite the change triggers are taken off
        # before the migrations (table rebuilds) and put on after them (common/sync_sqlite.py).
        pre_migrate.connect(drop_triggers_before_migrate, sender=self)
        post_migrate.connect(reinstall_dropped_triggers, sender=self)

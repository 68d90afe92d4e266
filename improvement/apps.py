from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "improvement"
    verbose_name = "Improvement"

    def ready(self) -> None:
        # Registers the tasks that improvement.events enqueues by name, in every process.
        import improvement.checks
        import improvement.tasks  # noqa: F401 -- imported for its side effect: task registration
        from accounts.notifications import notification_kind_register
        from improvement import receivers
        from improvement.models import NotificationKind
        from improvement.services.chat import kpi_alert_listener as chat_kpi_alert_listener
        from improvement.services.notifications import kpi_alert_listener
        from kpis.alerts import kpi_alert_listener_register

        # kpis must not import improvement: improvement plugs its KPI-alert listeners in instead.
        kpi_alert_listener_register(kpi_alert_listener)
        kpi_alert_listener_register(chat_kpi_alert_listener)
        # accounts must not know improvement's vocabulary: improvement registers the kinds it sends.
        for kind in NotificationKind:
            notification_kind_register(key=kind.value, label=kind.label)
        # Each initiative's money summary follows every write that changes its money.
        receivers.connect()

from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "connectors"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The credit report's system check: no start without its font.
        import connectors.report_pdf  # noqa: F401

        # A pull whose worker died is queued again by the hub's reaper.
        from connectors.models import CreditPull
        from connectors.models.pulls import PullStatus
        from connectors.services.pulls import credit_pull_give_up
        from hub.services.jobs import LeasedJobKind, register_leased_job_kind

        register_leased_job_kind(
            LeasedJobKind(
                model=CreditPull,
                task="connectors.tasks.run_credit_pull",
                queued=PullStatus.QUEUED,
                running=PullStatus.RUNNING,
                give_up=credit_pull_give_up,
            )
        )

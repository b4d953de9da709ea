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

        # The national uplink: the hub's own facts reach its outbox through hub.facts, and
        # a batch whose worker died is sent again by the reaper.
        from connectors.models import UplinkBatch
        from connectors.national.facts import hub_fact_recorded
        from connectors.national.uplink import uplink_batch_give_up
        from hub.facts import register_fact_recorder

        register_fact_recorder(hub_fact_recorded)
        register_leased_job_kind(
            LeasedJobKind(
                model=UplinkBatch,
                task="connectors.tasks.send_national_batch",
                queued=UplinkBatch.Status.QUEUED,
                running=UplinkBatch.Status.RUNNING,
                give_up=uplink_batch_give_up,
            )
        )

from django.apps import AppConfig


class WhitelistConfig(AppConfig):
    name = "whitelist"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Lending's eligibility rules and application flag ask whether an enterprise is on
        # a published whitelist; this app is the one that knows.
        from lending.eligibility import register_fact_provider
        from whitelist.selectors.whitelists import is_whitelisted

        register_fact_provider("whitelisted", is_whitelisted)

        # An import whose worker died is queued again by the hub's reaper.
        from hub.services.jobs import LeasedJobKind, register_leased_job_kind
        from whitelist.models import WhitelistImport
        from whitelist.services.imports import import_fail

        register_leased_job_kind(
            LeasedJobKind(
                model=WhitelistImport,
                task="whitelist.tasks.run_import",
                queued=WhitelistImport.Status.QUEUED,
                running=WhitelistImport.Status.RUNNING,
                give_up=import_fail,
            )
        )

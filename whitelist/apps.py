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

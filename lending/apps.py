from django.apps import AppConfig


class LendingConfig(AppConfig):
    name = "lending"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Consent (hub) may tie an authorization to an application: this app knows them.
        from hub.services.consent import register_application_lookup
        from lending.models import Application

        register_application_lookup(
            lambda application_id, enterprise: Application.objects.filter(
                pk=application_id, enterprise=enterprise
            ).exists()
        )

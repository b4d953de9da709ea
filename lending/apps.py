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

        # Retention (connectors) counts a loan review's keep days from the application's decision.
        from connectors.services.retention import register_application_decisions

        register_application_decisions(
            decided_before=lambda cutoff: Application.objects.filter(decided_at__lte=cutoff).values("pk"),
            decided_at=lambda application_ids: dict(
                Application.objects.filter(pk__in=application_ids, decided_at__isnull=False).values_list(
                    "pk", "decided_at"
                )
            ),
        )

        # Demands posted on the national platform become open demands here.
        from connectors.national.downlink import register_demand_receiver
        from lending.services.national_demands import national_demand_place

        register_demand_receiver(national_demand_place)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = _("Hub")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the start-up check of the verification methods.
        # Webhook deliveries are leased jobs: the reaper resumes one whose worker died.
        from hub.models import WebhookDelivery
        from hub.services.jobs import LeasedJobKind, register_leased_job_kind
        from hub.services.webhook_deliveries import webhook_delivery_give_up
        from hub.verification import registry  # noqa: F401

        register_leased_job_kind(
            LeasedJobKind(
                model=WebhookDelivery,
                task="hub.tasks.deliver_webhook",
                queued=WebhookDelivery.Status.QUEUED,
                running=WebhookDelivery.Status.SENDING,
                give_up=webhook_delivery_give_up,
            )
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = _("Hub")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the start-up check of the verification methods.
        from hub.verification import registry  # noqa: F401

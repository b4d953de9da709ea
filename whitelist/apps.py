from django.apps import AppConfig


class WhitelistConfig(AppConfig):
    name = "whitelist"
    default_auto_field = "django.db.models.BigAutoField"

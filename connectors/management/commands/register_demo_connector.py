"""Register the reference platform simulator as the demo city platform's connector and
approve it (idempotent). Prints the connector's shared secret on standard output so that
``make run`` can hand it to the simulator; everything else goes to standard error."""

import hashlib
import hmac

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from connectors.models import Connector
from connectors.services.connectors import connector_register, connector_set_status
from hub.categories import ALL_CATEGORIES
from hub.models import Organization, User

DEMO_PLATFORM_CODE = "ZZ-CREDIT"
DEMO_CONNECTOR_NAME = "河南省信用平台（参考模拟器）"
DEMO_KEY_ID = "demo-hub"


def demo_secret() -> str:
    """Derived from this machine's SECRET_KEY: stable across restarts, never in the repo."""
    return hmac.new(settings.SECRET_KEY.encode(), b"demo-simulator-secret", hashlib.sha256).hexdigest()


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8100")

    @transaction.atomic
    def handle(self, *args, base_url, **options):
        if not settings.DEBUG:
            raise CommandError("The demo connector is for DEBUG=1 demos only.")
        platform = Organization.objects.filter(kind=Organization.Kind.PLATFORM, code=DEMO_PLATFORM_CODE).first()
        operator = User.objects.filter(is_staff=True, organization__isnull=True).order_by("pk").first()
        if platform is None or operator is None:
            raise CommandError("Load the demo first: manage.py load_demo")
        connector = Connector.objects.filter(platform=platform, name=DEMO_CONNECTOR_NAME).first()
        if connector is None:
            admin = platform.members.filter(role=User.Role.ADMIN).order_by("pk").first()
            connector = connector_register(
                actor=admin,
                name=DEMO_CONNECTOR_NAME,
                kind="cdp_http_v1",
                base_url=base_url,
                region_codes=["410000"],
                categories=list(ALL_CATEGORIES),
                key_id=DEMO_KEY_ID,
                secret=demo_secret(),
            )
        elif connector.base_url != base_url or connector.secret != demo_secret():
            Connector.objects.filter(pk=connector.pk).update(base_url=base_url, secret=demo_secret())
        if connector.status != Connector.Status.ACTIVE:
            connector_set_status(actor=operator, connector_id=connector.pk, action="approve")
        self.stderr.write(f"Demo connector #{connector.pk} → {base_url} (key id {DEMO_KEY_ID}), active.")
        self.stdout.write(demo_secret())

import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hub.errors import InvalidInput
from hub.identifiers import make_uscc
from hub.models import Organization, User
from hub.services.organizations import enterprise_register, member_add, organization_create
from hub.services.webhooks import webhook_endpoint_create
from hub.webhooks.catalogue import EVENT_TYPES

DEMO_PASSWORD = "Xyd-demo-2026"
OPERATOR = "operator"
DEMO_ENTERPRISE_USCC = make_uscc(region_code="410100", serial=1)
# The demo bank's webhook endpoint: the receiver `make run` starts (manage.py webhook_receiver).
DEMO_WEBHOOK_BANK = "bank1"
DEMO_WEBHOOK_URL = "http://127.0.0.1:8400/webhooks"
DEMO_WEBHOOK_LOG = "var/webhooks.log"

# (USCC, name, region, admin username, more people (username, role)); the first two are
# verified through the platform simulator by `manage.py verify_demo_enterprises`, the
# second also requires two signers for tax and social insurance; the third stays unverified.
ENTERPRISES = [
    (DEMO_ENTERPRISE_USCC, "郑州示例科技有限公司", "410105", "enterprise", [("enterprise-staff", User.Role.STAFF)]),
    (
        make_uscc(region_code="410100", serial=2),
        "郑州双签制造有限公司",
        "410102",
        "enterprise2",
        [("enterprise2-agent", User.Role.STAFF)],
    ),
    (make_uscc(region_code="410300", serial=3), "洛阳待核验商贸有限公司", "410302", "enterprise3", []),
]

# (kind, code, name, region, admin username)
ORGANIZATIONS = [
    (Organization.Kind.BANK, "ZYBANK", "中原银行郑州分行", "410100", "bank1"),
    (Organization.Kind.BANK, "ZZBANK", "郑州银行", "410100", "bank2"),
    (Organization.Kind.REGULATOR, "PBC-HN", "中国人民银行河南省分行", "410000", "regulator"),
    (Organization.Kind.PLATFORM, "ZZ-CREDIT", "河南省信用信息平台", "410000", "platform"),
]


class Command(BaseCommand):
    help = "Create the demo organizations and logins (idempotent). Refuses to run with DEBUG off."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="load even with DEBUG off (never in production)")
        parser.add_argument("--logins", action="store_true", help="print the demo logins and what to try, and exit")
        parser.add_argument(
            "--webhook-url",
            default=DEMO_WEBHOOK_URL,
            help=f"where the demo bank's webhook endpoint points (default {DEMO_WEBHOOK_URL}, the demo receiver)",
        )

    @transaction.atomic
    def handle(self, *args, force, logins, webhook_url, **options):
        if logins:
            self.stdout.write(self.logins())
            return
        if not settings.DEBUG and not force:
            raise CommandError("Demo data has well-known passwords; load it only with DEBUG=1 (or --force).")
        operator = User.objects.filter(username=OPERATOR).first()
        if operator is None:
            operator = User.objects.create_superuser(username=OPERATOR, password=DEMO_PASSWORD, email="")
        for uscc, name, region, username, people in ENTERPRISES:
            if User.objects.filter(username=username).exists():
                continue
            enterprise = enterprise_register(
                uscc=uscc,
                name=name,
                region_code=region,
                industry_code="I65",
                scale="small",
                contact_phone="13800000000",
                admin_username=username,
                admin_password=DEMO_PASSWORD,
            )
            admin = enterprise.members.get()
            for member, role in people:
                member_add(actor=admin, organization=enterprise, username=member, password=DEMO_PASSWORD, role=role)
        for kind, code, name, region, username in ORGANIZATIONS:
            organization = Organization.objects.filter(kind=kind, code=code).first()
            if organization is None:
                organization = organization_create(
                    actor=operator,
                    kind=kind,
                    code=code,
                    name=name,
                    region_code=region,
                    admin_username=username,
                    admin_password=DEMO_PASSWORD,
                )
            if kind == Organization.Kind.PLATFORM and not User.objects.filter(username=f"{username}-checker").exists():
                # A second person, so the whitelist maker-checker can be tried: one imports,
                # the other publishes.
                admin = organization.members.get(username=username)
                member_add(
                    actor=admin,
                    organization=organization,
                    username=f"{username}-checker",
                    password=DEMO_PASSWORD,
                    role=User.Role.STAFF,
                )
            if kind == Organization.Kind.BANK and not User.objects.filter(username=f"{username}-officer").exists():
                admin = organization.members.get(username=username)
                member_add(
                    actor=admin,
                    organization=organization,
                    username=f"{username}-officer",
                    password=DEMO_PASSWORD,
                    role=User.Role.STAFF,
                )
        self._webhook_endpoint(webhook_url)
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
        self.stdout.write(self.logins())

    def _webhook_endpoint(self, url: str) -> None:
        """The demo bank's endpoint on the demo receiver, subscribed to every event type."""
        admin = User.objects.get(username=DEMO_WEBHOOK_BANK)
        if admin.organization.webhook_endpoints.exists():
            return
        try:
            webhook_endpoint_create(
                actor=admin, url=url, event_types=list(EVENT_TYPES), description="演示银行的信贷系统（本机接收器）"
            )
        except InvalidInput as refusal:  # loopback is reachable only with DEBUG or an allowed network
            self.stderr.write(f"No demo webhook endpoint at {url}: {refusal.message}")

    @staticmethod
    def logins() -> str:
        # (username, who, what to try first)
        rows = [
            (OPERATOR, "hub operator", "approve connectors, review documents, /admin/"),
            ("enterprise", "郑州示例科技: legal representative (verified)", "grant an authorization, apply for a loan"),
            ("enterprise-staff", "郑州示例科技: staff", "see that staff cannot sign"),
            ("enterprise2", "郑州双签制造: legal representative", "grant tax access: it waits for a second signer"),
            ("enterprise2-agent", "郑州双签制造: agent", "sign the waiting authorization"),
            ("enterprise3", "洛阳待核验商贸 (unverified)", "verify it at /verification/"),
        ]
        tries = {
            Organization.Kind.BANK: "publish a product, accept and decide applications, pull a credit profile",
            "webhooks": f"the same, and its webhooks at /webhooks/ (the receiver logs to {DEMO_WEBHOOK_LOG})",
            Organization.Kind.REGULATOR: "the dashboard of lending statistics",
            Organization.Kind.PLATFORM: "connectors, whitelists, matchmaking events",
        }
        for kind, _code, name, _region, username in ORGANIZATIONS:
            rows.append((username, f"{name}: admin", tries["webhooks" if username == DEMO_WEBHOOK_BANK else kind]))
            if kind == Organization.Kind.BANK:
                rows.append((f"{username}-officer", f"{name}: staff", "the workbench"))
            if kind == Organization.Kind.PLATFORM:
                rows.append((f"{username}-checker", f"{name}: staff", "publish the whitelist a colleague imported"))
        user_width = max(len(username) for username, _who, _try in rows)
        who_width = max(_display_width(who) for _username, who, _try in rows)
        lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
        lines += [
            f"  {username.ljust(user_width)}  {who}{' ' * (who_width - _display_width(who))}  {try_first}"
            for username, who, try_first in rows
        ]
        return "\n".join(lines)


def _display_width(text: str) -> int:
    """Columns a terminal gives ``text``: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hub.identifiers import make_uscc
from hub.models import Organization, User
from hub.services.organizations import enterprise_register, member_add, organization_create

DEMO_PASSWORD = "Xyd-demo-2026"
OPERATOR = "operator"
DEMO_ENTERPRISE_USCC = make_uscc(region_code="410100", serial=1)

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
    (Organization.Kind.PLATFORM, "ZZ-CREDIT", "郑州市信用信息平台", "410100", "platform"),
]


class Command(BaseCommand):
    help = "Create the demo organizations and logins (idempotent). Refuses to run with DEBUG off."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="load even with DEBUG off (never in production)")

    @transaction.atomic
    def handle(self, *args, force, **options):
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
            if kind == Organization.Kind.BANK and not User.objects.filter(username=f"{username}-officer").exists():
                admin = organization.members.get(username=username)
                member_add(
                    actor=admin,
                    organization=organization,
                    username=f"{username}-officer",
                    password=DEMO_PASSWORD,
                    role=User.Role.STAFF,
                )
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
        self.stdout.write(self.logins())

    @staticmethod
    def logins() -> str:
        rows = [
            ("operator (hub operator)", OPERATOR),
            ("enterprise: legal representative of 郑州示例科技 (verified)", "enterprise"),
            ("enterprise: staff of 郑州示例科技 (cannot sign)", "enterprise-staff"),
            ("enterprise: legal representative of 郑州双签制造 (two signers for tax)", "enterprise2"),
            ("enterprise: agent of 郑州双签制造 (the second signer)", "enterprise2-agent"),
            ("enterprise: 洛阳待核验商贸 (unverified: try the verification wizard)", "enterprise3"),
        ]
        for kind, _code, name, _region, username in ORGANIZATIONS:
            rows.append((f"{kind} ({name})", username))
            if kind == Organization.Kind.BANK:
                rows.append((f"{kind} staff ({name})", f"{username}-officer"))
        width = max(len(label) for label, _ in rows)
        lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
        lines += [f"  {label.ljust(width)}  {username}" for label, username in rows]
        return "\n".join(lines)

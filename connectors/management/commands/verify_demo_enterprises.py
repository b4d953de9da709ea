"""Verify the demo enterprises through the running platform simulator (idempotent; DEBUG
only): the way a real one is verified, by its legal representative's name and ID number.
The second demo enterprise then requires two signers for tax and social insurance and has
an agent, so the two-signer flow can be tried. The third stays unverified."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from connectors.models import Connector
from connectors.services.connectors import connector_check_health
from connectors.services.identity import legal_representative_verify
from connectors.simulator.subjects import legal_representative_identity
from hub.management.commands.load_demo import ENTERPRISES
from hub.models import Organization, Signer, User, Verification
from hub.services.verification import agent_appoint, signers_required_update

SIMULATOR_SEED = "demo"


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo verification is for DEBUG=1 demos only.")
        for connector_id in Connector.objects.filter(status=Connector.Status.ACTIVE).values_list("pk", flat=True):
            connector_check_health(connector_id=connector_id)  # learn who checks identities
        for uscc, _name, _region, username, _people in ENTERPRISES[:2]:
            enterprise = Organization.objects.filter(kind=Organization.Kind.ENTERPRISE, code=uscc).first()
            admin = User.objects.filter(username=username).first()
            if enterprise is None or admin is None:
                raise CommandError("Load the demo first: manage.py load_demo")
            if Verification.objects.filter(enterprise=enterprise, status=Verification.Status.VERIFIED).exists():
                continue
            name, id_number = legal_representative_identity(uscc, SIMULATOR_SEED)
            legal_representative_verify(actor=admin, enterprise=enterprise, name=name, id_number=id_number)
            self.stderr.write(f"{enterprise.name}: verified through the platform simulator ({name}).")
        two_signers = Organization.objects.get(kind=Organization.Kind.ENTERPRISE, code=ENTERPRISES[1][0])
        legal_representative = User.objects.get(username=ENTERPRISES[1][3])
        signers_required_update(
            actor=legal_representative, enterprise=two_signers, signers_required={"tax": 2, "social_insurance": 2}
        )
        if not Signer.objects.filter(enterprise=two_signers, user__username="enterprise2-agent", ended_at__isnull=True):
            agent_appoint(
                actor=legal_representative,
                enterprise=two_signers,
                username="enterprise2-agent",
                scopes=["tax", "social_insurance", "penalty"],
                expires_at=timezone.now() + timedelta(days=300),
            )

import os

from django.core.management.base import BaseCommand, CommandError

from hub.verification.e_license_simulator import DEMO_IDENTITIES, ProviderConfig, start_e_license_provider

SECRET_VARIABLE = "HUB_E_LICENSE_CLIENT_SECRET"


class Command(BaseCommand):
    help = (
        "Serve a simulated electronic business licence (电子营业执照) identity provider until interrupted: "
        "OpenID Connect, authorization code flow with PKCE (S256), RS256 ID tokens with the claims uscc, "
        "enterprise_name, role (法定代表人 or 经办人), sub and name. Its login page offers demo identities "
        "(the demo enterprise's legal representative and agent, and an enterprise the demo has not registered) "
        "or takes a typed USCC, role and person. Point the hub at it with HUB_E_LICENSE_ISSUER (the printed "
        "URL), HUB_E_LICENSE_CLIENT_ID and HUB_E_LICENSE_CLIENT_SECRET. It accepts any redirect URI."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8200, help="the port to listen on (default 8200)")
        parser.add_argument(
            "--client-id", default="xinyidai-hub", help="the one client it knows (default xinyidai-hub)"
        )
        parser.add_argument("--client-secret", help=f"that client's secret; defaults to ${SECRET_VARIABLE}")
        parser.add_argument(
            "--issuer", default="", help="the URL the hub and browsers reach it at (default http://HOST:PORT)"
        )
        parser.add_argument(
            "--deny", action="store_true", help="answer every sign-in with error=access_denied (the person refused)"
        )

    def handle(self, *args, **options):
        secret = options["client_secret"] or os.environ.get(SECRET_VARIABLE)
        if not secret:
            raise CommandError(
                f"Give the client secret with --client-secret or the environment variable {SECRET_VARIABLE}."
            )
        if not options["client_id"]:
            raise CommandError("--client-id must not be empty.")
        config = ProviderConfig(
            client_id=options["client_id"], client_secret=secret, deny=options["deny"], issuer=options["issuer"]
        )
        try:
            running = start_e_license_provider(config, host=options["host"], port=options["port"])
        except OSError as error:
            raise CommandError(f"Cannot listen on {options['host']}:{options['port']}: {error}") from error

        def announce() -> None:
            self.stdout.write(
                f"Electronic business licence provider simulator at {running.base_url} "
                f"(client id {config.client_id!r}{', denying every sign-in' if config.deny else ''}); Ctrl-C to stop."
            )
            for identity in DEMO_IDENTITIES:
                self.stdout.write(
                    f"  demo identity: {identity.name} ({identity.role}) {identity.enterprise_name} {identity.uscc}"
                )

        running.serve_in_foreground(announce=announce)
        self.stdout.write("Simulator stopped.")

import os

from django.core.management.base import BaseCommand, CommandError

from connectors.simulator.server import SimulatorConfig, start_simulator
from connectors.simulator.subjects import legal_representative_identity
from hub.categories import ALL_CATEGORIES

SECRET_VARIABLE = "CDP_SIMULATOR_SECRET"
# Option → SimulatorConfig field, for the failure-injection rates.
RATE_OPTIONS = {
    "--error-rate": "error_rate",
    "--rate-limit-rate": "rate_limit_rate",
    "--malformed-rate": "malformed_rate",
    "--duplicate-rate": "duplicate_rate",
    "--unknown-rate": "unknown_rate",
}


class Command(BaseCommand):
    help = (
        "Serve a simulated city credit platform (CDP/1, CONNECTOR_PROTOCOL.md) until interrupted, "
        "optionally slow, flaky or misbehaving, for demos and for testing connectors by hand. "
        "It also answers POST /v1/identity/verify (unless --no-identity): the legal representative "
        "of an enterprise matches when name and ID number are the ones `--identity-of USCC` prints "
        "for the same --seed; other answers are mismatch, and enterprises drawn unknown by "
        "--unknown-rate answer unknown_subject. It takes disputes (POST /v1/disputes, GET /v1/disputes/ID) "
        "unless --no-disputes: each is investigating for --dispute-delay seconds, then --dispute-outcome; "
        "an upheld dispute withdraws the record from later answers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--key-id", default="demo")
        parser.add_argument("--secret", help=f"the shared secret; defaults to ${SECRET_VARIABLE}")
        parser.add_argument("--categories", default=",".join(ALL_CATEGORIES), help="comma-separated categories served")
        parser.add_argument("--page-size", type=int, default=50)
        parser.add_argument("--latency-ms", type=int, default=0, help="delay before every answer")
        for option, field_name in RATE_OPTIONS.items():
            parser.add_argument(option, type=float, default=0.0, dest=field_name, help="a fraction between 0 and 1")
        parser.add_argument("--wrong-signature", action="store_true", help="sign 2xx answers with a wrong secret")
        parser.add_argument("--path-prefix", default="", help="serve under this path, e.g. /cdp")
        parser.add_argument("--seed", default="demo", help="the same seed tells the same story about each enterprise")
        parser.add_argument(
            "--no-identity", action="store_false", dest="identity", help="do not serve /v1/identity/verify"
        )
        parser.add_argument("--no-disputes", action="store_false", dest="disputes", help="do not serve /v1/disputes")
        parser.add_argument(
            "--dispute-outcome",
            choices=["upheld", "rejected"],
            default="upheld",
            help="how every dispute ends: upheld withdraws the record from later answers",
        )
        parser.add_argument(
            "--dispute-delay",
            type=float,
            default=0.0,
            help="seconds a dispute stays investigating before its outcome",
        )
        parser.add_argument(
            "--identity-of",
            metavar="USCC",
            help="print the legal representative's name and ID number this platform matches for USCC, and exit",
        )

    def handle(self, *args, **options):
        if options["identity_of"]:
            name, id_number = legal_representative_identity(options["identity_of"], options["seed"])
            self.stdout.write(f"{name} {id_number}")
            return
        config = self.config_from(options)
        try:
            running = start_simulator(config, host=options["host"], port=options["port"])
        except OSError as error:
            raise CommandError(f"Cannot listen on {options['host']}:{options['port']}: {error}") from error
        running.serve_in_foreground(
            announce=lambda: self.stdout.write(
                f"CDP/1 platform simulator at {running.base_url} (key id {config.key_id!r}); Ctrl-C to stop."
            )
        )
        self.stdout.write("Simulator stopped.")

    @staticmethod
    def config_from(options) -> SimulatorConfig:
        secret = options["secret"] or os.environ.get(SECRET_VARIABLE)
        if not secret:
            raise CommandError(f"Give the shared secret with --secret or the environment variable {SECRET_VARIABLE}.")
        for option, field_name in RATE_OPTIONS.items():
            if not 0 <= options[field_name] <= 1:
                raise CommandError(f"{option} must be between 0 and 1, not {options[field_name]}.")
        categories = tuple(category.strip() for category in options["categories"].split(",") if category.strip())
        unknown = [category for category in categories if category not in ALL_CATEGORIES]
        if unknown or not categories:
            raise CommandError(
                f"--categories takes a comma-separated list of {', '.join(ALL_CATEGORIES)}; "
                f"unknown: {', '.join(unknown) or '(none given)'}."
            )
        if not options["key_id"]:
            raise CommandError("--key-id must not be empty.")
        if options["dispute_delay"] < 0:
            raise CommandError("--dispute-delay must not be negative.")
        if options["page_size"] < 1:
            raise CommandError("--page-size must be at least 1.")
        if options["latency_ms"] < 0:
            raise CommandError("--latency-ms must not be negative.")
        prefix = options["path_prefix"]
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise CommandError("--path-prefix must start with / and not end with one, e.g. /cdp.")
        return SimulatorConfig(
            key_id=options["key_id"],
            secret=secret,
            categories=categories,
            page_size=options["page_size"],
            latency_ms=options["latency_ms"],
            wrong_signature=options["wrong_signature"],
            seed=options["seed"],
            path_prefix=prefix,
            identity=options["identity"],
            disputes=options["disputes"],
            dispute_outcome=options["dispute_outcome"],
            dispute_delay=options["dispute_delay"],
            **{field_name: options[field_name] for field_name in RATE_OPTIONS.values()},
        )

import os

from django.core.management.base import BaseCommand, CommandError

from connectors.national.facts import FACT_TYPES
from connectors.national.simulator import NationalConfig, start_national_node
from hub.identifiers import uscc_errors

SECRET_VARIABLE = "NATIONAL_SIMULATOR_SECRET"


class Command(BaseCommand):
    help = (
        "Serve a simulated national platform node (the national uplink protocol, docs/national-uplink.md) until "
        "interrupted: it acknowledges batches of facts (stored in memory, each idempotency key once), answers a "
        "day's counts and serves financing demands for the province; optionally rejecting some facts, answering "
        "503 or answering slowly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8300)
        parser.add_argument("--key-id", default="demo")
        parser.add_argument("--secret", help=f"the shared secret; defaults to ${SECRET_VARIABLE}")
        parser.add_argument("--province", default="410000", help="the province's six-digit code")
        parser.add_argument("--reject-rate", type=float, default=0.0, help="share of facts rejected (0 to 1), by key")
        parser.add_argument(
            "--reject-type", action="append", default=[], metavar="TYPE", help="reject every fact of TYPE"
        )
        parser.add_argument("--error-rate", type=float, default=0.0, help="share of requests answered 503 (0 to 1)")
        parser.add_argument("--latency-ms", type=int, default=0, help="delay after every answer is ready")
        parser.add_argument(
            "--no-validate", action="store_false", dest="validate", help="do not check facts against docs/schemas/"
        )
        parser.add_argument(
            "--demand",
            action="append",
            default=[],
            metavar="USCC:REGION:AMOUNT",
            help="serve a financing demand posted nationally, e.g. 91410105MA0000154A:410105:300000.00",
        )

    def handle(self, *args, **options):
        config = self.config_from(options)
        try:
            node = start_national_node(config, host=options["host"], port=options["port"])
        except OSError as error:
            raise CommandError(f"Cannot listen on {options['host']}:{options['port']}: {error}") from error
        for number, demand in enumerate(options["demand"], start=1):
            uscc, region_code, amount = self.demand_from(demand)
            node.server.add_demand(
                demand_id=f"CN-DEMO-{number:06d}", uscc=uscc, region_code=region_code, amount=amount, term_months=12
            )
        node.serve_in_foreground(
            announce=lambda: self.stdout.write(
                f"National platform simulator at {node.base_url} (key id {config.key_id!r}, province "
                f"{config.province}); Ctrl-C to stop."
            )
        )
        self.stdout.write("Simulator stopped.")

    @staticmethod
    def config_from(options) -> NationalConfig:
        secret = options["secret"] or os.environ.get(SECRET_VARIABLE)
        if not secret:
            raise CommandError(f"Give the shared secret with --secret or the environment variable {SECRET_VARIABLE}.")
        for option in ("reject_rate", "error_rate"):
            if not 0 <= options[option] <= 1:
                raise CommandError(f"--{option.replace('_', '-')} must be between 0 and 1, not {options[option]}.")
        unknown = [fact_type for fact_type in options["reject_type"] if fact_type not in FACT_TYPES]
        if unknown:
            raise CommandError(f"--reject-type takes one of {', '.join(FACT_TYPES)}; unknown: {', '.join(unknown)}.")
        if options["latency_ms"] < 0:
            raise CommandError("--latency-ms must not be negative.")
        if not (
            len(options["province"]) == 6 and options["province"].endswith("0000") and options["province"].isdigit()
        ):
            raise CommandError("--province takes a province's six-digit code, e.g. 410000.")
        return NationalConfig(
            key_id=options["key_id"],
            secret=secret,
            province=options["province"],
            reject_rate=options["reject_rate"],
            reject_types=frozenset(options["reject_type"]),
            error_rate=options["error_rate"],
            latency_ms=options["latency_ms"],
            validate=options["validate"],
        )

    @staticmethod
    def demand_from(value: str) -> tuple[str, str, str]:
        parts = value.split(":")
        if len(parts) != 3 or uscc_errors(parts[0]) or not (parts[1].isdigit() and len(parts[1]) == 6):
            raise CommandError(
                f"--demand takes USCC:REGION:AMOUNT, e.g. 91410105MA0000154A:410105:300000.00; not {value!r}."
            )
        return parts[0], parts[1], parts[2]

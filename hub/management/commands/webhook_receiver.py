from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hub.webhooks.receiver import start_webhook_receiver
from hub.webhooks.signing import SECRET_PREFIX


class Command(BaseCommand):
    help = (
        "Receive the hub's webhooks on loopback until interrupted, as a bank's system would: each request's "
        "Standard Webhooks signature is checked (the secrets given with --secret, or else those of the endpoints "
        "registered at this receiver's URL, read at each request), a webhook-id seen before is acknowledged "
        "and marked duplicate, and every request is written as a JSON line to the log (default var/webhooks.log). "
        "A request whose signature does not verify is answered 401."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8400, help="the port to listen on (default 8400)")
        parser.add_argument("--path", default="/webhooks", help="the URL path of the endpoint (default /webhooks)")
        parser.add_argument("--log", default="var/webhooks.log", help="the file the events are written to")
        parser.add_argument(
            "--secret", action="append", default=[], help="an endpoint secret (whsec_…); may be given twice"
        )

    def handle(self, *args, host, port, path, log, secret, **options):
        for given in secret:
            if not given.startswith(SECRET_PREFIX):
                raise CommandError(f"--secret must start with {SECRET_PREFIX}.")
        if not path.startswith("/"):
            raise CommandError("--path must start with /.")
        log_path = Path(log)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            running = start_webhook_receiver(log_path=log_path, host=host, port=port, path=path, secrets=secret or None)
        except OSError as error:
            raise CommandError(f"Cannot listen on {host}:{port}: {error}") from error

        def announce() -> None:
            source = "the given secrets" if secret else "the secrets of the endpoints registered at this URL"
            self.stdout.write(
                f"Webhook receiver at {running.url}, verifying with {source}; log: {log_path}; Ctrl-C to stop."
            )

        running.serve_in_foreground(announce=announce)
        self.stdout.write("Webhook receiver stopped.")

"""Tasks that exist only for the integration tests; the test worker loads them with
``--include``. Never imported by the hub itself."""

import os
import signal

from celery import shared_task


@shared_task(name="tests.integration.kill_own_worker", queue="default")
def kill_own_worker() -> None:
    """Dies the way an out-of-memory kill would: no exception, no acknowledgement."""
    os.kill(os.getpid(), signal.SIGKILL)

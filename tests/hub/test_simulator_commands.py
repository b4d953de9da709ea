"""The simulators run in the foreground of `manage.py` under `make run`, `docker stop` and
systemd: a SIGTERM stops them as cleanly as Ctrl-C."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "command, ready, stopped",
    [
        (
            ["simulate_platform", "--port", "0", "--secret", "s3cret"],
            "CDP/1 platform simulator at",
            "Simulator stopped.",
        ),
        (
            ["simulate_e_license", "--port", "0", "--client-secret", "s3cret"],
            "Electronic business licence provider simulator at",
            "Simulator stopped.",
        ),
        (
            ["webhook_receiver", "--port", "0", "--log", "{tmp}/webhooks.log"],
            "Webhook receiver at http://127.0.0.1:",
            "Webhook receiver stopped.",
        ),
        (
            ["simulate_national", "--port", "0", "--secret", "s3cret"],
            "National platform simulator at",
            "Simulator stopped.",
        ),
    ],
)
def test_a_simulator_stops_cleanly_on_sigterm(command, ready, stopped, tmp_path):
    command = [part.replace("{tmp}", str(tmp_path)) for part in command]
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=PROJECT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        assert ready in first_line
        process.send_signal(signal.SIGTERM)
        remaining, _ = process.communicate(timeout=15)
    finally:
        process.kill()

    assert process.returncode == 0
    assert remaining.rstrip().endswith(stopped)

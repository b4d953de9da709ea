"""`manage.py simulate_national`: its switches, refused when malformed."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from connectors.management.commands.simulate_national import Command


def options(**overrides):
    return {
        "secret": "s3cret",
        "key_id": "demo",
        "province": "410000",
        "reject_rate": 0.0,
        "reject_type": [],
        "error_rate": 0.0,
        "latency_ms": 0,
        "validate": True,
        **overrides,
    }


def test_the_switches_make_the_node_misbehave_as_asked():
    config = Command.config_from(
        options(reject_rate=0.1, reject_type=["monthly_statistics"], error_rate=0.5, latency_ms=200, validate=False)
    )
    assert (config.reject_rate, config.reject_types, config.error_rate, config.latency_ms, config.validate) == (
        0.1,
        frozenset({"monthly_statistics"}),
        0.5,
        200,
        False,
    )


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--reject-rate", "2"], "between 0 and 1"),
        (["--reject-type", "horoscope"], "unknown: horoscope"),
        (["--province", "410100"], "province's six-digit code"),
        (["--demand", "nonsense"], "USCC:REGION:AMOUNT"),
    ],
)
def test_malformed_switches_are_refused(arguments, message, monkeypatch):
    monkeypatch.setattr(
        "connectors.national.simulator.BackgroundServer.serve_in_foreground", lambda self, announce: None
    )
    with pytest.raises(CommandError, match=message):
        call_command("simulate_national", "--port", "0", "--secret", "s3cret", *arguments)


def test_a_secret_is_required(monkeypatch):
    monkeypatch.delenv("NATIONAL_SIMULATOR_SECRET", raising=False)
    with pytest.raises(CommandError, match="NATIONAL_SIMULATOR_SECRET"):
        call_command("simulate_national", "--port", "0")

"""Fixtures of the simulator tests (they override conftest.py's of the same name here only)."""

from __future__ import annotations

import pytest

from connectors.simulator.server import SimulatorConfig, start_simulator
from tests.connectors.simulator.helpers import (
    KEY_ID,
    SECRET,
)


@pytest.fixture
def simulator():
    """``simulator(**config)`` → a running simulator, stopped after the test."""
    running = []

    def start(**config):
        instance = start_simulator(SimulatorConfig(key_id=KEY_ID, secret=SECRET, **config))
        running.append(instance)
        return instance

    yield start
    for instance in running:
        instance.stop()

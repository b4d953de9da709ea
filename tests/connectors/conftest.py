import pytest

from connectors.simulator.server import SimulatorConfig, start_simulator
from tests.connectors.factories import SECRET


@pytest.fixture
def simulator_factory():
    """``simulator_factory(**config)`` → a running reference platform on an ephemeral port."""
    running = []

    def start(**overrides):
        config = SimulatorConfig(**{"key_id": "hub", "secret": SECRET, "seed": "tests", **overrides})
        simulator = start_simulator(config)
        running.append(simulator)
        return simulator

    yield start
    for simulator in running:
        simulator.stop()


@pytest.fixture
def running_simulator(simulator_factory):
    return simulator_factory()


@pytest.fixture(autouse=True)
def _fast_connector_retries(settings, request):
    """Retries back off in milliseconds here. Tests inside a transaction run a pull's sources
    in the calling thread: other threads' connections could not see the uncommitted data."""
    settings.HUB_CONNECTOR_RETRY_BASE_SECONDS = 0.005
    settings.HUB_CONNECTOR_RETRY_CAP_SECONDS = 0.02
    settings.HUB_CIRCUIT_COOLDOWN_SECONDS = 30
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        settings.HUB_PULL_MAX_PARALLEL = 1

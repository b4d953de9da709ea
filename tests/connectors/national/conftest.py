import pytest

from connectors.national.simulator import NationalConfig, start_national_node

NATIONAL_KEY_ID = "henan"
NATIONAL_SECRET = "national-shared-secret-for-tests"


@pytest.fixture
def national_nodes():
    running = []

    def start(**overrides):
        node = start_national_node(
            NationalConfig(**{"key_id": NATIONAL_KEY_ID, "secret": NATIONAL_SECRET, "province": "410000", **overrides})
        )
        running.append(node)
        return node

    yield start
    for node in running:
        node.stop()


@pytest.fixture
def national_node(national_nodes):
    return national_nodes()


def link_settings(settings, node):
    settings.HUB_NATIONAL_URL = node.base_url
    settings.HUB_NATIONAL_KEY_ID = NATIONAL_KEY_ID
    settings.HUB_NATIONAL_SECRET = NATIONAL_SECRET
    settings.HUB_NATIONAL_REGION_CODE = "410000"
    settings.HUB_NATIONAL_RETRY_CAP_SECONDS = 1
    settings.HUB_CONNECTOR_TIMEOUT_SECONDS = 3


@pytest.fixture
def national_link(settings, national_node):
    """The uplink configured to the national node on loopback."""
    link_settings(settings, national_node)
    return national_node

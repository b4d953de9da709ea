"""The embedded default runs the periodic tasks itself (no broker, no celery beat)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from connectors.models import Connector
from hub.models import Authorization
from tests.connectors.factories import AuthorizationFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


def test_every_scheduled_task_runs_once(settings, running_simulator_url, enterprise, bank):
    connector = ConnectorFactory(base_url=running_simulator_url, health_state="unknown")
    expired = AuthorizationFactory(enterprise=enterprise, bank=bank)
    Authorization.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    out = StringIO()

    call_command("run_schedule", "--once", stdout=out)

    connector.refresh_from_db()
    assert connector.health_state == Connector.Health.HEALTHY
    assert Authorization.objects.get(pk=expired.pk).status == "expired"
    assert set(line.split(":")[0] for line in out.getvalue().splitlines()) == set(settings.CELERY_BEAT_SCHEDULE)


@pytest.fixture
def running_simulator_url():
    from connectors.simulator.server import SimulatorConfig, start_simulator
    from tests.connectors.factories import SECRET

    with start_simulator(SimulatorConfig(key_id="hub", secret=SECRET)) as simulator:
        yield simulator.base_url

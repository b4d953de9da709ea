"""Running a credit pull: every source ends definitely; retries, circuits, leases and resumption."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from connectors.circuit import CircuitBreaker
from connectors.models import CreditPull, CreditRecord, PullSource
from connectors.services.pulls import _backoff, credit_pull_run
from connectors.tasks import run_credit_pull
from hub.services.jobs import JobBusy
from tests.connectors.factories import ConnectorFactory
from tests.connectors.pulls.helpers import URL, _cursor_after_first_page, expected_records, run_pull_with, start_pull

pytestmark = pytest.mark.django_db


def test_malformed_records_are_skipped_and_counted_and_the_source_ends_partial(
    api_client_for, bank_officer, enterprise, authorization, simulator_factory, django_capture_on_commit_callbacks
):
    pull = run_pull_with(
        simulator_factory(malformed_rate=0.3, page_size=5),
        enterprise,
        bank_officer,
        django_capture_on_commit_callbacks,
        api_client_for(bank_officer),
    )

    [source] = pull["sources"]
    assert pull["status"] == "partial" and source["status"] == "partial"
    assert source["skipped"] > 0 and "skipped" in source["error"]
    assert source["records"] == CreditRecord.objects.count() > 0


def test_repeated_records_are_stored_once(
    api_client_for, bank_officer, enterprise, authorization, simulator_factory, django_capture_on_commit_callbacks
):
    pull = run_pull_with(
        simulator_factory(duplicate_rate=0.5, page_size=4),
        enterprise,
        bank_officer,
        django_capture_on_commit_callbacks,
        api_client_for(bank_officer),
    )

    assert pull["status"] == "succeeded"
    assert CreditRecord.objects.count() == expected_records(enterprise, ["tax", "penalty"])


def test_a_wrong_response_signature_fails_the_source_and_stores_nothing(
    api_client_for, bank_officer, enterprise, authorization, simulator_factory, django_capture_on_commit_callbacks
):
    pull = run_pull_with(
        simulator_factory(wrong_signature=True),
        enterprise,
        bank_officer,
        django_capture_on_commit_callbacks,
        api_client_for(bank_officer),
    )

    assert pull["status"] == "failed"
    assert pull["sources"][0]["error"].startswith("bad_response_signature")
    assert not CreditRecord.objects.exists()


def test_wrong_credentials_fail_the_source_permanently(
    api_client_for, bank_officer, enterprise, authorization, running_simulator, django_capture_on_commit_callbacks
):
    ConnectorFactory(base_url=running_simulator.base_url, secret="not-the-platforms-secret")
    response = start_pull(api_client_for(bank_officer), enterprise, django_capture_on_commit_callbacks)

    source = PullSource.objects.get(pull_id=response.json()["id"])
    assert (source.status, source.attempts) == ("failed", 1)
    assert source.error.startswith("bad_signature")


def test_an_unknown_subject_is_a_success_with_no_records(
    api_client_for, bank_officer, enterprise, authorization, simulator_factory, django_capture_on_commit_callbacks
):
    pull = run_pull_with(
        simulator_factory(unknown_rate=1),
        enterprise,
        bank_officer,
        django_capture_on_commit_callbacks,
        api_client_for(bank_officer),
    )

    assert pull["status"] == "succeeded" and pull["sources"][0]["records"] == 0


def test_transient_failures_are_retried_until_the_page_arrives(
    api_client_for,
    bank_officer,
    enterprise,
    authorization,
    simulator_factory,
    django_capture_on_commit_callbacks,
    settings,
):
    settings.HUB_CONNECTOR_RETRY_ATTEMPTS = 12
    simulator = simulator_factory(error_rate=0.4, rate_limit_rate=0.1, page_size=2, seed="flaky")

    pull = run_pull_with(
        simulator, enterprise, bank_officer, django_capture_on_commit_callbacks, api_client_for(bank_officer)
    )

    assert pull["status"] == "succeeded"
    assert CreditRecord.objects.count() == expected_records(enterprise, ["tax", "penalty"], seed="flaky")
    failures = simulator.injected["unavailable"] + simulator.injected["rate_limited"]
    assert failures > 0  # the seed makes the platform fail on some of the many pages
    source = PullSource.objects.get()
    assert source.attempts == source.pages + failures


def test_a_platform_that_keeps_failing_ends_failed_and_opens_its_circuit(
    api_client_for,
    bank_officer,
    enterprise,
    authorization,
    simulator_factory,
    django_capture_on_commit_callbacks,
    settings,
):
    settings.HUB_CIRCUIT_THRESHOLD = 3
    simulator = simulator_factory(error_rate=1)

    pull = run_pull_with(
        simulator, enterprise, bank_officer, django_capture_on_commit_callbacks, api_client_for(bank_officer)
    )

    source = PullSource.objects.get()
    assert pull["status"] == "failed"
    assert source.attempts == 3 and source.error.startswith("circuit_open")
    assert CircuitBreaker(source.connector_id).is_open
    # While open, a new pull does not even call the platform.
    calls_before = sum(simulator.stats.values())
    start_pull(api_client_for(bank_officer), enterprise, django_capture_on_commit_callbacks, categories=["tax"])
    assert PullSource.objects.order_by("-pk").first().attempts == 0
    assert sum(simulator.stats.values()) == calls_before


def test_retry_after_is_honoured_and_backoff_grows_with_jitter(settings):
    settings.HUB_CONNECTOR_RETRY_BASE_SECONDS, settings.HUB_CONNECTOR_RETRY_CAP_SECONDS = 0.5, 8

    assert _backoff(0, retry_after=3) == 3
    assert all(0 <= _backoff(0, None) <= 0.5 for _ in range(50))
    assert all(0 <= _backoff(3, None) <= 4 for _ in range(50))
    assert max(_backoff(10, None) for _ in range(200)) <= 8


def test_running_a_finished_pull_again_changes_nothing(
    api_client_for, bank_officer, enterprise, authorization, running_simulator, django_capture_on_commit_callbacks
):
    ConnectorFactory(base_url=running_simulator.base_url)
    pull_id = start_pull(api_client_for(bank_officer), enterprise, django_capture_on_commit_callbacks).json()["id"]
    stored = CreditRecord.objects.count()

    assert run_credit_pull.delay(pull_id).get() == "succeeded"
    assert run_credit_pull.delay(pull_id).get() == "succeeded"
    assert CreditRecord.objects.count() == stored
    assert CreditPull.objects.get(pk=pull_id).runs == 1


def test_a_pull_interrupted_mid_source_resumes_from_its_cursor_without_duplicates(
    api_client_for, bank_officer, enterprise, authorization, simulator_factory, django_capture_on_commit_callbacks
):
    simulator = simulator_factory(page_size=3)
    ConnectorFactory(base_url=simulator.base_url)
    pull_id = start_pull(api_client_for(bank_officer), enterprise, django_capture_on_commit_callbacks).json()["id"]
    total = CreditRecord.objects.count()
    # Put the pull back as a dead worker would leave it: running, lease lapsed, the source
    # halfway, with its records so far stored.
    source = PullSource.objects.get(pull_id=pull_id)
    first_page_cursor = _cursor_after_first_page(simulator, enterprise, authorization, source)
    CreditPull.objects.filter(pk=pull_id).update(
        status="running", lease_until=timezone.now() - timedelta(seconds=1), finished_at=None
    )
    PullSource.objects.filter(pk=source.pk).update(status="running", cursor=first_page_cursor, finished_at=None)

    assert credit_pull_run(pull_id=pull_id) == "succeeded"
    assert CreditRecord.objects.count() == total
    assert PullSource.objects.get(pk=source.pk).status == "succeeded"


def test_a_second_run_while_the_lease_is_held_is_told_to_come_back(enterprise, bank, authorization, bank_officer):
    pull = CreditPull.objects.create(
        bank=bank,
        enterprise=enterprise,
        authorization=authorization,
        categories=["tax"],
        requested_by=bank_officer,
        status="running",
        lease_until=timezone.now() + timedelta(seconds=30),
    )

    with pytest.raises(JobBusy) as busy:
        credit_pull_run(pull_id=pull.pk)
    assert 1 <= busy.value.retry_after <= 30


def test_a_revocation_before_the_run_stops_every_source(
    api_client_for, bank_officer, enterprise, enterprise_admin, authorization, running_simulator
):
    ConnectorFactory(base_url=running_simulator.base_url)
    pull_id = api_client_for(bank_officer).post(URL, {"enterprise": enterprise.code}, format="json").json()["id"]
    api_client_for(enterprise_admin).post(f"/api/v1/authorizations/{authorization.pk}/revoke/")

    assert credit_pull_run(pull_id=pull_id) == "revoked"
    source = PullSource.objects.get()
    assert source.status == "revoked" and source.error.startswith("authorization_ended")
    assert not CreditRecord.objects.exists()


def test_a_revocation_during_a_pull_ends_it_revoked_and_stores_nothing_after_it(
    monkeypatch, bank_officer, enterprise, enterprise_admin, authorization, simulator_factory
):
    from connectors.services import pulls
    from connectors.services.pulls import credit_pull_start
    from hub.services.consent import authorization_revoke

    ConnectorFactory(base_url=simulator_factory(page_size=1).base_url)
    pull = credit_pull_start(actor=bank_officer, enterprise_uscc=enterprise.code, categories=["tax"])
    fetch_page, pages_asked = pulls._fetch_with_retries, []

    def revoked_while_the_second_page_is_on_its_way(*args, **kwargs):
        pages_asked.append(1)
        answer = fetch_page(*args, **kwargs)
        if len(pages_asked) == 2:
            authorization_revoke(actor=enterprise_admin, authorization_id=authorization.pk)
        return answer

    monkeypatch.setattr(pulls, "_fetch_with_retries", revoked_while_the_second_page_is_on_its_way)

    assert credit_pull_run(pull_id=pull.pk) == "revoked"
    source = PullSource.objects.get()
    assert (source.status, source.pages) == ("revoked", 1)
    assert CreditRecord.objects.count() == 1  # the first page, stored before the revocation
    assert len(pages_asked) == 2  # and no platform asked again


def test_record_data_is_stored_encrypted(
    api_client_for, bank_officer, enterprise, authorization, running_simulator, django_capture_on_commit_callbacks
):
    ConnectorFactory(base_url=running_simulator.base_url)
    start_pull(api_client_for(bank_officer), enterprise, django_capture_on_commit_callbacks, categories=["tax"])

    record = CreditRecord.objects.first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM connectors_creditrecord")
        stored = [row[0] for row in cursor.fetchall()]
    assert all(value.startswith("enc1$") for value in stored)
    assert record.data["tax_paid"] not in "".join(stored)


def test_an_unexpected_error_fails_only_its_own_source(
    api_client_for,
    bank_officer,
    enterprise,
    authorization,
    simulator_factory,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from connectors.services import pulls

    healthy, broken = simulator_factory(seed="a"), simulator_factory(seed="b")
    ConnectorFactory(base_url=healthy.base_url)
    broken_connector = ConnectorFactory(base_url=broken.base_url)
    store = pulls.records_store

    def store_or_fail(*, connector, **arguments):
        if connector.pk == broken_connector.pk:
            raise RuntimeError("disk full")
        return store(connector=connector, **arguments)

    monkeypatch.setattr(pulls, "records_store", store_or_fail)

    client = api_client_for(bank_officer)
    pull_id = start_pull(client, enterprise, django_capture_on_commit_callbacks).json()["id"]

    pull = client.get(f"{URL}{pull_id}/").json()
    assert pull["status"] == "partial"
    errors = {source["connector"]: (source["status"], source["error"]) for source in pull["sources"]}
    assert errors[broken_connector.pk] == ("failed", "internal_error: RuntimeError")


def test_a_source_counts_the_records_this_pull_received_not_those_held_from_earlier_pulls(
    api_client_for, bank_officer, enterprise, authorization, simulator_factory, django_capture_on_commit_callbacks
):
    simulator = simulator_factory()
    client = api_client_for(bank_officer)
    first = run_pull_with(simulator, enterprise, bank_officer, django_capture_on_commit_callbacks, client)
    simulator.stop()  # the platform goes down before the second pull

    second_id = start_pull(client, enterprise, django_capture_on_commit_callbacks).json()["id"]
    second = client.get(f"{URL}{second_id}/").json()

    assert first["sources"][0]["records"] == expected_records(enterprise, ["tax", "penalty"]) > 0
    assert (second["sources"][0]["status"], second["sources"][0]["records"]) == ("failed", 0)
    assert CreditRecord.objects.count() == first["sources"][0]["records"]  # what it held stays

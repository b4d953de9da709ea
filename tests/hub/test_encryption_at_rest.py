"""Personal data and secrets are stored encrypted; keys rotate without downtime."""

import base64
import os

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from hub import crypto
from hub.identifiers import make_uscc
from hub.models import AuditEvent, IdempotencyRecord, Organization
from hub.services.encryption import encrypted_fields
from hub.services.organizations import enterprise_register

pytestmark = pytest.mark.django_db

PLAINTEXTS = {
    "legal_representative": "王小明",
    "legal_representative_id_number": "41010519800101123X",
    "contact_phone": "13712345678",
}


def register_enterprise(serial=5):
    enterprise = enterprise_register(
        uscc=make_uscc(region_code="410100", serial=serial),
        name="郑州加密测试有限公司",
        region_code="410100",
        industry_code="C39",
        scale="micro",
        admin_username=f"enc{serial}",
        admin_password="Strong-pass-2026",
        contact_phone=PLAINTEXTS["contact_phone"],
    )
    # The legal representative's name and ID number arrive with a verification.
    Organization.objects.filter(pk=enterprise.pk).update(
        legal_representative=PLAINTEXTS["legal_representative"],
        legal_representative_id_number=PLAINTEXTS["legal_representative_id_number"],
    )
    return Organization.objects.get(pk=enterprise.pk)


def dump_every_table() -> str:
    """Every row of every table of the project, as text — what a stolen backup would show."""
    lines = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")
            lines.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(lines)


def test_a_database_dump_holds_no_plaintext_of_encrypted_fields(api_client_for):
    register_enterprise()
    IdempotencyRecord.objects.create(scope="s", key="k", request_hash="h", response_body='{"token": "xyd_secret"}')

    dump = dump_every_table()

    for value in [*PLAINTEXTS.values(), "xyd_secret"]:
        assert value not in dump
    assert Organization.objects.get().legal_representative_id_number == PLAINTEXTS["legal_representative_id_number"]


def test_every_encrypted_field_is_known_to_rotation():
    names = {f"{model._meta.label}.{field.name}" for model, field in encrypted_fields()}

    assert {
        "hub.Organization.legal_representative",
        "hub.Organization.contact_phone",
        "hub.User.phone",
        "hub.IdempotencyRecord.response_body",
        "connectors.CreditRecord.data",
        "connectors.CreditRecord.source_id",
        "connectors.CreditRecord.category",
    } <= names


def store_credit_records(enterprise):
    from django.db import transaction

    from connectors.services.records import records_store
    from tests.connectors.factories import ConnectorFactory

    records = {
        (category, f"{category}-{enterprise.code}-1"): {
            "category": category,
            "source_id": f"{category}-{enterprise.code}-1",
            "occurred_on": "2026-05-01",
            "data": {"note": "x"},
        }
        for category in ("dishonest", "penalty")
    }
    with transaction.atomic():
        records_store(enterprise_id=enterprise.pk, connector=ConnectorFactory(), records=records, authorization_id=None)


def test_credit_record_rows_hold_no_uscc_source_id_or_category_in_the_clear():
    enterprise = register_enterprise()
    store_credit_records(enterprise)

    dump = dump_every_table()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM connectors_creditrecord")
        record_rows = repr(cursor.fetchall())

    assert f"dishonest-{enterprise.code}-1" not in dump and f"penalty-{enterprise.code}-1" not in dump
    for clear in (enterprise.code, "dishonest", "penalty"):
        assert clear not in record_rows


def test_rotate_keys_re_encrypts_credit_record_source_ids_and_categories(settings):
    enterprise = register_enterprise()
    store_credit_records(enterprise)
    new_key = base64.b64encode(os.urandom(32)).decode()
    old_entries = ",".join(
        f"{kid}:{base64.b64encode(key).decode()}" for kid, key in settings.HUB_ENCRYPTION_KEYS.keys.items()
    )
    settings.HUB_ENCRYPTION_KEYS = crypto.parse_keyring(f"k-new:{new_key},{old_entries}", crypto.AES_256_GCM)

    call_command("rotate_keys")

    with connection.cursor() as cursor:
        cursor.execute("SELECT source_id, category FROM connectors_creditrecord")
        stored = [value for row in cursor.fetchall() for value in row]
    assert stored and all(value.startswith("enc1$A$k-new$") for value in stored)
    settings.HUB_ENCRYPTION_KEYS = crypto.parse_keyring(f"k-new:{new_key}", crypto.AES_256_GCM)
    from connectors.selectors.profiles import profile_records

    grouped = profile_records(enterprise_id=enterprise.pk, categories=["dishonest"])
    assert [record.source_id for record in grouped["dishonest"]] == [f"dishonest-{enterprise.code}-1"]


def test_rotate_keys_re_encrypts_under_the_new_key_and_old_values_read_meanwhile(settings):
    enterprise = register_enterprise()
    old_keyring = settings.HUB_ENCRYPTION_KEYS
    new_key = base64.b64encode(os.urandom(32)).decode()
    old_entries = ",".join(f"{kid}:{base64.b64encode(key).decode()}" for kid, key in old_keyring.keys.items())
    settings.HUB_ENCRYPTION_KEYS = crypto.parse_keyring(f"k-new:{new_key},{old_entries}", crypto.AES_256_GCM)

    # Before rotation, values written under the old key still read.
    assert Organization.objects.get(pk=enterprise.pk).contact_phone == PLAINTEXTS["contact_phone"]

    call_command("rotate_keys", batch_size=1)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_phone, legal_representative FROM hub_organization WHERE id = %s", [enterprise.pk]
        )
        stored = cursor.fetchone()
    assert all(value.startswith("enc1$A$k-new$") for value in stored)
    assert Organization.objects.get(pk=enterprise.pk).contact_phone == PLAINTEXTS["contact_phone"]
    assert AuditEvent.objects.filter(action="encryption.rotated", object_id="hub.Organization.contact_phone").exists()

    # Once rotated, the old key can be dropped.
    settings.HUB_ENCRYPTION_KEYS = crypto.parse_keyring(f"k-new:{new_key}", crypto.AES_256_GCM)
    assert Organization.objects.get(pk=enterprise.pk).legal_representative == PLAINTEXTS["legal_representative"]


def test_rotation_run_twice_rewrites_nothing_the_second_time(settings, capsys):
    register_enterprise()
    call_command("rotate_keys")
    capsys.readouterr()

    call_command("rotate_keys")

    assert "Done: 0 values re-encrypted." in capsys.readouterr().out


def test_the_hub_can_run_on_sm4(settings):
    sm4_key = base64.b64encode(os.urandom(16)).decode()
    settings.HUB_CIPHER = crypto.SM4_GCM
    settings.HUB_ENCRYPTION_KEYS = crypto.parse_keyring(f"s1:{sm4_key}", crypto.SM4_GCM)

    enterprise = register_enterprise(serial=6)

    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM hub_organization WHERE id = %s", [enterprise.pk])
        assert cursor.fetchone()[0].startswith("enc1$S$s1$")
    assert Organization.objects.get(pk=enterprise.pk).contact_phone == PLAINTEXTS["contact_phone"]

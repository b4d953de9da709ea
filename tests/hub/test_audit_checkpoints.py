"""Signed checkpoints of every audit chain head, kept outside the database: verify_audit holds
the chains to them, so events cut from a chain, a removed chain or a rewritten one are named."""

import base64
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from hub import audit, audit_guard
from hub.audit import chain_for
from hub.audit_checkpoints import TYP
from hub.models import AuditChainHead, AuditEvent
from hub.receipts import public_jwks
from hub.tasks import write_audit_checkpoint
from tests.hub.test_audit import add_members, plain_sha256, require_postgresql, rewrite_behind_the_disabled_trigger

pytestmark = pytest.mark.django_db


def checkpoint_files(settings) -> list[Path]:
    return sorted(Path(settings.HUB_AUDIT_CHECKPOINT_DIR).iterdir())


def checkpoint_claims(path: Path) -> dict:
    token = path.read_text().strip()
    key = jwt.PyJWK(next(iter(public_jwks()["keys"]))).key
    return jwt.decode(token, key, algorithms=["EdDSA"], issuer="xinyidai-hub")


def write_checkpoint() -> str:
    return write_audit_checkpoint.apply().get()


def delete_behind_the_guard(sql: str, params: list) -> None:
    audit_guard.lift(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    audit_guard.install(connection)


def verify_failure() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")
    return str(failure.value)


# --- writing checkpoints ------------------------------------------------------------------------


def test_a_checkpoint_lists_every_chain_head_signed_with_the_hub_key(settings, enterprise, bank):
    add_members(enterprise, 2)
    add_members(bank, 1)

    name = write_checkpoint()

    [path] = checkpoint_files(settings)
    assert path.name == name and name.startswith("audit-checkpoint-") and name.endswith(".jws")
    header = jwt.get_unverified_header(path.read_text().strip())
    assert (header["typ"], header["alg"], header["kid"]) == (TYP, "EdDSA", public_jwks()["keys"][0]["kid"])
    heads = {head["chain"]: (head["sequence"], head["hash"]) for head in checkpoint_claims(path)["heads"]}
    assert heads == {
        chain: (head.sequence, head.last_hash) for chain, head in ((h.chain, h) for h in AuditChainHead.objects.all())
    }
    assert heads[chain_for(enterprise.pk)][0] == 2


def test_the_checkpoint_task_run_twice_writes_nothing_new_while_no_chain_moved(settings, enterprise):
    add_members(enterprise, 1)

    first = write_checkpoint()
    second = write_checkpoint()

    assert second == f"{first} (unchanged)"
    assert [path.name for path in checkpoint_files(settings)] == [first]
    add_members(enterprise, 1)
    third = write_checkpoint()
    assert [path.name for path in checkpoint_files(settings)] == [first, third]
    assert checkpoint_claims(checkpoint_files(settings)[-1])["heads"][0]["sequence"] == 2


def test_a_checkpoint_that_fails_to_write_leaves_no_file(settings, enterprise, monkeypatch):
    add_members(enterprise, 1)

    def disk_full(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("hub.audit_checkpoints.os.fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_checkpoint()

    assert checkpoint_files(settings) == []


def test_the_schedule_writes_checkpoints(settings):
    assert settings.CELERY_BEAT_SCHEDULE["write-audit-checkpoint"]["task"] == "hub.tasks.write_audit_checkpoint"


# --- verifying against them ---------------------------------------------------------------------


def test_verify_audit_names_events_cut_from_the_end_after_a_checkpoint(enterprise):
    add_members(enterprise, 3)
    name = write_checkpoint()
    chain = chain_for(enterprise.pk)
    last_kept = AuditEvent.objects.get(chain=chain, sequence=2)

    # The head moved back with the events: the chain itself is consistent.
    delete_behind_the_guard("DELETE FROM hub_auditevent WHERE chain = %s AND sequence = 3", [chain])
    AuditChainHead.objects.filter(chain=chain).update(sequence=2, last_hash=last_kept.hash)

    assert f"chain {chain}, sequence 3 (no event): the chain ends at sequence 2, checkpoint {name} has it at 3" in (
        verify_failure()
    )


def test_verify_audit_names_a_chain_removed_after_a_checkpoint(enterprise, bank):
    add_members(enterprise, 1)
    add_members(bank, 2)
    name = write_checkpoint()
    chain = chain_for(bank.pk)

    delete_behind_the_guard("DELETE FROM hub_auditevent WHERE chain = %s", [chain])
    AuditChainHead.objects.filter(chain=chain).delete()

    assert f"chain {chain}, sequence 1 (no event): the chain ends at sequence 0, checkpoint {name} has it at 2" in (
        verify_failure()
    )


def test_a_later_checkpoint_does_not_bless_a_cut_chain(enterprise, caplog):
    add_members(enterprise, 3)
    name = write_checkpoint()
    chain = chain_for(enterprise.pk)
    delete_behind_the_guard("DELETE FROM hub_auditevent WHERE chain = %s AND sequence = 3", [chain])
    AuditChainHead.objects.filter(chain=chain).update(
        sequence=2, last_hash=AuditEvent.objects.get(chain=chain, sequence=2).hash
    )

    later = write_checkpoint()

    assert later == f"{name} (unchanged)"  # it repeats what the last one said
    assert f"audit chain {chain} went back from sequence 3 to 2 since checkpoint {name}" in caplog.text
    assert "the chain ends at sequence 2" in verify_failure()


def test_verify_audit_names_a_chain_rewritten_with_a_stolen_audit_key(enterprise):
    require_postgresql()
    add_members(enterprise, 3)
    name = write_checkpoint()
    chain = chain_for(enterprise.pk)
    third = AuditEvent.objects.get(chain=chain, sequence=3)

    def change(event):
        event.data = {**event.data, "role": "admin"}

    # Whoever holds the database and the audit key makes every hash valid again.
    rewrite_behind_the_disabled_trigger(chain, from_sequence=2, change=change, rehash=audit.event_hash)

    assert f"chain {chain}, sequence 3 (event id {third.pk}): hash differs from checkpoint {name}" in verify_failure()


def test_verify_audit_names_a_forged_checkpoint(settings, enterprise):
    add_members(enterprise, 2)
    write_checkpoint()
    [path] = checkpoint_files(settings)
    header, payload, signature = path.read_text().strip().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["heads"][0]["sequence"] = 1  # a shorter chain, under the old signature
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    path.write_text(f"{header}.{forged}.{signature}\n")

    assert f"BROKEN: checkpoint {path.name}" in (failure := verify_failure())
    assert "its signature does not verify against the hub's signing keys" in failure


def test_verify_audit_names_a_checkpoint_signed_with_a_key_the_hub_does_not_publish(settings, enterprise):
    add_members(enterprise, 1)
    write_checkpoint()
    settings.HUB_SIGNING_KEYS = [("other", b"o" * 32)]
    write_checkpoint()  # sees the first checkpoint as refused, writes its own
    settings.HUB_SIGNING_KEYS = [("s-real", b"r" * 32)]

    assert "signed with key 'other', which the hub does not publish" in verify_failure()


def test_verify_audit_says_which_checkpoint_the_chains_agree_with(enterprise, capsys):
    add_members(enterprise, 2)
    name = write_checkpoint()
    add_members(enterprise, 1)  # a chain may grow past its checkpoint

    call_command("verify_audit")

    assert capsys.readouterr().out.startswith(f"OK: 3 events verified; the chains agree with checkpoint {name}")


def test_verify_audit_reads_checkpoints_from_a_copy_elsewhere(settings, enterprise, tmp_path):
    add_members(enterprise, 2)
    write_checkpoint()
    copy = tmp_path / "fetched-from-the-regulator"
    copy.mkdir()
    [path] = checkpoint_files(settings)
    (copy / path.name).write_text(path.read_text())
    path.unlink()  # gone from the hub's own directory
    chain = chain_for(enterprise.pk)
    delete_behind_the_guard("DELETE FROM hub_auditevent WHERE chain = %s AND sequence = 2", [chain])
    AuditChainHead.objects.filter(chain=chain).update(
        sequence=1, last_hash=AuditEvent.objects.get(chain=chain, sequence=1).hash
    )

    call_command("verify_audit")  # nothing left to hold the chain to here
    with pytest.raises(CommandError, match="the chain ends at sequence 1"):
        call_command("verify_audit", "--checkpoint-dir", str(copy))


# --- events hashed before the chain was keyed ---------------------------------------------------


def store_unkeyed_events(organization, count):
    """Events as the hub stored them before its chain was keyed (plain SHA-256), with the head
    marking them so, as migration 0009 does."""
    add_members(organization, count)
    chain = chain_for(organization.pk)
    previous_hash = audit.GENESIS_HASH
    audit_guard.lift(connection)
    for event in AuditEvent.objects.filter(chain=chain).order_by("sequence"):
        event.hash_scheme, event.key_id, event.prev_hash = audit.LEGACY_SCHEME, "", previous_hash
        event.hash = plain_sha256(event)
        AuditEvent.objects.filter(pk=event.pk).update(
            hash_scheme=event.hash_scheme, key_id="", prev_hash=event.prev_hash, hash=event.hash
        )
        previous_hash = event.hash
    audit_guard.install(connection)
    AuditChainHead.objects.filter(chain=chain).update(last_hash=previous_hash, legacy_sequence=count)


def test_unkeyed_events_verify_once_the_first_checkpoint_sealed_them(enterprise):
    store_unkeyed_events(enterprise, 2)
    assert "plain SHA-256 hash where the chain is keyed" in verify_failure()  # not sealed yet

    write_checkpoint()
    add_members(enterprise, 1)  # keyed, after them

    call_command("verify_audit")
    assert list(AuditEvent.objects.order_by("sequence").values_list("hash_scheme", flat=True)) == [
        "sha256",
        "sha256",
        "hmac-sha256",
    ]


def test_keyed_events_rewritten_as_unkeyed_after_the_first_checkpoint_are_named(enterprise):
    require_postgresql()
    store_unkeyed_events(enterprise, 2)
    write_checkpoint()
    add_members(enterprise, 2)
    chain = chain_for(enterprise.pk)
    # The head's own count of unkeyed events is in the database too: raised with the rewrite.
    AuditChainHead.objects.filter(chain=chain).update(legacy_sequence=4)

    def downgrade(event):
        event.data = {**event.data, "role": "admin"}
        event.hash_scheme, event.key_id = audit.LEGACY_SCHEME, ""

    rewrite_behind_the_disabled_trigger(chain, from_sequence=3, change=downgrade, rehash=audit.event_hash)
    write_checkpoint()  # the next checkpoint keeps the count the first one sealed

    assert f"chain {chain}, sequence 3 " in (failure := verify_failure()) and "plain SHA-256" in failure


# --- sending them ---------------------------------------------------------------------------------


@pytest.fixture
def checkpoint_receiver():
    """A regulator's endpoint on loopback; ``statuses`` are its answers in turn (then 200)."""
    received = []
    statuses = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Content-Type"], body.decode()))
            self.send_response(statuses.pop(0) if statuses else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}/checkpoints"
    server.received, server.statuses = received, statuses
    yield server
    server.shutdown()
    server.server_close()


def test_a_new_checkpoint_is_sent_to_the_checkpoint_url_retrying_a_failure(settings, enterprise, checkpoint_receiver):
    settings.HUB_AUDIT_CHECKPOINT_URL = checkpoint_receiver.url
    checkpoint_receiver.statuses.append(503)
    add_members(enterprise, 1)

    write_checkpoint()

    [path] = checkpoint_files(settings)
    token = path.read_text().strip()
    assert checkpoint_receiver.received == [("application/jose", token), ("application/jose", token)]
    write_checkpoint()  # unchanged: nothing new to send
    assert len(checkpoint_receiver.received) == 2


def test_a_checkpoint_the_url_refuses_is_logged_and_kept(settings, enterprise, checkpoint_receiver, caplog):
    settings.HUB_AUDIT_CHECKPOINT_URL = checkpoint_receiver.url
    checkpoint_receiver.statuses.extend([400])
    add_members(enterprise, 1)

    with caplog.at_level(logging.ERROR, logger="hub.tasks"):
        name = write_checkpoint()

    assert len(checkpoint_receiver.received) == 1  # a 400 is not tried again
    assert f"audit checkpoint {name} was not delivered to the checkpoint URL: HTTP 400" in caplog.text
    assert [path.name for path in checkpoint_files(settings)] == [name]


def test_an_unreachable_checkpoint_url_never_fails_the_checkpoint(settings, enterprise, caplog):
    settings.HUB_AUDIT_CHECKPOINT_URL = "http://127.0.0.1:9/nothing-listens-here"
    add_members(enterprise, 1)

    with caplog.at_level(logging.ERROR, logger="hub.tasks"):
        name = write_checkpoint()

    assert f"audit checkpoint {name} was not delivered" in caplog.text
    assert [path.name for path in checkpoint_files(settings)] == [name]

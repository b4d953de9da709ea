"""Audit events of the whitelist app, in the owner's chain."""

from __future__ import annotations

from hub.audit import append_event


def whitelist_changed(*, whitelist, actor, action: str, data: dict | None = None):
    return append_event(
        action=f"whitelist.{action}",
        actor=actor,
        organization_id=whitelist.owner_id,
        object_type="whitelist",
        object_id=whitelist.pk,
        data={"name": whitelist.name, "status": whitelist.status, **(data or {})},
    )


def import_started(*, whitelist_import, actor):
    return append_event(
        action="whitelist.import_started",
        actor=actor,
        organization_id=whitelist_import.whitelist.owner_id,
        object_type="whitelist_import",
        object_id=whitelist_import.pk,
        data={
            "whitelist": whitelist_import.whitelist_id,
            "file": whitelist_import.original_name,
            "sha256": whitelist_import.file_sha256,
        },
    )


def import_finished(*, whitelist_import, accepted: int, rejected: int):
    return append_event(
        action="whitelist.import_finished",
        actor=None,
        organization_id=whitelist_import.whitelist.owner_id,
        object_type="whitelist_import",
        object_id=whitelist_import.pk,
        data={"whitelist": whitelist_import.whitelist_id, "accepted": accepted, "rejected": rejected},
    )


def import_failed(*, whitelist_import, error: str):
    return append_event(
        action="whitelist.import_failed",
        actor=None,
        organization_id=whitelist_import.whitelist.owner_id,
        object_type="whitelist_import",
        object_id=whitelist_import.pk,
        data={"whitelist": whitelist_import.whitelist_id, "error": error[:500]},
    )

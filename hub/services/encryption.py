"""Key rotation: re-encrypt stored values under the active key."""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps
from django.conf import settings
from django.db import models, transaction

from hub import audit
from hub.fields import EncryptedTextField


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedTextField]]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


def field_rotate(*, model: type[models.Model], field_name: str, batch_size: int = 500) -> int:
    """Re-encrypt one field's values not yet under the active key, a batch per transaction.

    Readers keep working throughout: every configured key still decrypts, and each row is
    locked only for the moment its value is rewritten. Returns the number of rows rewritten;
    the rotation is recorded in the hub's audit chain.
    """
    active_prefix = settings.HUB_ENCRYPTION_KEYS.active_prefix
    pending = (
        model._default_manager.exclude(**{f"{field_name}__startswith": active_prefix})
        .exclude(**{field_name: ""})
        .exclude(**{f"{field_name}__isnull": True})
        .order_by("pk")
    )
    rotated, last_pk = 0, None
    while True:
        batch = pending if last_pk is None else pending.filter(pk__gt=last_pk)
        with transaction.atomic():
            rows = list(batch.select_for_update().only("pk", field_name)[:batch_size])
            if not rows:
                break
            for row in rows:
                # Reading decrypted the value with its old key; the update writes it anew
                # under the active key.
                model._default_manager.filter(pk=row.pk).update(**{field_name: getattr(row, field_name)})
            last_pk = rows[-1].pk
            rotated += len(rows)
    if rotated:
        with transaction.atomic():
            audit.encryption_keys_rotated(
                model_label=model._meta.label,
                field=field_name,
                rows=rotated,
                active_kid=settings.HUB_ENCRYPTION_KEYS.active_kid,
            )
    return rotated

"""Importing whitelist files: upload (size and type checked), then a background task that
streams the file, checks every row, stages the good ones in bulk and finally merges them
into the whitelist's draft entries with set-based SQL.

The draft becomes exactly the file's valid rows: entries missing from the file are
removed, unchanged ones are not touched, so importing the same file twice changes nothing.
A run is safe to repeat: it holds a lease, and a re-delivered task resumes after the last
committed 1,000-row chunk.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.errors import HubError, NotFound
from hub.models import User
from whitelist import audit
from whitelist.models import ImportRowError, StagedRow, Whitelist, WhitelistImport
from whitelist.parsers import (
    CleanRow,
    FileUnreadable,
    UnsupportedFile,
    check_row,
    count_rows,
    detect_format,
    iterate_rows,
)

logger = logging.getLogger(__name__)
CHUNK_ROWS = 1000
LEASE = timedelta(minutes=5)

Status = WhitelistImport.Status


class UploadTooLarge(HubError):
    status_code = 413
    code = "upload_too_large"


class UnsupportedUpload(HubError):
    status_code = 415
    code = "unsupported_file_type"


class Messages:
    TOO_LARGE = _("The file is %(size)s MB; at most %(limit)s MB can be uploaded.")
    ARCHIVED = _("An archived whitelist takes no more imports.")


def _sha256(uploaded: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


@transaction.atomic
def import_start(*, actor: User, whitelist_id: int, uploaded: UploadedFile) -> WhitelistImport:
    """Store an uploaded file and queue its import (after commit).

    Raises NotFound (not the owner's whitelist), UploadTooLarge (413), UnsupportedUpload (415).
    """
    whitelist = Whitelist.objects.select_for_update().filter(pk=whitelist_id, owner_id=actor.organization_id).first()
    if whitelist is None:
        raise NotFound(_("Whitelist not found."))
    if whitelist.status == Whitelist.Status.ARCHIVED:
        raise HubError(Messages.ARCHIVED, code="archived")
    limit = settings.WHITELIST_MAX_UPLOAD_BYTES
    if uploaded.size > limit:
        message = Messages.TOO_LARGE % {"size": round(uploaded.size / 2**20, 1), "limit": round(limit / 2**20)}
        raise UploadTooLarge(message, fields={"file": [message]})
    head = uploaded.read(4096)
    uploaded.seek(0)
    try:
        file_format = detect_format(head, uploaded.name or "")
    except UnsupportedFile as error:
        raise UnsupportedUpload(str(error), fields={"file": [str(error)]}) from None
    whitelist_import = WhitelistImport(
        whitelist=whitelist,
        uploaded_by=actor,
        original_name=(uploaded.name or "")[:255],
        file_format=file_format,
        file_sha256=_sha256(uploaded),
    )
    whitelist_import.file.save(
        f"{whitelist.pk}-{whitelist_import.file_sha256[:16]}.{file_format}", uploaded, save=False
    )
    whitelist_import.save()
    audit.import_started(whitelist_import=whitelist_import, actor=actor)
    from whitelist.tasks import run_import

    run_import.delay_on_commit(whitelist_import.pk)
    return whitelist_import


# --- running an import ----------------------------------------------------------------------------


def _claim(import_id: int) -> bool:
    now = timezone.now()
    return bool(
        WhitelistImport.objects.filter(pk=import_id, status__in=[Status.QUEUED, Status.RUNNING])
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(status=Status.RUNNING, lease_until=now + LEASE, started_at=Coalesce("started_at", now))
    )


def import_run(*, import_id: int) -> str:
    """Run (or resume) an import to its end; returns its final status, or ``busy`` while
    another run holds the lease."""
    if not _claim(import_id):
        status = WhitelistImport.objects.values_list("status", flat=True).get(pk=import_id)
        return status if status in (Status.SUCCEEDED, Status.FAILED) else "busy"
    whitelist_import = WhitelistImport.objects.select_related("whitelist").get(pk=import_id)
    path = whitelist_import.file.path
    try:
        if whitelist_import.total_rows is None:
            WhitelistImport.objects.filter(pk=import_id).update(
                total_rows=count_rows(path, whitelist_import.file_format)
            )
        _stage(whitelist_import, path)
        _merge(whitelist_import)
    except FileUnreadable as error:
        _fail(import_id, str(error))
    except Exception as error:  # logged with its traceback; the import ends failed, not stuck
        logger.exception("whitelist import %s failed", import_id)
        _fail(import_id, f"internal error: {error.__class__.__name__}")
    return WhitelistImport.objects.values_list("status", flat=True).get(pk=import_id)


def _fail(import_id: int, message: str) -> None:
    with transaction.atomic():
        StagedRow.objects.filter(whitelist_import_id=import_id).delete()
        WhitelistImport.objects.filter(pk=import_id).update(
            status=Status.FAILED, error=message[:500], finished_at=timezone.now(), lease_until=None
        )


def _stage(whitelist_import: WhitelistImport, path: str) -> None:
    """Check rows in chunks; each chunk's staged rows, errors and progress commit together."""
    done = whitelist_import.processed_rows
    today = timezone.localdate()
    chunk_rows, chunk_errors, seen = [], [], 0
    for number, values in iterate_rows(path, whitelist_import.file_format):
        seen += 1
        if seen <= done:
            continue  # committed by an earlier run
        clean, errors = check_row(values, today=today)
        if clean is None:
            chunk_errors.extend((number, field, message) for field, message in errors)
        else:
            chunk_rows.append((number, clean))
        if seen - done >= CHUNK_ROWS:
            _commit_chunk(whitelist_import.pk, chunk_rows, chunk_errors, processed=seen)
            chunk_rows, chunk_errors, done = [], [], seen
    _commit_chunk(whitelist_import.pk, chunk_rows, chunk_errors, processed=seen)


def _commit_chunk(
    import_id: int, rows: list[tuple[int, CleanRow]], errors: list[tuple[int, str, str]], *, processed: int
):
    with transaction.atomic():
        _bulk_stage(import_id, rows)
        ImportRowError.objects.bulk_create(
            ImportRowError(whitelist_import_id=import_id, row=row, field=field, message=message[:500])
            for row, field, message in errors
        )
        WhitelistImport.objects.filter(pk=import_id).update(
            processed_rows=processed, lease_until=timezone.now() + LEASE
        )


def _bulk_stage(import_id: int, rows: list[tuple[int, CleanRow]]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        # COPY is the fast path for bulk loading; the ORM's INSERT is the portable one.
        with connection.cursor() as cursor:
            with cursor.connection.cursor().copy(
                "COPY whitelist_stagedrow (whitelist_import_id, row, uscc, name, reason, recommended_amount, valid_until)"
                " FROM STDIN"
            ) as copy:
                for number, row in rows:
                    copy.write_row(
                        (import_id, number, row.uscc, row.name, row.reason, row.recommended_amount, row.valid_until)
                    )
        return
    StagedRow.objects.bulk_create(
        StagedRow(
            whitelist_import_id=import_id,
            row=number,
            uscc=row.uscc,
            name=row.name,
            reason=row.reason,
            recommended_amount=row.recommended_amount,
            valid_until=row.valid_until,
        )
        for number, row in rows
    )


def _merge(whitelist_import: WhitelistImport) -> None:
    """Duplicates within the file become errors; the rest replace the draft entries."""
    import_id, whitelist_id = whitelist_import.pk, whitelist_import.whitelist_id
    with transaction.atomic(), connection.cursor() as cursor:
        # A USCC seen on an earlier row of the same file: report the later rows.
        cursor.execute(
            """
            SELECT later.row, earlier_row FROM (
                SELECT row, uscc, MIN(row) OVER (PARTITION BY uscc) AS earlier_row
                FROM whitelist_stagedrow WHERE whitelist_import_id = %s
            ) later WHERE later.row <> later.earlier_row
            """,
            [import_id],
        )
        duplicates = cursor.fetchall()
        ImportRowError.objects.bulk_create(
            (
                ImportRowError(
                    whitelist_import_id=import_id,
                    row=row,
                    field="uscc",
                    message=str(
                        _("Duplicate: the same unified social credit code is on row %(row)d.") % {"row": first}
                    ),
                )
                for row, first in duplicates
            ),
            batch_size=1000,
        )
        cursor.execute(
            """
            DELETE FROM whitelist_stagedrow WHERE whitelist_import_id = %s AND row IN (
                SELECT row FROM (
                    SELECT row, MIN(row) OVER (PARTITION BY uscc) AS earlier_row
                    FROM whitelist_stagedrow WHERE whitelist_import_id = %s
                ) ranked WHERE ranked.row <> ranked.earlier_row
            )
            """,
            [import_id, import_id],
        )
        # Insert new entries and update changed ones; identical ones are not written.
        cursor.execute(
            """
            INSERT INTO whitelist_whitelistentry (whitelist_id, uscc, name, reason, recommended_amount, valid_until)
            SELECT %s, uscc, name, reason, recommended_amount, valid_until
            FROM whitelist_stagedrow WHERE whitelist_import_id = %s
            ON CONFLICT (whitelist_id, uscc) DO UPDATE SET
                name = excluded.name, reason = excluded.reason,
                recommended_amount = excluded.recommended_amount, valid_until = excluded.valid_until
            WHERE whitelist_whitelistentry.name <> excluded.name
               OR whitelist_whitelistentry.reason <> excluded.reason
               OR whitelist_whitelistentry.recommended_amount IS DISTINCT FROM excluded.recommended_amount
               OR whitelist_whitelistentry.valid_until IS DISTINCT FROM excluded.valid_until
            """.replace("IS DISTINCT FROM", "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"),
            [whitelist_id, import_id],
        )
        cursor.execute(
            """
            DELETE FROM whitelist_whitelistentry WHERE whitelist_id = %s AND NOT EXISTS (
                SELECT 1 FROM whitelist_stagedrow staged
                WHERE staged.whitelist_import_id = %s AND staged.uscc = whitelist_whitelistentry.uscc
            )
            """,
            [whitelist_id, import_id],
        )
        accepted = StagedRow.objects.filter(whitelist_import_id=import_id).count()
        StagedRow.objects.filter(whitelist_import_id=import_id).delete()
        rejected = ImportRowError.objects.filter(whitelist_import_id=import_id).values("row").distinct().count()
        WhitelistImport.objects.filter(pk=import_id).update(
            status=Status.SUCCEEDED,
            accepted=accepted,
            rejected=rejected,
            total_rows=F("processed_rows"),
            finished_at=timezone.now(),
            lease_until=None,
        )
        # The maker of maker-checker: whoever changed the draft last (a failed import did not).
        Whitelist.objects.filter(pk=whitelist_id).update(last_import_by_id=whitelist_import.uploaded_by_id)
        audit.import_finished(whitelist_import=whitelist_import, accepted=accepted, rejected=rejected)


def import_errors_csv_rows(whitelist_import: WhitelistImport):
    yield ["row", "field", "message"]
    for error in whitelist_import.errors.order_by("row", "id").iterator(chunk_size=2000):
        yield [error.row, error.field, error.message]

"""Importing whitelist files: upload (size and type checked), then a background task that
stages every record of the file in bulk (on PostgreSQL a CSV is parsed by COPY itself),
checks the rows — in SQL for those already in canonical form, with check_row for the
rest — and merges the valid ones into the whitelist's draft entries with set-based SQL.

The draft becomes exactly the file's valid rows: entries missing from the file are
removed, unchanged ones are not touched, so importing the same file twice changes nothing.
A run is safe to repeat: it holds a lease, and a re-delivered task resumes where the last
run's committed work ends (see _stage).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.errors import Conflict, InvalidInput, NotFound, UnsupportedUpload, UploadTooLarge
from hub.models import User
from hub.services.jobs import job_busy, job_claim, job_lease_kept
from whitelist import audit, fast_checks, staging
from whitelist.models import ImportRowError, Whitelist, WhitelistEntry, WhitelistImport
from whitelist.parsers import (
    XLSX,
    FileLimits,
    FileUnreadable,
    LimitExceeded,
    Table,
    UnsupportedFile,
    check_row,
    count_rows,
    csv_cells,
    detect_format,
    is_blank,
    iterate_records,
    iterate_text_rows,
    open_table,
    row_values,
)
from whitelist.workbooks import archive_check

logger = logging.getLogger(__name__)
CHUNK_ROWS = 1000
Status = WhitelistImport.Status


class Messages:
    TOO_LARGE = _("The file is %(size)s MB; at most %(limit)s MB can be uploaded.")
    ARCHIVED = _("An archived whitelist takes no more imports.")
    DUPLICATE = _("Duplicate: the same unified social credit code is on row %(row)d.")


def _sha256(uploaded: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


@transaction.atomic
def import_start(*, actor: User, whitelist_id: int, uploaded: UploadedFile) -> WhitelistImport:
    """Store an uploaded file and queue its import (after commit).

    Raises NotFound (not the owner's whitelist), UploadTooLarge (413: the file, or what a
    workbook's archive says it expands to), UnsupportedUpload (415), InvalidInput (400: a
    workbook that is no ZIP archive), each naming the field ``file``.
    """
    whitelist = Whitelist.objects.select_for_update().filter(pk=whitelist_id, owner_id=actor.organization_id).first()
    if whitelist is None:
        raise NotFound(_("Whitelist not found."))
    if whitelist.status == Whitelist.Status.ARCHIVED:
        raise Conflict(Messages.ARCHIVED, code="archived")  # a wrong state: 409, as for publishing
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
    if file_format == XLSX:
        _check_archive(uploaded)
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


def _check_archive(uploaded: UploadedFile) -> None:
    """A workbook's central directory, read at once so that a bomb is refused to its
    uploader rather than in the worker (which checks again: limits may change)."""
    try:
        archive_check(uploaded, FileLimits.from_settings())
    except LimitExceeded as error:
        raise UploadTooLarge(str(error), fields={"file": [str(error)]}) from None
    except FileUnreadable as error:
        raise InvalidInput(str(error), fields={"file": [str(error)]}) from None


# --- running an import ----------------------------------------------------------------------------


def _lease() -> timedelta:
    return timedelta(seconds=settings.WHITELIST_IMPORT_LEASE_SECONDS)


def import_run(*, import_id: int) -> str:
    """Run (or resume) an import to its end; returns its final status. Raises JobBusy while
    another run holds the lease."""
    claimable = (Status.QUEUED, Status.RUNNING)
    if not job_claim(WhitelistImport, import_id, lease=_lease(), running=Status.RUNNING, claimable=claimable):
        status = WhitelistImport.objects.values_list("status", flat=True).get(pk=import_id)
        if status in (Status.SUCCEEDED, Status.FAILED):
            return status
        raise job_busy(WhitelistImport, import_id)
    with job_lease_kept(WhitelistImport, import_id, lease=_lease(), running=Status.RUNNING):
        return _run_claimed_import(import_id)


def _run_claimed_import(import_id: int) -> str:
    whitelist_import = WhitelistImport.objects.select_related("whitelist").get(pk=import_id)
    path = whitelist_import.file.path
    try:
        if whitelist_import.total_rows is None:
            WhitelistImport.objects.filter(pk=import_id).update(
                total_rows=count_rows(path, whitelist_import.file_format)
            )
        table = _stage(whitelist_import, path)
        _merge(whitelist_import, table)
    except FileUnreadable as error:
        import_fail(import_id, str(error))
    except (OperationalError, InterfaceError):
        raise  # the database went away for a moment: the task retries and resumes
    except Exception as error:  # logged with its traceback; the import ends failed, not stuck
        logger.exception("whitelist import %s failed", import_id)
        import_fail(import_id, f"internal error: {error.__class__.__name__}")
    return WhitelistImport.objects.values_list("status", flat=True).get(pk=import_id)


def import_fail(import_id: int, message: str) -> None:
    """End a running import as failed with ``message``, its working tables dropped."""
    with transaction.atomic():
        failed = WhitelistImport.objects.filter(pk=import_id, status=Status.RUNNING).update(
            status=Status.FAILED, error=message[:500], finished_at=timezone.now(), lease_until=None
        )
        if not failed:  # another run finished it meanwhile: its outcome stands
            return
        staging.drop_tables(import_id)
        audit.import_failed(
            whitelist_import=WhitelistImport.objects.select_related("whitelist").get(pk=import_id), error=message
        )


def _stage(whitelist_import: WhitelistImport, path: str) -> Table:
    """Stage every record of the file as text.

    On PostgreSQL a CSV goes through one COPY, its progress stored every 1,000 records
    through a second connection; a task re-delivered midway stages it again (a million
    records take a few seconds). Otherwise — a workbook, another database, or a CSV with a
    record COPY refuses — records go 1,000 at a time, each chunk committed with the
    progress, and a re-delivered task resumes after the last committed chunk."""
    import_id = whitelist_import.pk
    table = open_table(path, whitelist_import.file_format)
    width = len(table.header)
    done = whitelist_import.processed_rows
    if staging.staged_count(import_id) != done:
        # Staging did not finish, or its rows are gone (an UNLOGGED table after a database
        # crash): start over.
        staging.drop_tables(import_id)
        done = 0
    staging.create_rows_table(import_id, width)
    if connection.vendor == "postgresql" and table.encoding is not None:
        if not done and _stream_csv(import_id, path, table):
            return table
        for chunk in _batched(iterate_records(path, table, skip=done)):
            done += len(chunk)
            try:
                _stage_chunk(
                    import_id, partial(staging.copy_csv_records, import_id, width, table.encoding, [chunk]), done
                )
            except staging.RecordsRefused:
                # A record with more or fewer fields than the header, or bytes that are not
                # text: Python's csv module reads the chunk instead, padding short records,
                # dropping extra fields and naming what is unreadable.
                rows = [(number, *csv_cells(number, record, table)) for number, record in chunk]
                _stage_chunk(import_id, partial(staging.insert_rows, import_id, width, rows), done)
    else:
        rows = ((number, *cells) for number, cells in iterate_text_rows(path, table, skip=done))
        for chunk in _batched(rows):
            done += len(chunk)
            _stage_chunk(import_id, partial(staging.insert_rows, import_id, width, chunk), done)
    return table


_PROGRESS = f"UPDATE {WhitelistImport._meta.db_table} SET processed_rows = %s, lease_until = %s WHERE id = %s"


def _stream_csv(import_id: int, path: str, table: Table) -> bool:
    """Stage the whole CSV in one COPY and one transaction; False, with nothing staged, when
    COPY refuses some record. The progress goes through a connection of its own so that the
    progress bar moves while the transaction is open."""
    progress = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with progress.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")  # a progress figure need not wait for the disk

        def sent(count: int) -> None:
            with progress.cursor() as cursor:
                cursor.execute(_PROGRESS, [count, timezone.now() + _lease(), import_id])

        records = _batched(iterate_records(path, table))
        with transaction.atomic():
            staging.copy_csv_records(import_id, len(table.header), table.encoding, records, sent=sent)
    except staging.RecordsRefused:
        return False
    finally:
        try:
            with progress.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")  # the pool lends this connection out again
        finally:
            progress.close()
    return True


def _stage_chunk(import_id: int, stage, processed: int) -> None:
    """One chunk's rows and the progress past them, committed together (a thousand times
    per million rows, so in plain statements)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A chunk lost in a crash is staged again on resume: no need to wait for each
            # commit to reach the disk.
            cursor.execute("SET LOCAL synchronous_commit = off")
        stage()
        cursor.execute(_PROGRESS, [processed, timezone.now() + _lease(), import_id])


def _batched(items):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _merge(whitelist_import: WhitelistImport, table: Table) -> None:
    """Check the staged rows, report the bad ones and duplicates, and make the draft the
    file's valid rows — in one transaction, so a failure leaves the draft as it was."""
    import_id, whitelist_id = whitelist_import.pk, whitelist_import.whitelist_id
    rows, clean = staging.rows_table(import_id), staging.clean_table(import_id)
    columns = {column: f"c{index}" for column, index in table.positions.items()}
    today = timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        Whitelist.objects.select_for_update().filter(pk=whitelist_id).first()  # one merge at a time
        if not WhitelistImport.objects.filter(pk=import_id, status=Status.RUNNING).exists():
            return  # a run whose lease ran out, after another run of it finished
        if connection.vendor == "postgresql":
            # The duplicate check sorts and the slow-row check hashes a million rows: in
            # memory rather than in temporary files (the default allows 4 MB).
            cursor.execute("SET LOCAL work_mem = '256MB'")
        staging.create_clean_table(import_id)
        if connection.vendor == "postgresql":
            # The fast path: rows already in canonical form are checked and typed in SQL.
            cursor.execute(
                f"""INSERT INTO {clean} SELECT row, {fast_checks.clean_values(columns)}
                FROM {fast_checks.staged_rows(rows, columns)} staged WHERE {fast_checks.row_condition(columns)}""",
                fast_checks.parameters(today),
            )
            slow = f"SELECT * FROM {rows} WHERE NOT EXISTS (SELECT 1 FROM {clean} WHERE {clean}.row = {rows}.row)"
        else:
            slow = f"SELECT * FROM {rows}"
        _check_slow_rows(slow + " ORDER BY row", import_id, table, today)
        _report_duplicates(cursor, import_id)
        if WhitelistEntry.objects.filter(whitelist_id=whitelist_id).exists():
            _replace_entries(cursor, whitelist_id, clean)
        else:  # a first import: nothing to compare with or to remove
            cursor.execute(
                f"""INSERT INTO {WhitelistEntry._meta.db_table}
                    (whitelist_id, uscc, name, reason, recommended_amount, valid_until)
                SELECT %s, uscc, name, reason, recommended_amount, valid_until FROM {clean}""",
                [whitelist_id],
            )
        cursor.execute(f"SELECT COUNT(*) FROM {clean}")
        accepted = cursor.fetchone()[0]
        staging.drop_tables(import_id)
        rejected = ImportRowError.objects.filter(whitelist_import_id=import_id).values("row").distinct().count()
        WhitelistImport.objects.filter(pk=import_id).update(
            status=Status.SUCCEEDED,
            accepted=accepted,
            rejected=rejected,
            # Every row with data was accepted or rejected; blank lines were staged but do not count.
            total_rows=accepted + rejected,
            processed_rows=accepted + rejected,
            finished_at=timezone.now(),
            lease_until=None,
        )
        # The maker of maker-checker: whoever changed the draft last (a failed import did not).
        Whitelist.objects.filter(pk=whitelist_id).update(last_import_by_id=whitelist_import.uploaded_by_id)
        audit.import_finished(whitelist_import=whitelist_import, accepted=accepted, rejected=rejected)


def _replace_entries(cursor, whitelist_id: int, clean: str) -> None:
    """Insert new entries, update changed ones (identical ones are not written) and remove
    those the file no longer lists."""
    entries = WhitelistEntry._meta.db_table
    distinct = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"
    cursor.execute(
        f"""
        INSERT INTO {entries} (whitelist_id, uscc, name, reason, recommended_amount, valid_until)
        SELECT %s, uscc, name, reason, recommended_amount, valid_until FROM {clean} WHERE true
        ON CONFLICT (whitelist_id, uscc) DO UPDATE SET
            name = excluded.name, reason = excluded.reason,
            recommended_amount = excluded.recommended_amount, valid_until = excluded.valid_until
        WHERE {entries}.name <> excluded.name OR {entries}.reason <> excluded.reason
           OR {entries}.recommended_amount {distinct} excluded.recommended_amount
           OR {entries}.valid_until {distinct} excluded.valid_until
        """,
        [whitelist_id],
    )
    if connection.vendor == "sqlite":  # PostgreSQL anti-joins with a hash; SQLite needs the index
        cursor.execute(f"CREATE INDEX {clean}_uscc ON {clean} (uscc)")
    cursor.execute(
        f"""DELETE FROM {entries} WHERE whitelist_id = %s
        AND NOT EXISTS (SELECT 1 FROM {clean} staged WHERE staged.uscc = {entries}.uscc)""",
        [whitelist_id],
    )


def _check_slow_rows(query: str, import_id: int, table: Table, today) -> None:
    """Rows the fast path did not take (all rows, off PostgreSQL) go through check_row:
    bad ones become errors, good ones join the clean rows. Blank rows are skipped."""
    for batch in staging.read(query, batch=CHUNK_ROWS):
        accepted, errors = [], []
        for number, *cells in batch:
            if is_blank(cells):
                continue
            row, problems = check_row(row_values(cells, table.positions), today=today)
            if row is None:
                errors.extend(
                    ImportRowError(whitelist_import_id=import_id, row=number, field=field, message=message[:500])
                    for field, message in problems
                )
            else:
                accepted.append((number, *row))
        ImportRowError.objects.bulk_create(errors)
        staging.insert_clean(import_id, accepted)


def _report_duplicates(cursor, import_id: int) -> None:
    """A USCC already on an earlier row of the file: the later rows are errors and go."""
    clean = staging.clean_table(import_id)
    # Codes are ASCII: byte order groups them as well as the database's collation, faster.
    uscc = 'uscc COLLATE "C"' if connection.vendor == "postgresql" else "uscc"
    later_rows = f"""SELECT row, earlier_row FROM (
        SELECT row, MIN(row) OVER (PARTITION BY {uscc}) AS earlier_row FROM {clean}
    ) ranked WHERE row <> earlier_row"""
    cursor.execute(later_rows)
    duplicates = cursor.fetchall()
    if not duplicates:
        return
    ImportRowError.objects.bulk_create(
        (
            ImportRowError(
                whitelist_import_id=import_id,
                row=row,
                field="uscc",
                message=str(Messages.DUPLICATE % {"row": earlier}),
            )
            for row, earlier in duplicates
        ),
        batch_size=1000,
    )
    later = [row for row, _earlier in duplicates]
    for start in range(0, len(later), 500):  # by the rows found, in bounded statements
        batch = later[start : start + 500]
        cursor.execute(f"DELETE FROM {clean} WHERE row IN ({', '.join(['%s'] * len(batch))})", batch)


def import_errors_csv_rows(whitelist_import: WhitelistImport):
    yield ["row", "field", "message"]
    for error in whitelist_import.errors.order_by("row", "id").iterator(chunk_size=2000):
        yield [error.row, error.field, error.message]

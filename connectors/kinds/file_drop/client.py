"""File drop (前置机): the platform writes JSON Lines files into a directory the hub reads.

Each line is one record (the CDP/1 record fields plus ``uscc``). The platform writes a file
under any other name and renames it to ``*.jsonl`` when it is complete, so the hub never
reads a half-written file. The hub *takes* a complete file once, whole: it moves it into
``taken/`` with an atomic rename (two workers cannot both win it) and files its lines per
enterprise into ``spool/<uscc>.jsonl``. A query then reads that enterprise's spool, so
records that arrived in one file for many enterprises all stay available.

Every drop directory lies below ``HUB_FILE_DROP_ROOT`` (symlinks followed: a link out of it,
or ``..``, is refused), checked at registration and again at every use, so a registration
cannot make the hub read ``/etc`` or write into ``/root``. Inside it the hub follows no
symlink the platform may have planted: not as ``taken/`` or ``spool/``, not as a file.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from connectors.base import Connector, ConnectorError, HealthReport, RecordPage, RecordQuery
from hub.identifiers import uscc_errors

TAKEN = "taken"
SPOOL = "spool"
UNREADABLE = "__unreadable__"


class FileDropConnector(Connector):
    location_label = "Directory (absolute path on the hub's servers)"

    @classmethod
    def validate_location(cls, base_url: str) -> str | None:
        if not os.path.isabs(base_url):
            return str(_("must be an absolute directory path"))
        root = os.path.realpath(settings.HUB_FILE_DROP_ROOT)
        resolved = os.path.realpath(base_url)
        if resolved == root or os.path.commonpath([root, resolved]) != root:
            return str(
                _("must be a directory below the file drop root %(root)s (after following symlinks)") % {"root": root}
            )
        return None

    @property
    def directory(self) -> Path:
        """The drop directory, checked anew at every use: a connector registered before the
        root was configured, or a symlink changed since, fails here instead of being read."""
        with translation.override(None):  # recorded in English, as the other errors are
            problem = self.validate_location(self.base_url)
        if problem:
            raise ConnectorError(
                f"location refused: {self.base_url} {problem}"[:250], permanent=True, code="forbidden_location"
            )
        return Path(os.path.realpath(self.base_url))

    def _subdirectory(self, directory: Path, name: str) -> Path:
        path = directory / name
        if path.is_symlink():
            raise ConnectorError(
                f"{path} is a symlink; the hub follows none", permanent=True, code="forbidden_location"
            )
        path.mkdir(exist_ok=True)
        return path

    def fetch_page(self, query: RecordQuery, cursor: str | None) -> RecordPage:
        directory = self.directory
        if not directory.is_dir():
            raise ConnectorError(f"directory {directory} is missing", permanent=False, code="connection")
        self._take_new_files(directory)
        records = []
        for line in self._spool_lines(directory, query.uscc):
            try:
                record = json.loads(line)
            except ValueError:
                records.append(UNREADABLE)  # counted as a bad record by the framework
                continue
            if isinstance(record, dict):
                if record.get("category") not in query.categories:
                    continue
                if (
                    query.since
                    and isinstance(record.get("occurred_on"), str)
                    and record["occurred_on"] < query.since.isoformat()
                ):
                    continue
                record.pop("uscc", None)
            records.append(record)
        return RecordPage(records=records, next_cursor=None)

    def check_health(self) -> HealthReport:
        directory = self.directory
        if not directory.is_dir():
            raise ConnectorError(f"directory {directory} is missing", permanent=False, code="connection")
        if not os.access(directory, os.R_OK | os.W_OK | os.X_OK):
            raise ConnectorError(
                f"directory {directory} is not readable and writable", permanent=False, code="connection"
            )
        return HealthReport(healthy=True, categories=[])

    # --- taking files -------------------------------------------------------------------------------

    def _take_new_files(self, directory: Path) -> None:
        taken_dir = self._subdirectory(directory, TAKEN)
        spool_dir = self._subdirectory(directory, SPOOL)
        for path in sorted(directory.glob("*.jsonl")):
            stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
            target = taken_dir / f"{path.stem}.{stamp}.jsonl"
            try:
                os.rename(path, target)  # atomic: exactly one taker wins the file
            except FileNotFoundError:
                continue
            if target.is_symlink():
                continue  # a link to a file elsewhere (another platform's spool, /etc/…): never read
            self._spool(spool_dir, target)

    def _spool(self, spool_dir: Path, taken_file: Path) -> None:
        by_enterprise: dict[str, list[str]] = {}
        with _open_no_follow(taken_file, os.O_RDONLY) as lines:
            for line in lines:
                line = line.strip()
                if not line:
                    continue
                try:
                    uscc = json.loads(line).get("uscc")
                except (ValueError, AttributeError):
                    continue  # no enterprise to file it under: the line is unusable
                if isinstance(uscc, str) and not uscc_errors(uscc):
                    by_enterprise.setdefault(uscc, []).append(line)
        for uscc, enterprise_lines in by_enterprise.items():
            with _open_no_follow(spool_dir / f"{uscc}.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT) as spool:
                fcntl.flock(spool, fcntl.LOCK_EX)
                spool.write("\n".join(enterprise_lines) + "\n")

    def _spool_lines(self, directory: Path, uscc: str) -> list[str]:
        path = directory / SPOOL / f"{uscc}.jsonl"
        if uscc_errors(uscc) or not path.exists() or path.is_symlink():
            return []
        with _open_no_follow(path, os.O_RDONLY) as spool:
            fcntl.flock(spool, fcntl.LOCK_SH)
            return [line for line in spool.read().splitlines() if line.strip()]


def _open_no_follow(path: Path, flags: int):
    """Open a file of the drop directory as text, refusing a symlink in its place
    (O_NOFOLLOW: no window between a check and the open)."""
    try:
        descriptor = os.open(path, flags | os.O_NOFOLLOW, 0o640)
    except OSError as error:
        raise ConnectorError(f"{path} cannot be opened: {error.strerror}", permanent=False, code="connection") from None
    mode = "a" if flags & os.O_APPEND else "r"
    return open(descriptor, mode, encoding="utf-8", errors="replace")  # noqa: SIM115 - returned to a with

"""File drop (前置机): the platform writes JSON Lines files into a directory the hub reads.

Each line is one record (the CDP/1 record fields plus ``uscc``). The platform writes a file
under any other name and renames it to ``*.jsonl`` when it is complete, so the hub never
reads a half-written file. The hub *takes* a complete file once, whole: it moves it into
``taken/`` with an atomic rename (two workers cannot both win it) and files its lines per
enterprise into ``spool/<uscc>.jsonl``. A query then reads that enterprise's spool, so
records that arrived in one file for many enterprises all stay available.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import datetime
from pathlib import Path

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
            return "must be an absolute directory path"
        return None

    @property
    def directory(self) -> Path:
        return Path(self.base_url)

    def fetch_page(self, query: RecordQuery, cursor: str | None) -> RecordPage:
        if not self.directory.is_dir():
            raise ConnectorError(f"directory {self.directory} is missing", permanent=False, code="connection")
        self._take_new_files()
        records = []
        for line in self._spool_lines(query.uscc):
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

    def _take_new_files(self) -> None:
        taken_dir = self.directory / TAKEN
        taken_dir.mkdir(exist_ok=True)
        (self.directory / SPOOL).mkdir(exist_ok=True)
        for path in sorted(self.directory.glob("*.jsonl")):
            stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
            target = taken_dir / f"{path.stem}.{stamp}.jsonl"
            try:
                os.rename(path, target)  # atomic: exactly one taker wins the file
            except FileNotFoundError:
                continue
            self._spool(target)

    def _spool(self, taken_file: Path) -> None:
        by_enterprise: dict[str, list[str]] = {}
        with taken_file.open(encoding="utf-8", errors="replace") as lines:
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
            with (self.directory / SPOOL / f"{uscc}.jsonl").open("a", encoding="utf-8") as spool:
                fcntl.flock(spool, fcntl.LOCK_EX)
                spool.write("\n".join(enterprise_lines) + "\n")

    def _spool_lines(self, uscc: str) -> list[str]:
        path = self.directory / SPOOL / f"{uscc}.jsonl"
        if uscc_errors(uscc) or not path.exists():
            return []
        with path.open(encoding="utf-8", errors="replace") as spool:
            fcntl.flock(spool, fcntl.LOCK_SH)
            return [line for line in spool.read().splitlines() if line.strip()]

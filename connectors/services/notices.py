"""Credit repair notices (信用修复主动告知): when the publicity period of a stored,
unrepaired penalty has ended, tell the enterprise it may apply for repair — once per
penalty."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors.models import CreditRecord
from hub.messages import stored_message
from hub.models import Notification
from hub.services.notifications import notification_send


def credit_repair_notices_send(*, batch_size: int = 500) -> int:
    """Send the notices that are due; safe to run twice (a unique key per penalty).
    Returns how many notices were created."""
    sent = 0
    today = timezone.localdate()
    while True:
        with transaction.atomic():
            due = list(
                CreditRecord.objects.select_for_update(skip_locked=True)
                # Only unrepaired penalties have the day set (services/records.py): the
                # category, encrypted, need not be asked.
                .filter(repair_notice_sent=False, repair_notice_due_on__lte=today)
                .order_by("pk")[:batch_size]
            )
            if not due:
                return sent
            for record in due:
                sent += _notify(record)
            CreditRecord.objects.filter(pk__in=[record.pk for record in due]).update(repair_notice_sent=True)


def _notify(record: CreditRecord) -> int:
    data = record.data
    sent = notification_send(
        organization_id=record.enterprise_id,
        kind=Notification.Kind.CREDIT_REPAIR,
        title=_("You may apply for credit repair"),
        body=stored_message(
            _(
                "The publicity period of administrative penalty %(decision_no)s (%(authority)s, decided "
                "%(decided_on)s) ended on %(ends_on)s. You may now apply to the credit authorities for "
                "credit repair so that it is no longer shown."
            ),
            decision_no=data.get("decision_no", ""),
            authority=data.get("authority", ""),
            decided_on=data.get("decided_on", ""),
            ends_on=record.repair_notice_due_on.isoformat(),
        ),
        data={
            "record": record.pk,
            "decision_no": data.get("decision_no", ""),
            "severity": data.get("severity", ""),
        },
        dedupe_key=f"credit-repair:{record.pk}",
    )
    return 0 if sent is None else 1  # None: an earlier run sent it

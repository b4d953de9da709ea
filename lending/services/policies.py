"""Credit policy push (信用政策精准推送): a published policy reaches, as a notice, every
enterprise its targeting rules match."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.errors import Forbidden, InvalidInput
from hub.identifiers import region_code_error, region_prefix
from hub.models import Notification, Organization, User
from hub.services.notifications import notification_send
from lending import audit
from lending.eligibility import SCALES, provided_fact
from lending.models import Policy

TARGETING_KEYS = ("region_codes", "scales", "industries", "whitelisted")


class Messages:
    PUBLISHER_ONLY = _("Only the hub operator and regulators publish policies.")
    OUTSIDE_REGION = _("A regulator targets only regions inside its own (%(region)s).")
    TARGETING = _("targeting may contain region_codes, scales, industries and whitelisted.")


def _well_formed(targeting) -> bool:
    """Only the known keys, each holding what policy_targets reads."""
    if not isinstance(targeting, dict) or set(targeting) - set(TARGETING_KEYS):
        return False
    lists = [targeting.get(key) or [] for key in ("region_codes", "scales", "industries")]
    if not all(isinstance(values, list) and all(isinstance(item, str) and item for item in values) for values in lists):
        return False
    whitelisted = targeting.get("whitelisted")
    return set(lists[1]) <= set(SCALES) and (whitelisted is None or isinstance(whitelisted, bool))


def _check_targeting(targeting: dict, publisher: Organization | None) -> dict:
    if not _well_formed(targeting):
        raise InvalidInput(Messages.TARGETING, fields={"targeting": [Messages.TARGETING]})
    regions = targeting.get("region_codes") or []
    for code in regions:
        if error := region_code_error(code):
            raise InvalidInput(error, fields={"targeting": [error]})
    if publisher is not None:
        prefix = region_prefix(publisher.region_code)
        if not regions:
            regions = [publisher.region_code]
        if any(not code.startswith(prefix) for code in regions):
            message = Messages.OUTSIDE_REGION % {"region": publisher.region_code}
            raise InvalidInput(message, fields={"targeting": [message]})
    return {**targeting, "region_codes": regions}


def policy_targets(policy: Policy):
    """The enterprises a policy reaches."""
    targeting = policy.targeting
    queryset = Organization.objects.filter(kind=Organization.Kind.ENTERPRISE, is_active=True)
    if targeting.get("region_codes"):
        region_filter = Q()
        for code in targeting["region_codes"]:
            region_filter |= Q(region_code__startswith=region_prefix(code))
        queryset = queryset.filter(region_filter)
    if targeting.get("scales"):
        queryset = queryset.filter(scale__in=targeting["scales"])
    if targeting.get("industries"):
        industry_filter = Q()
        for prefix in targeting["industries"]:
            industry_filter |= Q(industry_code__startswith=prefix)
        queryset = queryset.filter(industry_filter)
    return queryset.order_by("pk")


@transaction.atomic
def policy_publish(*, actor: User, title: str, body: str, targeting: dict) -> Policy:
    """Publish a policy; its notices go out in the background (queued after commit)."""
    publisher = actor.organization
    if not (actor.is_operator or (publisher is not None and publisher.is_regulator)):
        raise Forbidden(Messages.PUBLISHER_ONLY)
    targeting = _check_targeting(targeting or {}, publisher if publisher is not None else None)
    policy = Policy.objects.create(
        publisher=publisher, title=title, body=body, targeting=targeting, published_at=timezone.now()
    )
    audit.policy_published(policy=policy, actor=actor)
    from lending.tasks import push_policy

    push_policy.delay_on_commit(policy.pk)
    return policy


def policy_push(*, policy_id: int, batch_size: int = 1000) -> int:
    """Send the policy's notices; safe to run twice (one notice per policy and enterprise).
    Returns the number of notices created by this run."""
    policy = Policy.objects.get(pk=policy_id)
    wants_whitelisted = policy.targeting.get("whitelisted")
    created = 0
    for enterprise in policy_targets(policy).iterator(chunk_size=batch_size):
        if wants_whitelisted and not provided_fact("whitelisted", enterprise):
            continue
        sent = notification_send(
            organization_id=enterprise.pk,
            kind=Notification.Kind.POLICY,
            title=policy.title,
            body=policy.body,
            data={"policy": policy.pk},
            dedupe_key=f"policy:{policy.pk}:{enterprise.pk}",
        )
        created += sent is not None
    Policy.objects.filter(pk=policy.pk).update(
        recipients=Notification.objects.filter(kind=Notification.Kind.POLICY, data__policy=policy.pk).count()
    )
    return created

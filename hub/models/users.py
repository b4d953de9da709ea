from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.fields import EncryptedTextField


class User(AbstractUser):
    """A person. Belongs to one organization with one role in it; the hub operator is a
    Django staff user without an organization."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        STAFF = "staff", _("Staff")

    organization = models.ForeignKey(
        "hub.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.STAFF)
    phone = EncryptedTextField(_("phone"), blank=True)
    # Set by the login guard (hub/services/logins.py) after repeated failed logins: until then
    # every password login is refused. Kept here, not only in the cache, so a lock survives a
    # cache flush.
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organization__isnull=False) | models.Q(is_staff=True),
                name="user_has_organization_or_is_operator",
            ),
        ]

    @property
    def is_operator(self) -> bool:
        return self.is_staff and self.organization_id is None

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()

    @property
    def is_organization_admin(self) -> bool:
        return self.organization_id is not None and self.role == self.Role.ADMIN


class ApiToken(models.Model):
    """A bearer token for a person's API client. Only its SHA-256 is stored (the token has
    256 bits of randomness, so a fast hash cannot be brute-forced); it expires and can be
    revoked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the token, so a person can tell their tokens apart.
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

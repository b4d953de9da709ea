"""The core domain's tables: organizations and people, consent (authorizations, signatures, status
lists), verification, the audit log, notices, webhooks, jobs, operational records."""

from hub.models.audit import AuditChainHead, AuditEvent
from hub.models.authorizations import Authorization, AuthorizationSignature
from hub.models.calendar import CalendarDay
from hub.models.notifications import Notification
from hub.models.operations import DeferredTask, IdempotencyRecord, ParkedTask
from hub.models.organizations import Organization
from hub.models.users import ApiToken, User
from hub.models.verification import DocumentReview, Signer, StatusList, Verification, VerificationAttempt
from hub.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "ApiToken",
    "Authorization",
    "AuthorizationSignature",
    "AuditChainHead",
    "AuditEvent",
    "CalendarDay",
    "DeferredTask",
    "DocumentReview",
    "IdempotencyRecord",
    "Notification",
    "Organization",
    "ParkedTask",
    "Signer",
    "StatusList",
    "User",
    "Verification",
    "VerificationAttempt",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]

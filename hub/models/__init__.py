from hub.models.audit import AuditChainHead, AuditEvent
from hub.models.authorizations import Authorization
from hub.models.notifications import Notification
from hub.models.operations import IdempotencyRecord, ParkedTask
from hub.models.organizations import Organization
from hub.models.users import ApiToken, User

__all__ = [
    "ApiToken",
    "Authorization",
    "AuditChainHead",
    "AuditEvent",
    "IdempotencyRecord",
    "Notification",
    "Organization",
    "ParkedTask",
    "User",
]

from hub.models.audit import AuditChainHead, AuditEvent
from hub.models.operations import IdempotencyRecord, ParkedTask
from hub.models.organizations import Organization
from hub.models.users import ApiToken, User

__all__ = [
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "IdempotencyRecord",
    "Organization",
    "ParkedTask",
    "User",
]

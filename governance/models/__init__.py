from governance.models.audit import AuditEvent
from governance.models.idempotency import IdempotencyKey
from governance.models.notifications import DeliveryAttempt, Notification, OutboundChannel, OutboundMessage
from governance.models.people import Agency, Membership, Profile
from governance.models.regions import Grid, Region
from governance.models.system import Heartbeat, PendingTask

__all__ = [
    "Agency",
    "AuditEvent",
    "DeliveryAttempt",
    "Grid",
    "Heartbeat",
    "IdempotencyKey",
    "Membership",
    "Notification",
    "OutboundChannel",
    "OutboundMessage",
    "PendingTask",
    "Profile",
    "Region",
]

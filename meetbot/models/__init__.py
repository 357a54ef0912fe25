"""SQLAlchemy models. Importing this package registers every table on the metadata."""

from meetbot.models import change_notify as _change_notify
from meetbot.models.actions import ActionEventKind, ActionItem, ActionItemEvent, ActionStatus
from meetbot.models.attendance import Attendance, AttendanceKind, AttendanceSource
from meetbot.models.groups import Group, Membership, Role, WorkStream, WorkStreamStatus
from meetbot.models.mail import OutboxMail
from meetbot.models.meetings import (
    LocationKind,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    SeriesSlot,
    SeriesStatus,
)
from meetbot.models.minutes import MinuteItem, MinuteKind
from meetbot.models.people import ApiToken, Person, PersonHandle
from meetbot.models.system import AuditEntry, FeedCache, Webhook, WebhookDelivery
from meetbot.models.types import UTCDateTime, utcnow

_change_notify.install(Group.metadata)

__all__ = [
    "ActionEventKind",
    "ActionItem",
    "ActionItemEvent",
    "ActionStatus",
    "ApiToken",
    "Attendance",
    "AttendanceKind",
    "AttendanceSource",
    "AuditEntry",
    "FeedCache",
    "Group",
    "LocationKind",
    "Meeting",
    "MeetingSeries",
    "MeetingStatus",
    "Membership",
    "MinuteItem",
    "MinuteKind",
    "OutboxMail",
    "Person",
    "PersonHandle",
    "Role",
    "SeriesSlot",
    "SeriesStatus",
    "UTCDateTime",
    "Webhook",
    "WebhookDelivery",
    "WorkStream",
    "WorkStreamStatus",
    "utcnow",
]

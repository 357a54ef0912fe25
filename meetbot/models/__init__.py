"""SQLAlchemy models. Importing this package registers every table on the metadata."""

from meetbot.models.account_tokens import AccountToken, TokenPurpose
from meetbot.models.actions import ActionEventKind, ActionItem, ActionItemEvent, ActionStatus
from meetbot.models.attendance import Attendance, AttendanceKind, AttendanceSource
from meetbot.models.chat import (
    ChatAuth,
    ChatChannel,
    ChatLease,
    ChatLine,
    ChatNetwork,
    ChatPendingHandle,
)
from meetbot.models.feed_parts import FeedClaim, FeedFragment, FeedZone
from meetbot.models.groups import Group, Membership, Role, WorkStream, WorkStreamStatus
from meetbot.models.identities import ExternalIdentity
from meetbot.models.join_requests import JoinRequest
from meetbot.models.mail import OutboxMail
from meetbot.models.mail_prefs import MailSettings, SeriesFollow
from meetbot.models.meetings import (
    LocationKind,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    SeriesSlot,
    SeriesStatus,
)
from meetbot.models.minutes import MinuteItem, MinuteKind
from meetbot.models.people import ApiToken, Login, Person, PersonHandle
from meetbot.models.polls import AvailabilityPoll, PollAnswer, PollOption, PollStatus
from meetbot.models.system import AuditEntry, FeedCache, Webhook, WebhookDelivery
from meetbot.models.types import UTCDateTime, utcnow

__all__ = [
    "AccountToken",
    "ActionEventKind",
    "ActionItem",
    "ActionItemEvent",
    "ActionStatus",
    "ApiToken",
    "Attendance",
    "AttendanceKind",
    "AttendanceSource",
    "AuditEntry",
    "AvailabilityPoll",
    "ChatAuth",
    "ChatChannel",
    "ChatLease",
    "ChatLine",
    "ChatNetwork",
    "ChatPendingHandle",
    "ExternalIdentity",
    "FeedCache",
    "FeedClaim",
    "FeedFragment",
    "FeedZone",
    "Group",
    "JoinRequest",
    "LocationKind",
    "Login",
    "MailSettings",
    "Meeting",
    "MeetingSeries",
    "MeetingStatus",
    "Membership",
    "MinuteItem",
    "MinuteKind",
    "OutboxMail",
    "Person",
    "PersonHandle",
    "PollAnswer",
    "PollOption",
    "PollStatus",
    "Role",
    "SeriesFollow",
    "SeriesSlot",
    "SeriesStatus",
    "TokenPurpose",
    "UTCDateTime",
    "Webhook",
    "WebhookDelivery",
    "WorkStream",
    "WorkStreamStatus",
    "utcnow",
]

"""Import a MeetBot-style chat log into a meeting: minutes, action items, attendance.

``services.log_plan.plan_import`` reads a log and says what an import would write
(the preview the chair confirms); ``import_log`` writes it into one meeting in one
transaction (``services.log_write``); ``import_log_for_group`` first finds (or
creates) the meeting the log belongs to (``services.log_attach``).

Rules:

* Items map 1:1 to MinuteItem kinds, in order, with the nick and time from the log.
* Each ``#action`` is also an ActionItem opened in the meeting. Its owners are the
  people present whose handle (or alias, or the nick they used) appears in the text
  as a whole word (MeetBot's rule; ``domain.nick_match.OwnerIndex`` matches all nicks
  in one pass over each action's text); an action with no such person has no owner
  and is flagged ``needs_owner_review``.
* Attendance: everyone who spoke (bots excluded) plus ``#nick`` / ``#chair`` names,
  linked to people by handle, source ``log`` with the lines said. A nick nobody has
  yet becomes a new Person with that handle (the result lists them).
* Importing the same log again changes nothing (``Meeting.imported_log_sha256``);
  a different log (say, a corrected one) adds only what is not there yet: items are
  matched by kind, text, nick and time; actions by text; attendance by person.
* Times in logs without a zone are UTC (MeetBot's default); clock-only logs take
  their date from the meeting (or the date given).

Attendance goes through ``services.attendance_entries.record_from_log_in_session`` (the
rules of every attendance source: one entry per person, presence wins over regrets,
an existing presence keeps its source), inside the import's one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time

from meetbot.models import Group, Meeting, Person
from meetbot.services.db import unit_of_work
from meetbot.services.log_attach import meeting_for_start_in_session
from meetbot.services.log_plan import plan_import
from meetbot.services.log_write import REFUSE, ImportResult, import_log_in_session

__all__ = ["import_log", "import_log_for_group"]


def import_log(
    actor: Person | None,
    meeting: Meeting,
    text: str,
    *,
    bots: frozenset[str] | None = None,
    owner_overrides: Mapping[int, Sequence[str]] | None = None,
    version: int | None = None,
    existing: str = REFUSE,
) -> ImportResult:
    """Import ``text`` into ``meeting`` in one transaction.

    ``owner_overrides`` maps an action's index (in log order) to the owner tokens
    the chair confirmed in the preview (``p:<id>``, ``n:<nick>``); ``version`` is the
    meeting's lock_version the preview was made from (None skips the check, for the
    command line). ``existing`` says what to do when the meeting already has minutes
    imported from a *different* log (see ``services.log_write.check_existing``): ``refuse`` (the
    default), ``replace`` (the previous log's minutes items are deleted first) or
    ``append``. The same log again changes nothing whatever ``existing`` says.
    """
    with unit_of_work():
        result = import_log_in_session(
            actor,
            meeting,
            text,
            bots=bots,
            owner_overrides=owner_overrides,
            version=version,
            existing=existing,
        )
    return result


def import_log_for_group(
    actor: Person | None,
    group: Group,
    day: date,
    text: str,
    *,
    bots: frozenset[str] | None = None,
    existing: str = REFUSE,
) -> ImportResult:
    """Import ``text`` into the group's meeting the log's ``#startmeeting`` belongs to.

    That is the occurrence (of any of the group's series, or a one-off meeting) whose
    scheduled time holds the start (``domain.meeting_attach``: from 15 minutes before
    its start to 15 minutes after its end), created on demand; otherwise a one-off
    meeting spanning the log. ``day`` dates a log that has clock times only (and
    places one without any time at 00:00 UTC). ``existing`` as for ``import_log``.
    All in one transaction."""
    plan = plan_import(text, default_date=day, bots=bots)
    anchor = plan.start or datetime.combine(day, time(0), tzinfo=UTC)
    with unit_of_work():
        result = ImportResult(meeting=None)  # type: ignore[arg-type]
        meeting, result.meeting_created = meeting_for_start_in_session(
            actor, group, anchor, name=plan.parsed.name, end=plan.end
        )
        import_log_in_session(
            actor,
            meeting,
            text,
            bots=bots,
            owner_overrides=None,
            version=None,
            result=result,
            existing=existing,
        )
    return result

"""The mail worker at foundation size: finding and queueing the due agenda mail and
the personal meeting reminders.

Every group gets a list address (agenda 24 h ahead) and every tenth person switches
reminders on (half 60 minutes ahead, half a day; the series of their groups followed,
the default). Then the worker's round is timed twice: the first finds and queues every
agenda and reminder due now; the second finds nothing new (what every later round
costs). Both follow the number of occurrences in the lead window and the readers, not
the years of history behind them (the expansion covers the window only, and the
outbox is looked up by its unique key).
"""

from __future__ import annotations

import time
from typing import Any

from bench.dataset import make_app

# A round that finds nothing new runs every 30 s; it must stay far below that.
RECHECK_BUDGET_S = 2.0


def mail_times(url: str) -> dict[str, Any]:
    from sqlalchemy import func, select, update

    from meetbot.extensions import db
    from meetbot.mail import group_mail, reminders
    from meetbot.models import Group, MailSettings, Meeting, OutboxMail, Person, utcnow

    app = make_app(url)
    out: dict[str, Any] = {}
    with app.app_context():
        db.session.execute(
            update(Group).values(
                mailing_list=Group.slug + "@lists.example.org",
                mail_agenda=True,
                mail_agenda_hours=24,
            )
        )
        ids = db.session.scalars(select(Person.id).where(Person.id % 10 == 0)).all()
        db.session.execute(
            MailSettings.__table__.insert(),
            [
                {"person_id": pid, "reminders": True, "reminder_minutes": 60 if pid % 20 else 1440}
                for pid in ids
            ],
        )
        db.session.commit()
        out["readers"] = len(ids)
        out["history_meetings"] = db.session.scalar(select(func.count()).select_from(Meeting))
        now = utcnow()  # one instant for both rounds: the second must find nothing new
        started = time.perf_counter()
        out["queued"] = group_mail.queue_due_agendas(now)
        out["first_s"] = time.perf_counter() - started
        started = time.perf_counter()
        out["reminders"] = reminders.queue_due_reminders(now)
        out["reminders_s"] = time.perf_counter() - started
        db.session.remove()
        started = time.perf_counter()
        out["again"] = group_mail.queue_due_agendas(now) + reminders.queue_due_reminders(now)
        out["recheck_s"] = time.perf_counter() - started
        db.session.execute(OutboxMail.__table__.delete())
        db.session.execute(MailSettings.__table__.delete())
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return out


def check(result: Any, url: str) -> None:
    """Add the mail worker's figures to a backend's checks (bench/RESULTS.md)."""
    m = mail_times(url)
    per = m["first_s"] / m["queued"] * 1000 if m["queued"] else 0.0
    per_r = m["reminders_s"] / m["reminders"] * 1000 if m["reminders"] else 0.0
    result.checks.append(
        (
            f"mail worker: found and queued {m['queued']:,} agenda mails due in the next "
            f"24 h in {m['first_s'] * 1000:.0f} ms ({per:.1f} ms each, message and .ics "
            f"built) and {m['reminders']:,} reminders due now for {m['readers']:,} readers "
            f"in {m['reminders_s'] * 1000:.0f} ms ({per_r:.1f} ms each); a round with "
            f"nothing new due: {m['recheck_s'] * 1000:.0f} ms "
            f"(history: {m['history_meetings']:,} meetings, not read)",
            m["again"] == 0 and m["recheck_s"] < RECHECK_BUDGET_S,
            f"re-check < {RECHECK_BUDGET_S:.0f} s, nothing queued twice",
        )
    )

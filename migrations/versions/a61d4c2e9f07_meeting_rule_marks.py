"""meetings.rule_mark: which rows are exactly an occurrence of their slot's rule (issue 19)

Revision ID: a61d4c2e9f07
Revises: e7f3a9c1d5b8
Create Date: 2026-12-07 00:30:00

The feed render reads only the meeting rows that show something the rule does not;
the mark says, without expanding the rule, that a row is where its rule puts it
(``meetbot.domain.rule_marks``). The backfill marks every existing row with the same
pure domain functions the app uses (a mark must equal the one the running code
computes), one slot at a time.
"""

from datetime import UTC, timedelta

import sqlalchemy as sa
from alembic import op

from meetbot.domain.recurrence import Frequency, Rule, Slot
from meetbot.domain.rule_marks import row_marks

# revision identifiers, used by Alembic.
revision = "a61d4c2e9f07"
down_revision = "e7f3a9c1d5b8"
branch_labels = None
depends_on = None

_slots = sa.table(
    "series_slots",
    sa.column("id", sa.Integer), sa.column("key", sa.String), sa.column("timezone", sa.String),
    sa.column("start_local", sa.DateTime), sa.column("duration_minutes", sa.Integer),
    sa.column("frequency", sa.String), sa.column("interval", sa.Integer),
    sa.column("weekday", sa.Integer), sa.column("setpos", sa.Integer),
    sa.column("until", sa.Date), sa.column("count", sa.Integer),
)  # fmt: skip
_meetings = sa.table(
    "meetings",
    sa.column("id", sa.Integer), sa.column("slot_id", sa.Integer),
    sa.column("original_start_local", sa.DateTime),
    sa.column("start_dt", sa.DateTime(timezone=True)),
    sa.column("end_dt", sa.DateTime(timezone=True)), sa.column("rule_mark", sa.String),
)  # fmt: skip


def _aware(value):
    # SQLite hands timezone-aware columns back naive (they are stored in UTC).
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _backfill(conn) -> None:
    update = (
        sa.update(_meetings)
        .where(_meetings.c.id == sa.bindparam("row_id"))
        .values(rule_mark=sa.bindparam("mark"))
    )
    for s in conn.execute(sa.select(_slots)).all():
        slot = Slot(
            key=s.key,
            timezone=s.timezone,
            start=s.start_local,
            duration=timedelta(minutes=s.duration_minutes),
            rule=Rule(Frequency(s.frequency), s.interval, s.weekday, s.setpos, s.until, s.count),
        )
        rows = conn.execute(
            sa.select(
                _meetings.c.id,
                _meetings.c.original_start_local,
                _meetings.c.start_dt,
                _meetings.c.end_dt,
            ).where(_meetings.c.slot_id == s.id)
        ).all()
        marks = row_marks(s.id, slot, [(r[0], r[1], _aware(r[2]), _aware(r[3])) for r in rows])
        todo = [{"row_id": i, "mark": m} for i, m in marks.items() if m is not None]
        if todo:
            conn.execute(update, todo)


def upgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rule_mark", sa.String(length=16), nullable=True))
    _backfill(op.get_bind())


def downgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("rule_mark")

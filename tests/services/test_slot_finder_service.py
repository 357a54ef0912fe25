"""The slot finder's service: the demo group's answer, members aggregated."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from meetbot.domain.slot_finder import Slot, score_pair
from meetbot.extensions import db
from meetbot.models import Group
from meetbot.services import slot_finder as finder
from meetbot.services.demo import load_demo

# The seeded pair: Americas/Europe Tuesday 15:00 UTC, APAC Wednesday 07:00 UTC.
SEEDED_A, SEEDED_B = Slot(1, 15 * 60), Slot(2, 7 * 60)
START = date(2027, 1, 4)  # a Monday: week 0 holds A


def test_demo_answer_is_the_seeded_pair_or_better(app) -> None:
    load_demo(today=date(2026, 12, 6))
    group = db.session.scalar(select(Group).where(Group.slug == "edge-computing"))
    gathered = finder.group_participants(group)
    result = finder.find(gathered.participants, timezone="UTC", start=START, weeks=52)
    seeded = score_pair(gathered.participants, SEEDED_A, SEEDED_B, start=START, weeks=52)
    best = result.pairs[0]
    assert (best.included, best.coverage) >= (seeded.included, seeded.coverage)
    # Figures quoted in docs/slot-finder.md
    assert gathered.members == 57 and gathered.without_zone == 2
    assert (seeded.included, round(seeded.coverage, 3)) == (51, 0.676)
    assert (best.included, round(best.coverage, 3)) == (57, 0.719)
    assert result.slots[0].suited_every_week == 43
    assert (result.slots[0].slot, best.a, best.b) == (
        Slot(0, 8 * 60),
        Slot(0, 8 * 60),
        Slot(0, 16 * 60),
    )

"""The conflict check "from now", cached per group (issue 19).

Each group's *share* (its occurrences of the window, its series' chairs, and the
locations and chairs they use) is kept under the group's own schedule fingerprint
(``freshness.group_fingerprints``): a change in one group re-expands that group only.
A group's conflicts can only involve groups whose shares use one of its locations
or chairs, so its answer is kept under the fingerprints of those groups alone: a
change in an unrelated group leaves it in place. Every miss is filled by one
expansion of all the groups that need it (the statement count does not grow with
the number of groups).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from meetbot import freshness
from meetbot.extensions import db
from meetbot.models import MeetingSeries, Person
from meetbot.models.meetings import series_chairs
from meetbot.services.conflict_pairs import (
    ChairRef,
    Conflict,
    find_conflicts_in,
    normalize_location,
)
from meetbot.services.occurrences import OccurrenceView, occurrences_of_groups
from meetbot.services.packed_occurrences import (
    PackedConflicts,
    PackedOccurrences,
    pack_conflicts,
    pack_occurrences,
)


@dataclass(frozen=True, slots=True)
class GroupShare:
    """What the conflict check needs of one group's window (its occurrences packed:
    ``services.packed_occurrences``)."""

    occurrences: PackedOccurrences
    chairs: dict[int, list[ChairRef]]  # series id -> chairs
    keys: frozenset  # normalized locations and ("chair", person id)


def conflict_spans(
    group_id: int | None, day: datetime, end: datetime, domain: str
) -> PackedConflicts:
    """Every conflict in [day, end) that involves ``group_id`` (every conflict with
    None), in order of their overlap's start, through the per-group cache."""
    fingerprints = freshness.group_fingerprints(day, end)
    shares = _shares(fingerprints, day, end, domain)
    if group_id is None:
        involved = sorted(shares)
    elif group_id not in shares:
        return pack_conflicts([], [], [])
    else:
        mine = shares[group_id].keys
        involved = sorted(g for g, share in shares.items() if g == group_id or share.keys & mine)
    # The window is part of the fingerprint, not of the key: the next day's conflicts
    # replace this day's entry instead of sitting beside it.
    key = ("conflicts", group_id, end - day, domain)
    fingerprint = (day, tuple((g, fingerprints[g]) for g in involved))
    mine = [shares[g] for g in involved]

    def size_of(spans: PackedConflicts) -> int:
        # The occurrences the conflicts point at are the shares' (their own entries
        # count them): counting them again made this entry of a big group ~15 MiB of
        # a 32 MiB budget, which then evicted the shares on every page (issue 19).
        return freshness.approx_size(spans, shared=[share.occurrences for share in mine])

    return freshness.cached(
        key, lambda: _spans(mine, group_id), fingerprint=fingerprint, size_of=size_of
    )


def _spans(shares: list[GroupShare], group_id: int | None) -> PackedConflicts:
    views = [share.occurrences.views() for share in shares]
    chairs = {series: refs for share in shares for series, refs in share.chairs.items()}
    found = [
        c
        for c in find_conflicts_in([o for listed in views for o in listed], chairs)
        if group_id is None or group_id in (c.a.group_id, c.b.group_id)
    ]
    return pack_conflicts(found, [share.occurrences for share in shares], views)


def _shares(
    fingerprints: dict[int, tuple], day: datetime, end: datetime, domain: str
) -> dict[int, GroupShare]:
    keys: dict[Hashable, Hashable] = {
        ("conflict_share", g, end - day, domain): (day, fp) for g, fp in fingerprints.items()
    }

    def compute(missing: list[Hashable]) -> dict[Hashable, GroupShare]:
        built = _build_shares([k[1] for k in missing], day, end, domain)
        return {k: built[k[1]] for k in missing}

    found = freshness.cached_many(keys, compute)
    return {key[1]: share for key, share in found.items() if len(share.occurrences)}


def _build_shares(
    group_ids: list[int], day: datetime, end: datetime, domain: str
) -> dict[int, GroupShare]:
    """The shares of ``group_ids``: one expansion and one chairs query for all."""
    occurrences: dict[int, list[OccurrenceView]] = {g: [] for g in group_ids}
    for occ in occurrences_of_groups(group_ids, day, end, domain):
        occurrences[occ.group_id].append(occ)
    chairs: dict[int, dict[int, list[ChairRef]]] = {g: defaultdict(list) for g in group_ids}
    rows = db.session.execute(
        select(MeetingSeries.group_id, series_chairs.c.series_id, Person.id, Person.display_name)
        .join(Person, Person.id == series_chairs.c.person_id)
        .join(MeetingSeries, MeetingSeries.id == series_chairs.c.series_id)
        .where(MeetingSeries.group_id.in_(group_ids))
        .order_by(series_chairs.c.series_id, Person.display_name, Person.id)
    )
    for group_id, series_id, person_id, name in rows:
        chairs[group_id][series_id].append(ChairRef(person_id, name))
    return {g: _share(occurrences[g], dict(chairs[g])) for g in group_ids}


def _share(occurrences: list[OccurrenceView], chairs: dict[int, list[ChairRef]]) -> GroupShare:
    keys: set = set()
    for occ in occurrences:
        if occ.is_cancelled:
            continue
        location = normalize_location(occ.location)
        if location is not None:
            keys.add(location)
        keys.update(("chair", ref.id) for ref in chairs.get(occ.series_id or -1, ()))
    return GroupShare(pack_occurrences(occurrences), chairs, frozenset(keys))


def all_conflicts(begin: datetime, end: datetime, domain: str) -> list[Conflict]:
    """Every conflict among all groups' occurrences that overlap [begin, end), uncached."""
    occurrences = occurrences_of_groups(None, begin, end, domain)
    chairs: dict[int, list[ChairRef]] = defaultdict(list)
    rows = db.session.execute(
        select(series_chairs.c.series_id, Person.id, Person.display_name)
        .join(Person, Person.id == series_chairs.c.person_id)
        .order_by(series_chairs.c.series_id, Person.display_name, Person.id)
    )
    for series_id, person_id, name in rows:
        chairs[series_id].append(ChairRef(person_id, name))
    return find_conflicts_in(occurrences, chairs)

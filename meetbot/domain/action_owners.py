"""The owners an ``#action`` typed by a chair names: ``#action praman send the draft``.

One set of rules with the rest of meetbot, no new matcher:

* **Sure matches** are the log import's rule (``nick_match.OwnerIndex``, MeetBot's
  ``makeNickRE``): a person's handle, e-mail or full display name occurring in the
  text as a whole word, case-insensitively. Only the people given (the group's
  members) are looked for.
* A word that is the handle, e-mail or name of **several** people is *ambiguous*:
  nobody is assigned for it and the caller says who it could be.
* When nothing sure is found, the **first word** goes through the people matcher of
  the attendance paste (``names.PeopleIndex``): its sure match (e.g. a handle typed
  without its accents) is the owner; a first name or initials give "did you mean"
  suggestions, never an owner (hints never decide), as an ambiguous match does.

Pure: no Flask, no database. ``PersonKey`` is what the matcher knows of a person.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from meetbot.domain.names import MatchResult, PeopleIndex, PersonKey
from meetbot.domain.nick_match import OwnerIndex, fold

__all__ = ["OwnerFinding", "find_owners"]

_FIRST_WORD_RE = re.compile(r"^\s*([^\s:,;]+)")


@dataclass(frozen=True)
class OwnerFinding:
    """``owners``: people assigned for sure, in the order found. ``unsure``: (word,
    people it could be) for every word that did not decide alone."""

    owners: tuple[PersonKey, ...] = ()
    unsure: tuple[tuple[str, tuple[PersonKey, ...]], ...] = ()


def _keys(people: Sequence[PersonKey]) -> dict[str, list[PersonKey]]:
    """Folded handle / e-mail / display name -> the people who have it."""
    keys: dict[str, list[PersonKey]] = defaultdict(list)
    for person in people:
        words = [*person.handles, person.email or "", person.display_name]
        for word in words:
            word = word.strip().lstrip("@")
            if word and person not in keys[fold(word)]:
                keys[fold(word)].append(person)
    return keys


def _first_word(text: str, people: Sequence[PersonKey]) -> tuple[str, MatchResult | None]:
    """The attendance matcher's answer for the text's first word."""
    match = _FIRST_WORD_RE.match(text)
    if not match:
        return "", None
    return match.group(1), PeopleIndex(people).match(match.group(1))


def find_owners(text: str, people: Sequence[PersonKey]) -> OwnerFinding:
    """Who ``text`` (an action item, without its ``#action``) names among ``people``."""
    keys = _keys(people)
    index: OwnerIndex[str] = OwnerIndex({key: key for key in keys})
    owners: dict[Hashable, PersonKey] = {}
    unsure: list[tuple[str, tuple[PersonKey, ...]]] = []
    for key in index.owners(text):
        found = keys[key]
        if len(found) == 1:
            owners.setdefault(found[0].id, found[0])
        else:
            unsure.append((_said(text, key), tuple(found)))
    if not owners and not unsure:
        word, result = _first_word(text, people)
        if result is not None and result.status == "matched" and result.person is not None:
            owners[result.person.id] = result.person
        elif result is not None and (result.candidates or result.suggestions):
            unsure.append((word, tuple(result.candidates or result.suggestions)))
    return OwnerFinding(owners=tuple(owners.values()), unsure=tuple(unsure))


def _said(text: str, key: str) -> str:
    """``key`` as the chair typed it (fold keeps positions)."""
    at = fold(text).find(key)
    return text[at : at + len(key)] if at >= 0 else key

""" "Did you mean" candidates for a name that matched nobody for sure.

``names.PeopleIndex`` decides sure matches (e-mail, handle, full name, first +
last word).  When none fits, this index offers the people a chair most likely
meant, best first, but never decides: the chair picks one, creates a new
person or skips the line.

Hints, in this order of strength:

1. ``"First L."`` / ``"First L"``: first name and the initial of the last name
   ("Elena P." → Elena Petrova);
2. ``"F. Last"``: initial of the first name and the last name;
3. a single word that is someone's first name ("Adrien" → Adrien Lebre) or last
   name ("Petrova");
4. the same two names in the other order ("Zhang Wei" → Wei Zhang);
5. initials: ``"AL"``, ``"A.L."`` or ``"A. L."`` ("AL" → Adrien Lebre).

Every comparison uses ``names.normalize_name`` (accents removed, other scripts
transliterated, case folded), so "Zoe" hints at "Zoë Adams" and "Elena" at
"Елена Петрова".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from typing import Protocol

from meetbot.domain.name_norm import normalize_name

__all__ = ["MAX_HINTS", "HintIndex", "Named"]

MAX_HINTS = 5

# "AL", "ALB" (capitals only) or "A.L.", "A. L.", "A.L" (dotted letters).
_INITIALS_RE = re.compile(r"^(?:[A-Z]{2,3}|(?:[A-Za-z]\.\s?){1,2}[A-Za-z]\.?)$")


class Named(Protocol):
    """What a hint needs of a person (``names.PersonKey`` fits)."""

    @property
    def id(self) -> Hashable: ...

    @property
    def display_name(self) -> str: ...


def _initials_of(words: Sequence[str]) -> str:
    return "".join(w[0] for w in words if w)


class HintIndex:
    """Lookup tables built once; ``hints`` is a few dict look-ups."""

    def __init__(self, people: Iterable[Named]) -> None:
        self._first: dict[str, list[Named]] = defaultdict(list)
        self._last: dict[str, list[Named]] = defaultdict(list)
        self._first_initial: dict[tuple[str, str], list[Named]] = defaultdict(list)
        self._initial_last: dict[tuple[str, str], list[Named]] = defaultdict(list)
        self._initials: dict[str, list[Named]] = defaultdict(list)
        self._pair: dict[tuple[str, str], list[Named]] = defaultdict(list)
        for person in people:
            words = normalize_name(person.display_name).split()
            if len(words) < 2:
                continue
            first, last = words[0], words[-1]
            self._first[first].append(person)
            self._last[last].append(person)
            self._first_initial[(first, last[0])].append(person)
            self._initial_last[(first[0], last)].append(person)
            self._initials[_initials_of(words)].append(person)
            self._pair[(first, last)].append(person)
            if len(words) > 2:
                self._initials[first[0] + last[0]].append(person)

    def hints(self, text: str) -> tuple[Named, ...]:
        """The people ``text`` (a name or single word) may mean, best first, at most
        ``MAX_HINTS``; empty when nothing comes close."""
        words = normalize_name(text).split()
        found: list[Named] = []
        if len(words) >= 2:
            first, last = words[0], words[-1]
            if len(last) == 1:
                found += self._first_initial.get((first, last), [])
            if len(first) == 1:
                found += self._initial_last.get((first, last), [])
            found += self._pair.get((last, first), [])
        elif len(words) == 1 and len(words[0]) > 1:
            found += self._first.get(words[0], [])
            found += self._last.get(words[0], [])
        stripped = text.strip()
        if _INITIALS_RE.match(stripped):
            found += self._initials.get("".join(words), [])
        unique = list(dict.fromkeys(found))
        return tuple(unique[:MAX_HINTS])

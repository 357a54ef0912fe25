"""Match free-text identities ("Alice Smith", "alice@example.org", "@alice",
"Alice Smith <alice@example.org>") to known people.

Rules, tried in this order; the first rule that finds anyone decides:

1. email, exact after case-folding;
2. handle (chat nick / alias), exact after case-folding and removing one
   leading ``@``;
3. display name, exact after normalisation (case-folded, accents removed,
   punctuation dropped, whitespace collapsed);
4. first + last word of the normalised name ("Alice B. Smith" and
   "Alice Smith" both have the key ("alice", "smith")).

One candidate gives ``matched``; more than one gives ``ambiguous``; none gives
``new``, with ``suggestions`` ("did you mean": first name, "First L.",
initials..., see ``name_hints``) that are never a match by themselves.

A candidate whose own email differs from the token's email is never
matched by handle or name: two different addresses are two different people.

``split_identity`` turns one token into name / email / handle / org parts; the
participants parser uses it for every entry of a pasted list.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from meetbot.domain.name_hints import HintIndex
from meetbot.domain.name_norm import normalize_name

__all__ = [
    "Identity",
    "MatchResult",
    "PeopleIndex",
    "PersonKey",
    "match",
    "name_key",
    "normalize_email",
    "normalize_handle",
    "normalize_name",
    "split_identity",
]

MatchStatus = Literal["matched", "new", "ambiguous"]

_EMAIL_RE = re.compile(r"^[^\s@<>(),;:\"]+@[^\s@<>(),;:\"]+\.[^\s@<>(),;:\"]+$")
_ANGLE_EMAIL_RE = re.compile(r"^(?P<name>.*?)\s*<\s*(?P<email>[^<>\s]+@[^<>\s]+)\s*>\s*$")
_PAREN_RE = re.compile(r"^(?P<main>.*?)\s*\((?P<inner>[^()]*)\)\s*$")
_NICK_RE = re.compile(r"^@?[A-Za-z_\[\]\\^{}|`][A-Za-z0-9_\-\[\]\\^{}|`.]*$")
# A capitalised or all-capitals word ("Intel", "IBM") reads as an organisation,
# not a nick; nicks are usually lower-case or mixed ("jdoe", "JohnD", "bob_").
_WORDLIKE_RE = re.compile(r"^(?:[A-Z][a-z]+|[A-Z]{2,})$")
# Parenthesised words that describe a role in the call, not a person.
_ROLE_WORDS = {
    "host",
    "co-host",
    "cohost",
    "guest",
    "me",
    "organizer",
    "organiser",
    "presenter",
    "external",
    "unverified",
    "unverified guest",
    "you",
    "chair",
    "co-chair",
    "he/him",
    "she/her",
    "they/them",
}


def normalize_email(email: str) -> str:
    """Case-folded, stripped email (the whole address is compared case-insensitively)."""
    return email.strip().strip("<>").strip().casefold()


def normalize_handle(handle: str) -> str:
    """Case-folded handle without one leading ``@`` and IRC mode prefixes."""
    h = handle.strip()
    h = h.lstrip("~&%+")
    if h.startswith("@"):
        h = h[1:]
    return h.strip().casefold()


def name_key(name: str) -> tuple[str, str] | None:
    """(first word, last word) of the normalised name; None for a single word."""
    words = normalize_name(name).split()
    if len(words) < 2:
        return None
    return words[0], words[-1]


@dataclass(frozen=True)
class Identity:
    """The parts of one free-text identity; any may be None."""

    name: str | None = None
    email: str | None = None
    handle: str | None = None
    org: str | None = None

    @property
    def display(self) -> str:
        """Best human label: the name, else the handle, else the email."""
        return self.name or self.handle or self.email or ""


def _clean(text: str) -> str:
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf") or ch == " ")
    return " ".join(text.split())


def _unflip(name: str) -> str:
    """Directory style "Last, First" (exactly one comma) becomes "First Last"."""
    if name.count(",") == 1:
        last, first = (p.strip() for p in name.split(","))
        if last and first:
            return f"{first} {last}"
    return name


def split_identity(token: str) -> Identity:
    """Split one token into name, email, handle and organisation.

    Forms understood (decided for this project):

    * ``alice@example.org`` or ``<alice@example.org>``: email;
    * ``Alice Smith <alice@example.org>`` (quotes around the name allowed);
    * ``@alice``: handle;
    * ``alice``: a single word is taken as a handle (it is also tried as a name
      when matching);
    * ``Alice Smith (alice)``, ``(@alice)``, ``(jdoe42)``: a single nick-like
      word in parentheses is a handle;
    * ``Alice Smith (Intel)``, ``(IBM)``, ``(Acme Corp)``: a capitalised or
      all-capitals word, or several words, is an organisation;
    * ``Alice Smith (Host)``, ``(Guest)``, ``(me)``: call roles are dropped;
    * ``Smith, Alice`` (exactly one comma, e.g. inside quotes or a CSV cell)
      is read as "Alice Smith";
    * anything else: a name.
    """
    text = _clean(token)
    name: str | None = None
    email: str | None = None
    handle: str | None = None
    org: str | None = None

    m = _ANGLE_EMAIL_RE.match(text)
    if m and _EMAIL_RE.match(m.group("email")):
        email = m.group("email")
        text = m.group("name").strip().strip("\"'").strip()
    # Peel off trailing parentheses: "(Host)", "(alice)", "(Acme)".
    for _ in range(3):
        pm = _PAREN_RE.match(text)
        if not pm or not pm.group("main"):
            break
        inner = pm.group("inner").strip()
        text = pm.group("main").strip()
        if not inner or inner.casefold() in _ROLE_WORDS:
            continue
        if _EMAIL_RE.match(inner) and email is None:
            email = inner
        elif inner.startswith("@") or (
            " " not in inner and _NICK_RE.match(inner) and not _WORDLIKE_RE.match(inner)
        ):
            handle = handle or inner.lstrip("@")
        else:
            org = org or inner
    text = text.strip().strip("\"'").strip()
    if text:
        if _EMAIL_RE.match(text.strip("<>")) and email is None:
            email = text.strip("<>")
        elif text.startswith("@") and " " not in text and len(text) > 1:
            handle = handle or text[1:]
        elif " " not in text and _NICK_RE.match(text) and handle is None and email is None:
            handle = text
        else:
            name = _unflip(text)
    return Identity(name=name or None, email=email or None, handle=handle or None, org=org)


@dataclass(frozen=True)
class PersonKey:
    """What the matcher knows of a person."""

    id: Hashable
    display_name: str
    email: str | None = None
    handles: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchResult:
    """Outcome of matching one token.

    ``person`` is set when ``status == "matched"``; ``candidates`` lists every
    person that fitted (one for matched, several for ambiguous).  ``name``,
    ``email`` and ``handle`` are what was read from the token (useful to
    create a new person), ``via`` says which rule decided.
    """

    status: MatchStatus
    person: PersonKey | None = None
    candidates: tuple[PersonKey, ...] = ()
    name: str | None = None
    email: str | None = None
    handle: str | None = None
    via: str | None = None
    identity: Identity = field(default_factory=Identity)
    # "Did you mean": people a ``new`` result may be (never decided by the matcher).
    suggestions: tuple[PersonKey, ...] = ()


class PeopleIndex:
    """Index of people built once; ``match`` is then a few dict look-ups."""

    def __init__(self, people: Iterable[PersonKey]) -> None:
        self._by_email: dict[str, list[PersonKey]] = defaultdict(list)
        self._by_handle: dict[str, list[PersonKey]] = defaultdict(list)
        self._by_name: dict[str, list[PersonKey]] = defaultdict(list)
        self._by_first_last: dict[tuple[str, str], list[PersonKey]] = defaultdict(list)
        self._size = 0
        people = list(people)
        self._hints = HintIndex(people)
        for person in people:
            self._size += 1
            if person.email and person.email.strip():
                self._by_email[normalize_email(person.email)].append(person)
            for h in person.handles:
                nh = normalize_handle(h)
                if nh and person not in self._by_handle[nh]:
                    self._by_handle[nh].append(person)
            nn = normalize_name(person.display_name)
            if nn:
                self._by_name[nn].append(person)
            key = name_key(person.display_name)
            if key:
                self._by_first_last[key].append(person)

    def __len__(self) -> int:
        return self._size

    def match(self, token: str) -> MatchResult:
        """Match one free-text token (see ``split_identity`` for its forms)."""
        return self.match_identity(split_identity(token))

    def match_identity(self, identity: Identity) -> MatchResult:
        """Match already split parts (e.g. from a pasted list or a CSV row)."""
        email = normalize_email(identity.email) if identity.email else None

        def compatible(p: PersonKey) -> bool:
            return not (email and p.email and normalize_email(p.email) != email)

        def result(found: list[PersonKey], via: str) -> MatchResult | None:
            unique = list(dict.fromkeys(found))
            if not unique:
                return None
            status: MatchStatus = "matched" if len(unique) == 1 else "ambiguous"
            return MatchResult(
                status=status,
                person=unique[0] if status == "matched" else None,
                candidates=tuple(unique),
                name=identity.name,
                email=identity.email,
                handle=identity.handle,
                via=via,
                identity=identity,
            )

        steps: list[tuple[list[PersonKey], str]] = []
        if email:
            steps.append((self._by_email.get(email, []), "email"))
        if identity.handle:
            found = self._by_handle.get(normalize_handle(identity.handle), [])
            steps.append(([p for p in found if compatible(p)], "handle"))
        # A bare single word may be a name as well as a handle.
        name_text = identity.name or (identity.handle if not identity.name else None)
        if name_text:
            nn = normalize_name(name_text)
            steps.append(([p for p in self._by_name.get(nn, []) if compatible(p)], "name"))
            key = name_key(name_text)
            if key:
                found = self._by_first_last.get(key, [])
                steps.append(([p for p in found if compatible(p)], "first_last"))
        for found, via in steps:
            r = result(found, via)
            if r is not None:
                return r
        hint_text = identity.name or identity.handle
        hints = self._hints.hints(hint_text) if hint_text else ()
        return MatchResult(
            status="new",
            name=identity.name,
            email=identity.email,
            handle=identity.handle,
            identity=identity,
            suggestions=tuple(p for p in hints if compatible(p)),  # type: ignore[misc]
        )


def match(token: str, people: Iterable[PersonKey]) -> MatchResult:
    """Match one token against ``people`` (builds a throw-away index; use
    ``PeopleIndex`` to match many tokens)."""
    return PeopleIndex(people).match(token)

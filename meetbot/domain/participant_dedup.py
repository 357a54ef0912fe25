"""Collapsing the same person read twice from a list or an export into one identity
(same e-mail, same handle, or same normalised name without conflicting e-mails),
filling in the parts the first reading lacked."""

from __future__ import annotations

from dataclasses import replace

from meetbot.domain.call_spans import covered_minutes
from meetbot.domain.names import normalize_email, normalize_handle, normalize_name
from meetbot.domain.participants import ParsedIdentity, ParsedParticipant


class IdentityCollector:
    """Collapses duplicates while keeping first-seen order."""

    def __init__(self) -> None:
        self.items: list[ParsedIdentity] = []
        self._by_email: dict[str, int] = {}
        self._by_handle: dict[str, int] = {}
        self._by_name: dict[str, int] = {}

    def _find(self, ident: ParsedIdentity) -> list[int]:
        """Indices of earlier entries that are the same person, in order."""
        found: set[int] = set()
        if ident.email:
            idx = self._by_email.get(normalize_email(ident.email))
            if idx is not None:
                found.add(idx)
        if ident.handle:
            idx = self._by_handle.get(normalize_handle(ident.handle))
            if idx is not None and self._emails_agree(self.items[idx], ident):
                found.add(idx)
        if ident.name:
            idx = self._by_name.get(normalize_name(ident.name))
            if idx is not None and self._emails_agree(self.items[idx], ident):
                found.add(idx)
        return sorted(found)

    @staticmethod
    def _emails_agree(a: ParsedIdentity, b: ParsedIdentity) -> bool:
        return not (a.email and b.email and normalize_email(a.email) != normalize_email(b.email))

    def _index(self, idx: int) -> None:
        ident = self.items[idx]
        if ident.email:
            self._by_email.setdefault(normalize_email(ident.email), idx)
        if ident.handle:
            self._by_handle.setdefault(normalize_handle(ident.handle), idx)
        if ident.name and normalize_name(ident.name):
            self._by_name.setdefault(normalize_name(ident.name), idx)

    @staticmethod
    def _merge(old: ParsedIdentity, new: ParsedIdentity) -> ParsedIdentity:
        merged = replace(
            old,
            name=old.name or new.name,
            email=old.email or new.email,
            handle=old.handle or new.handle,
            org=old.org or new.org,
        )
        if isinstance(old, ParsedParticipant) and isinstance(new, ParsedParticipant):
            if old.spans and new.spans:
                spans = old.spans + new.spans
                return replace(merged, spans=spans, duration_minutes=covered_minutes(spans))
            durations = [d for d in (old.duration_minutes, new.duration_minutes) if d is not None]
            total = sum(durations) if durations else None
            merged = replace(merged, duration_minutes=total, spans=())
        return merged

    def _reindex(self) -> None:
        self._by_email.clear()
        self._by_handle.clear()
        self._by_name.clear()
        for i in range(len(self.items)):
            self._index(i)

    def add(self, ident: ParsedIdentity) -> bool:
        """Add or merge; True when a new identity was added."""
        found = self._find(ident)
        if not found:
            self.items.append(ident)
            self._index(len(self.items) - 1)
            return True
        first = found[0]
        merged = self._merge(self.items[first], ident)
        # The new entry may link two earlier ones ("Alice Smith" and
        # "alice@example.org" joined by "Alice Smith <alice@example.org>").
        for idx in found[1:]:
            if self._emails_agree(merged, self.items[idx]):
                merged = self._merge(merged, self.items[idx])
            else:
                found.remove(idx)
        self.items[first] = merged
        if len(found) > 1:
            for idx in reversed(found[1:]):
                del self.items[idx]
            self._reindex()
        else:
            self._index(first)
        return False

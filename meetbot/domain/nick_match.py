"""Find which nicks an action item's text names, for all nicks in one pass.

MeetBot files an ``#action`` under every known nick that occurs in its text as a
whole word, case-insensitively (``makeNickRE``: ``\\b`` + nick + ``\\b`` with
``re.IGNORECASE``; we use "no word character" on both sides, see
``meetbot_log.nick_pattern``). Doing that with one regular expression per nick per
action costs nicks x actions searches: a log of 1,000 actions by 1,000 nicks took
25 s. ``OwnerIndex`` is built once per log and answers each action in one pass
over its text, whatever the number of nicks:

* nicks are case-folded into a trie (dict of dicts), one character per level;
* candidate starts are the positions not preceded by a word character whose
  character can begin a nick (one C-level regex scan of the text);
* from each start the trie is walked along the folded text; a nick matches where
  its trie node ends and the next character is not a word character.

The folding (``fold``) puts two characters together exactly when Python's
``re.IGNORECASE`` matches one with the other (``i``/``I``/``ı``/``İ``, ``s``/``ſ``,
``k``/Kelvin sign, ...), and keeps the text's length, so positions in the folded
text are positions in the original. A test compares ``OwnerIndex`` with the
one-regex-per-nick reference on generated Unicode text.

``probes`` counts trie steps: the work done, for tests that check the matching
stays linear without timing it. Real logs take one or two steps per character of
action text; only nicks made of punctuation repeated in long runs of the same
punctuation (``[[[[``...) take up to one step per character of the nick at each
position. ``MAX_PROBES`` bounds that: past it ``OwnerMatchTooCostly`` is raised (a
5 MB log of real actions takes about 3.5 million steps; the bound is 20 million,
about two seconds).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

__all__ = ["MAX_PROBES", "OwnerIndex", "OwnerMatchTooCostly", "fold"]

MAX_PROBES = 20_000_000


class OwnerMatchTooCostly(ValueError):
    """Matching the nicks took more than ``MAX_PROBES`` trie steps."""


T = TypeVar("T")

# Characters that re.IGNORECASE matches with others although neither
# ``c.upper().lower()`` nor ``c.lower()`` is one character equal to theirs.
_FOLD_EXTRA = {
    "\u0130": "i",  # LATIN CAPITAL LETTER I WITH DOT ABOVE
    "\u1fd3": "\u0390",  # GREEK SMALL LETTER IOTA WITH DIALYTIKA AND OXIA
    "\u1fe3": "\u03b0",  # GREEK SMALL LETTER UPSILON WITH DIALYTIKA AND OXIA
    "\ufb05": "\ufb06",  # LATIN SMALL LIGATURE LONG S T
}


class _FoldTable(dict):
    """A ``str.translate`` table that folds each character on first sight."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = _FOLD_EXTRA.get(char)
        if folded is None:
            folded = char.upper().lower()
            if len(folded) != 1:
                folded = char.lower() if len(char.lower()) == 1 else char
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()
_END = ""  # trie key marking "a nick ends here" (never a character of the text)


def fold(text: str) -> str:
    """``text`` case-folded one character for one character, the way
    ``re.IGNORECASE`` compares characters."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_TABLE)


def _is_word(char: str) -> bool:
    """``re``'s ``\\w`` for one character."""
    return char.isalnum() or char == "_"


class OwnerIndex(Generic[T]):
    """Nicks (keys of ``handles``) to look for in action texts; ``owners(text)``
    returns the values of the nicks found, MeetBot's way."""

    def __init__(self, handles: Mapping[str, T]) -> None:
        self._handles = dict(handles)
        self._trie: dict[str, dict] = {}
        self.probes = 0
        first: set[str] = set()
        for nick in self._handles:
            if not nick.strip():
                continue
            node = self._trie
            for char in fold(nick):
                node = node.setdefault(char, {})
            node.setdefault(_END, []).append(nick)
            first.add(nick[0])
        # MeetBot's order: nicks sorted case-insensitively.
        ordered = sorted(self._handles, key=lambda n: (n.casefold(), n))
        self._rank = {nick: rank for rank, nick in enumerate(ordered)}
        starts = "".join(sorted(re.escape(c) for c in first))
        self._starts = re.compile(r"(?<!\w)(?=[" + starts + "])", re.IGNORECASE) if first else None

    def nicks_in(self, text: str) -> set[str]:
        """The nicks that occur in ``text`` as whole words, case-insensitively."""
        found: set[str] = set()
        if self._starts is None:
            return found
        folded = fold(text)
        size = len(text)
        for match in self._starts.finditer(text):
            node = self._trie
            for end in range(match.start(), size):
                self.probes += 1
                node = node.get(folded[end])  # type: ignore[assignment]
                if node is None:
                    break
                if _END in node and (end + 1 == size or not _is_word(text[end + 1])):
                    found.update(node[_END])
            if self.probes > MAX_PROBES:
                raise OwnerMatchTooCostly(
                    f"finding the owners of the #action items takes more than {MAX_PROBES:,} "
                    "steps (nicks of repeated punctuation?)"
                )
        return found

    def owners(self, text: str) -> list[T]:
        """Values of the nicks found in ``text``, in MeetBot's order, each once."""
        return self._values(sorted(self.nicks_in(text), key=self._rank.__getitem__))

    def _values(self, nicks: Iterable[str]) -> list[T]:
        owners: list[T] = []
        seen: set = set()
        for nick in nicks:
            value = self._handles[nick]
            try:
                if value in seen:
                    continue
                seen.add(value)
            except TypeError:  # unhashable: compare with each owner so far
                if any(value is o or value == o for o in owners):
                    continue
            owners.append(value)
        return owners

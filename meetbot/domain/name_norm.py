"""The compare form of a person's name (shared by ``names`` and ``name_hints``)."""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

__all__ = ["normalize_name"]


def normalize_name(name: str) -> str:
    """Compare form of a person's name.

    Accents are removed (NFKD, combining marks dropped), other scripts are
    transliterated to Latin letters (anyascii: "Елена" == "Elena"), case is
    folded, apostrophes vanish ("O'Brien" == "OBrien"), other punctuation
    becomes a space ("Jean-Luc" == "Jean Luc") and whitespace is collapsed.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = anyascii(stripped).casefold()
    folded = re.sub(r"['\u2019`]", "", folded)
    folded = re.sub(r"[^\w]+|_", " ", folded)
    return " ".join(folded.split())

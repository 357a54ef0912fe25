"""The password policy: long enough and not guessable, checked without any network call.

Strength is zxcvbn's estimate (Dropbox's model: common passwords, dictionary words,
names, keyboard patterns, dates, l33t substitutions), with the person's own name and
e-mail address counted as known words.
"""

from __future__ import annotations

from collections.abc import Iterable

from meetbot.lazy import first_use

MIN_LENGTH = 10
MAX_LENGTH = 200
MIN_SCORE = 3  # zxcvbn: 0 too guessable ... 4 very unguessable
# zxcvbn's cost grows with the length; what follows the first 100 characters only helps.
_SCORED_PREFIX = 100


def password_problem(password: str, known_words: Iterable[str] = ()) -> str | None:
    """What is wrong with ``password`` as a new password, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    words = [w for word in known_words for w in _parts(word)]
    # Imported at the first check, not at start-up: zxcvbn's word lists are ~50 ms of
    # create_app() in a fresh process (issue 19); it imports nothing of meetbot.
    estimator = first_use("zxcvbn")
    result = estimator.zxcvbn(password[:_SCORED_PREFIX], user_inputs=words)
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result.get("feedback") or {}
    hint = feedback.get("warning") or " ".join(feedback.get("suggestions") or ())
    message = "This password is too easy to guess."
    return f"{message} {hint}".strip() if hint else f"{message} Add a few uncommon words."


def _parts(word: str) -> list[str]:
    """A name or address and its pieces ("ann.lee@example.org": ann, lee, example...)."""
    word = (word or "").lower()
    pieces = [word]
    for sep in "@. -_+":
        pieces = [p for piece in pieces for p in piece.split(sep)]
    joined = "".join(pieces)  # "Ann Lee" also as "annlee"
    return [word, joined, *(p for p in pieces if len(p) >= 3)] if word else []

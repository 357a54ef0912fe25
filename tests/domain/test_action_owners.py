"""Owners of a chair's ``#action`` line (domain.action_owners): the log import's
whole-word rule over handles, e-mails and names; the attendance matcher's hints for
the first word; an ambiguous word assigns nobody."""

from __future__ import annotations

from meetbot.domain.action_owners import find_owners
from meetbot.domain.names import PersonKey

PRIYA = PersonKey(1, "Priya Raman", "priya.raman@example.org", ("praman",))
WEI = PersonKey(2, "Wei Zhang", "wei@example.org", ("wzhang",))
WEI_CHEN = PersonKey(3, "Wei Chen", "wchen@example.org", ("wei",))
WEI_LI = PersonKey(4, "Wei Li", "weili@example.org", ("wei",))
ELENA = PersonKey(5, "Elena Petrova", None, ("elenap",))
ZOE = PersonKey(6, "Zoë Adams", "zoe@example.org", ())
PEOPLE = [PRIYA, WEI, WEI_CHEN, WEI_LI, ELENA, ZOE]


def _ids(text: str) -> list:
    return [p.id for p in find_owners(text, PEOPLE).owners]


def test_handle_name_and_email_assign_the_owner() -> None:
    assert _ids("praman send the draft") == [1]
    assert _ids("PRAMAN: send the draft") == [1]
    assert _ids("Priya Raman to send the draft") == [1]
    assert _ids("priya.raman@example.org send the draft") == [1]
    assert _ids("@praman send the draft") == [1]


def test_several_owners_and_whole_words_only() -> None:
    assert sorted(_ids("praman and wzhang to compare notes")) == [1, 2]
    # "pramanx" and "xpraman" are other words.
    assert _ids("check pramanx and xpraman logs") == []


def test_a_word_of_several_people_is_not_guessed() -> None:
    finding = find_owners("wei to book the room", PEOPLE)
    assert finding.owners == ()
    assert finding.unsure == (("wei", (WEI_CHEN, WEI_LI)),)


def test_a_first_name_is_only_a_suggestion() -> None:
    finding = find_owners("Elena to write the summary", PEOPLE)
    assert finding.owners == ()
    assert finding.unsure == (("Elena", (ELENA,)),)


def test_email_case_does_not_matter_and_a_first_name_without_accent_is_a_hint() -> None:
    assert _ids("ZOE@Example.org reviews") == [6]
    # "Zoe" is a first name of Zoë Adams (transliterated): a suggestion only.
    assert find_owners("Zoe reviews", PEOPLE).unsure == (("Zoe", (ZOE,)),)


def test_no_owner_and_no_note_for_ordinary_text() -> None:
    finding = find_owners("review the draft by Friday", PEOPLE)
    assert finding.owners == () and finding.unsure == ()

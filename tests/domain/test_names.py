"""Matching free-text identities to people."""

from __future__ import annotations

import random

import pytest

from meetbot.domain.names import (
    Identity,
    PeopleIndex,
    PersonKey,
    match,
    normalize_name,
    split_identity,
)

ALICE = PersonKey(1, "Alice Smith", "alice@example.org", ("alice", "asmith"))
ALICE2 = PersonKey(2, "Alice Jones", "ajones@example.org", ("aj",))
BOB = PersonKey(3, "Bob Müller", None, ("bobm",))
JOSE = PersonKey(4, "José Ramírez-Ortiz", "jose@example.com")
ALICE_S = PersonKey(5, "Alice B. Smith", "abs@example.net")
SEAN = PersonKey(6, "Seán O'Brien", None)
PEOPLE = [ALICE, ALICE2, BOB, JOSE, ALICE_S, SEAN]


@pytest.fixture(scope="module")
def index():
    return PeopleIndex(PEOPLE)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Alice   SMITH ", "alice smith"),
        ("José Ramírez-Ortiz", "jose ramirez ortiz"),
        ("Seán O’Brien", "sean obrien"),
        ("Straße", "strasse"),
    ],
)
def test_normalize_name(raw, expected):
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("alice@example.org", Identity(email="alice@example.org")),
        ("<alice@example.org>", Identity(email="alice@example.org")),
        ("Alice Smith <alice@example.org>", Identity("Alice Smith", "alice@example.org")),
        ('"Smith, Alice" <a@x.org>', Identity("Alice Smith", "a@x.org")),
        ("@alice", Identity(handle="alice")),
        ("alice", Identity(handle="alice")),
        ("Alice Smith (asmith)", Identity("Alice Smith", handle="asmith")),
        ("Alice Smith (@Alice)", Identity("Alice Smith", handle="Alice")),
        ("Alice Smith (Intel)", Identity("Alice Smith", org="Intel")),
        ("Alice Smith (IBM)", Identity("Alice Smith", org="IBM")),
        ("Alice Smith (Acme Corp)", Identity("Alice Smith", org="Acme Corp")),
        ("Alice Smith (Host)", Identity("Alice Smith")),
        ("Alice Smith (Host) (asmith)", Identity("Alice Smith", handle="asmith")),
        ("Bob (bob@x.io)", Identity("Bob", email="bob@x.io")),
    ],
)
def test_split_identity(token, expected):
    assert split_identity(token) == expected


def test_email_exact_case_insensitive(index):
    r = index.match("ALICE@Example.org")
    assert (r.status, r.person, r.via) == ("matched", ALICE, "email")


def test_handle_with_or_without_at(index):
    assert index.match("@ASmith").person == ALICE
    assert index.match("bobm").person == BOB
    assert index.match("bobm").via == "handle"


def test_display_name_exact_normalised(index):
    r = index.match("jose ramirez ortiz")
    assert (r.status, r.person, r.via) == ("matched", JOSE, "name")
    assert index.match("SEAN O'BRIEN").person == SEAN
    assert index.match("Bob Muller").person == BOB


def test_exact_name_beats_first_last(index):
    # "Alice Smith" is exactly ALICE's name although ALICE_S shares first+last
    r = index.match("Alice Smith")
    assert (r.status, r.person) == ("matched", ALICE)


def test_first_last_unique_and_ambiguous():
    idx = PeopleIndex([JOSE, BOB])
    r = idx.match("José Luis Ortiz")
    assert (r.status, r.person, r.via) == ("matched", JOSE, "first_last")
    r = PeopleIndex(PEOPLE).match("Alice Q. Smith")
    assert r.status == "ambiguous"
    assert set(r.candidates) == {ALICE, ALICE_S}
    assert r.person is None


def test_new_person_keeps_parts(index):
    r = index.match("Carol Danvers <carol@example.org>")
    assert (r.status, r.name, r.email, r.person) == (
        "new",
        "Carol Danvers",
        "carol@example.org",
        None,
    )
    assert index.match("alice").status == "matched"  # handle
    assert index.match("Alice").status == "matched"
    assert index.match("zed").status == "new"


def test_different_email_is_a_different_person(index):
    r = index.match("Alice Smith <other@elsewhere.org>")
    assert r.status == "new"
    # a candidate without an email may still match by name
    assert index.match("Bob Müller <bob@new.org>").person == BOB


def test_last_first_token(index):
    assert index.match("Ramírez-Ortiz, José").person == JOSE


def test_duplicate_handles_are_ambiguous():
    p1 = PersonKey(1, "A One", handles=("dup",))
    p2 = PersonKey(2, "A Two", handles=("DUP",))
    r = match("@dup", [p1, p2])
    assert r.status == "ambiguous" and set(r.candidates) == {p1, p2}


def test_index_matches_50_tokens_against_20000_people():
    rng = random.Random(7)
    firsts = [f"first{i}" for i in range(400)]
    lasts = [f"last{i}" for i in range(300)]
    people = [
        PersonKey(
            i,
            f"{rng.choice(firsts)} {rng.choice(lasts)}",
            f"user{i}@example.org",
            (f"nick{i}",),
        )
        for i in range(20_000)
    ]
    idx = PeopleIndex(people)
    tokens = [f"user{i}@example.org" for i in range(0, 20_000, 1000)]
    tokens += [f"@nick{i}" for i in range(5, 20_000, 1000)]
    tokens += [people[i].display_name for i in range(3, 20_000, 2000)]
    assert len(tokens) == 50
    results = [idx.match(t) for t in tokens]
    assert [r.person for r in results[:40]] == [people[i] for i in range(0, 20_000, 1000)] + [
        people[i] for i in range(5, 20_000, 1000)
    ]
    # A display name is matched when one person has it, ambiguous when several share it
    # (random names from 400 x 300 parts: some of the 20,000 repeat).
    for token, result in zip(tokens[40:], results[40:], strict=True):
        holders = [p for p in people if p.display_name == token]
        if len(holders) == 1:
            assert (result.status, result.person) == ("matched", holders[0]), token
        else:
            assert result.status == "ambiguous" and set(result.candidates) == set(holders), token
    # Speed is not asserted here (no timed tests on a shared machine): the index is
    # dicts built once, and match() only looks tokens up in them.

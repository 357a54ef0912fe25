"""Pasted attendee lists and video-call participant exports."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meetbot.domain.participant_csv import parse_duration_minutes, parse_participant_csv
from meetbot.domain.participants import ParsedParticipant, ParticipantsError
from meetbot.domain.pasted_list import parse_pasted_list

DATA = Path(__file__).parent / "data"

# 45 people of a working-group call (hand-written; accents, Last-First forms,
# people without e-mail).
ROSTER = [
    ("Alice Smith", "alice@example.org"),
    ("Bob Müller", "bob.mueller@example.de"),
    ("Chen Wei", "chen.wei@example.cn"),
    ("Dana Smith", "dana.smith@contoso.com"),
    ("Erin Example", "erin@fabrikam.com"),
    ("François Dupont", "fdupont@example.fr"),
    ("Gita Sharma", "gita@example.in"),
    ("Hiro Tanaka", "hiro.tanaka@example.jp"),
    ("Ines Garcia", "ines@example.es"),
    ("Jakub Nowak", "jakub@example.pl"),
    ("Kofi Mensah", "kofi@example.gh"),
    ("Lena Johansson", "lena.j@example.se"),
    ("Mateo Rossi", "mateo@example.it"),
    ("Nadia Haddad", "nadia@example.lb"),
    ("Oluwaseun Adeyemi", "seun@example.ng"),
    ("Priya Nair", "priya.nair@example.org"),
    ("Quentin Leroy", "quentin@example.fr"),
    ("Rosa Fernández", "rosa@example.mx"),
    ("Sven Olsen", "sven@example.no"),
    ("Tomás Ó Briain", "tomas@example.ie"),
    ("Uma Patel", "uma.patel@example.co.uk"),
    ("Viktor Petrov", "viktor@example.bg"),
    ("Wen Li", "wen.li@example.tw"),
    ("Ximena Torres", "ximena@example.cl"),
    ("Yusuf Demir", "yusuf@example.tr"),
    ("Zoë Ødegaard", "zoe@example.no"),
    ("Aarav Gupta", "aarav@example.in"),
    ("Beatriz Santos", "bia@example.br"),
    ("Carlos Mendes", "cmendes@example.pt"),
    ("Daniela Weber", "dweber@example.at"),
    ("Emeka Obi", "emeka@example.ng"),
    ("Fatima Zahra", "fatima@example.ma"),
    ("Gustavo Lima", "glima@example.br"),
    ("Hannah Schmidt", "hannah@example.de"),
    ("Ivan Horvat", "ivan@example.hr"),
    ("Julia Kowalski", "julia.k@example.pl"),
    ("Kenji Sato", "kenji@example.jp"),
    ("Laura Bianchi", "laura@example.it"),
    ("Mohammed Al-Farsi", "mfarsi@example.om"),
    ("Nora Lindqvist", None),
    ("Oscar Nilsson", None),
    ("Paula Ortiz", None),
    ("Raj Kumar", None),
    ("Sara Cohen", None),
    ("Tariq Aziz", None),
]
assert len(ROSTER) == 45


# ---------------------------------------------------------------- pasted lists


def test_pasted_fixture():
    got = parse_pasted_list((DATA / "pasted_attendees.txt").read_text(encoding="utf-8"))
    summary = [(p.name, p.email, p.handle, p.org, p.line) for p in got]
    assert summary == [
        ("Alice Smith", "alice@example.org", None, None, 2),
        (None, None, "bob_m", None, 3),
        (None, None, "carol", None, 4),
        ("Dana Smith", None, "dsmith", None, 5),
        ("Erin Example", None, None, "Fabrikam Inc", 6),
        # commas separate entries: "Frank, Grace" is two people
        (None, None, "Frank", None, 7),
        (None, None, "Grace", None, 7),
        ("Heidi", "heidi@example.org", None, None, 7),
        ("Irina Ivanova", None, None, None, 8),  # quoted "Last, First"
        (None, None, "Judy", None, 13),  # "(Host)" dropped
    ]
    # alice@EXAMPLE.org, ALICE SMITH and @Carol were duplicates
    assert got[0].raw == "Alice Smith <alice@example.org>"


def test_pasted_duplicates_merge_missing_parts():
    got = parse_pasted_list("Alice Smith\nalice@example.org\nAlice Smith <alice@example.org>\n")
    # "Alice Smith" and the bare address are two entries until the third line
    # links them: they become one person with both parts.
    assert [(p.name, p.email, p.line) for p in got] == [("Alice Smith", "alice@example.org", 1)]


def test_pasted_conflicting_emails_stay_apart():
    got = parse_pasted_list("Alex Kim <a@x.org>\nAlex Kim <alex@y.org>\n")
    assert len(got) == 2


def test_pasted_45_people_mixed_forms_with_repeats():
    lines = []
    for i, (name, email) in enumerate(ROSTER):
        if email and i % 3 == 0:
            lines.append(f"{name} <{email}>")
        elif email and i % 3 == 1:
            lines.append(email)
        else:
            lines.append(f"- {name}")
    # people paste the chat twice, add blank lines and separators
    text = "Attendees:\n" + "\n".join(lines) + "\n\n" + "; ".join(lines[:10]) + "\n"
    got = parse_pasted_list(text)
    assert len(got) == 45


def test_pasted_limits():
    with pytest.raises(ParticipantsError, match="too large"):
        parse_pasted_list("a" * 300_000)
    many = "\n".join(f"person{i}" for i in range(2_001))
    with pytest.raises(ParticipantsError, match="too many people"):
        parse_pasted_list(many)
    assert len(parse_pasted_list(many, max_lines=5_000)) == 2_001
    with pytest.raises(ParticipantsError, match="too long"):
        parse_pasted_list("x" * 400)


def test_pasted_blank_and_junk():
    assert parse_pasted_list("\n\n  ,, ;; --- \n***\n") == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2_000))
def test_pasted_fuzz(text):
    try:
        got = parse_pasted_list(text)
    except ParticipantsError:
        return
    assert all(p.name or p.email or p.handle for p in got)


# ---------------------------------------------------------------- CSV exports


def summary(rows: list[ParsedParticipant]):
    return [(p.name, p.email, p.duration_minutes) for p in rows]


def test_zoom_with_meeting_summary_above_header():
    rows = parse_participant_csv((DATA / "zoom_participants.csv").read_bytes())
    assert summary(rows) == [
        ("Alice Smith", "alice@example.org", 62),
        ("Bob Müller", None, 19 + 35),  # "(Original Name)" removed; two joins summed
        ("José Ramírez", "jose@example.com", 48),  # "Ramírez, José"
        ("Carol Danvers", "CAROL@example.org", 27 + 25),  # same e-mail, other name
    ]
    assert rows[0].line == 5


def test_google_meet_first_last_columns_with_bom():
    rows = parse_participant_csv((DATA / "meet_attendance.csv").read_bytes())
    assert summary(rows) == [
        ("Alice Smith", "alice@example.org", 62),
        ("Zoë Ødegaard", "zoe@example.no", 45),
        ("Bob Müller", None, 30),
    ]


def test_teams_old_utf16_tab_separated():
    rows = parse_participant_csv((DATA / "teams_attendance_old.csv").read_bytes())
    assert [(p.name, p.email) for p in rows] == [
        ("Alice Smith", "alice@example.org"),
        ("Dana Smith", "dana.smith@contoso.com"),  # "Smith, Dana", joined twice
        ("Guest Person", None),  # "(Unverified)" dropped
    ]
    assert rows[0].duration_minutes == pytest.approx(60 + 7 / 60)
    assert rows[1].duration_minutes == 50


def test_teams_new_sections_and_upn_fallback():
    rows = parse_participant_csv((DATA / "teams_attendance_new.csv").read_bytes())
    # "3. In-Meeting Activities" after the blank line is not read again
    assert summary(rows) == [
        ("Alice Smith", "alice@example.org", pytest.approx(60 + 7 / 60)),
        ("Erin Example", "erin@fabrikam.com", 30),
    ]


def _zoom_csv(roster) -> str:
    out = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"]
    for i, (name, email) in enumerate(roster):
        out.append(f'"{name}",{email or ""},x,y,{10 + i},No')
        if i % 4 == 0:  # dropped and rejoined
            out.append(f'"{name}",{email or ""},x,y,5,No')
    return "\n".join(out) + "\n"


def _meet_csv(roster) -> str:
    out = ["Email,Duration,Last name,First name"]  # columns in another order
    for name, email in roster:
        first, last = name.split(" ", 1)
        out.append(f"{email or ''},1 hr 2 min,{last},{first}")
    return "\n".join(out)


def _teams_old(roster) -> bytes:
    out = [
        "Meeting Summary",
        "Total Number of Participants\t45",
        "",
        "Full Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole\tParticipant ID (UPN)",
    ]
    for i, (name, email) in enumerate(roster):
        first, last = name.split(" ", 1)
        shown = f"{last}, {first}" if i % 2 else name
        out.append(f"{shown}\ta\tb\t1h 2m 3s\t{email or ''}\tAttendee\t{email or ''}")
        if i % 5 == 0:
            out.append(f"{shown}\ta\tb\t10m\t{email or ''}\tAttendee\t{email or ''}")
    return "\r\n".join(out).encode("utf-16")


def _teams_new(roster) -> bytes:
    out = [
        "1. Summary",
        "Attended participants\t45",
        "",
        "2. Participants",
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole",
    ]
    for name, email in roster:
        out.append(f"{name}\ta\tb\t45m 0s\t\t{email or ''}\tAttendee")
    out += ["", "3. In-Meeting Activities", "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole"]
    out += [f"{name}\ta\tb\t45m 0s\t\tAttendee" for name, _ in roster]
    return "\r\n".join(out).encode("utf-16-le")  # no BOM: detected by the NUL bytes


@pytest.mark.parametrize(
    "payload",
    [
        _zoom_csv(ROSTER),
        _zoom_csv(ROSTER).encode("utf-8-sig"),
        _meet_csv(ROSTER).encode("utf-8"),
        _teams_old(ROSTER),
        _teams_new(ROSTER),
    ],
    ids=["zoom-str", "zoom-bom", "meet", "teams-old-utf16", "teams-new-utf16le"],
)
def test_45_people_in_every_export_style(payload):
    rows = parse_participant_csv(payload)
    assert len(rows) == 45
    names = {p.name for p in rows}
    assert names == {name for name, _ in ROSTER}
    with_email = {p.email.casefold() for p in rows if p.email}
    assert with_email == {e.casefold() for _, e in ROSTER if e}


def test_zoom_durations_summed_for_rejoiners():
    rows = parse_participant_csv(_zoom_csv(ROSTER))
    assert rows[0].duration_minutes == 10 + 5
    assert rows[1].duration_minutes == 11


@pytest.mark.parametrize(
    ("cell", "minutes"),
    [
        ("45", 45),
        ("1 hr 2 min", 62),
        ("1h 0m 30s", 60.5),
        ("45m 12s", 45.2),
        ("00:45:30", 45.5),
        ("12:30", 12.5),
        ("2 hours", 120),
        ("", None),
        ("n/a", None),
    ],
)
def test_durations(cell, minutes):
    got = parse_duration_minutes(cell)
    assert got == (pytest.approx(minutes) if minutes is not None else None)


def test_csv_errors_name_what_is_missing():
    with pytest.raises(ParticipantsError) as exc:
        parse_participant_csv(b"Topic,Start Time,Guest\nfoo,bar,No\n")
    assert "no name or email column found; columns seen: Topic, Start Time, Guest" in str(exc.value)
    with pytest.raises(ParticipantsError, match="empty"):
        parse_participant_csv(b"   \n")
    with pytest.raises(ParticipantsError, match="too large"):
        parse_participant_csv(b"Name\n" + b"x\n" * 100, max_bytes=50)
    with pytest.raises(ParticipantsError, match="not UTF-8 or UTF-16"):
        parse_participant_csv(b"Name\nJos\xe9\n")  # Latin-1
    with pytest.raises(ParticipantsError, match="no participants"):
        parse_participant_csv("Name,Email\n,,\n")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=1_000), st.text(max_size=1_000)))
def test_csv_fuzz(data):
    try:
        rows = parse_participant_csv(data)
    except ParticipantsError:
        return
    assert rows and all(p.name or p.email for p in rows)


header_st = st.lists(
    st.sampled_from(["Name", "Email", "Duration", "First name", "Last name", "Role", "x"]),
    min_size=1,
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(header_st, st.lists(st.lists(st.text(max_size=12), max_size=5), max_size=10))
def test_csv_structured_fuzz(header, rows):
    text = "\n".join(",".join(f'"{c.replace(chr(34), "")}"' for c in r) for r in [header, *rows])
    try:
        got = parse_participant_csv(text)
    except ParticipantsError:
        return
    assert all(p.name or p.email for p in got)

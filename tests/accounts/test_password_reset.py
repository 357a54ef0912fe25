"""Password reset by mail (issue 15, point 4)."""

from __future__ import annotations

import time_machine
from sqlalchemy import func, select

from meetbot.extensions import db
from meetbot.models import AccountToken
from meetbot.services import accounts
from tests.accounts.mailbox import link_in, mails_to
from tests.conftest import TEST_PASSWORD

NEW = "copper fjord whistle 77"


def _ask(client, email="olga@example.org"):
    return client.post("/password-reset", data={"email": email})


def test_reset_sets_the_password_once_and_ends_every_login(app, client, create_user) -> None:
    olga = create_user("Olga", email="olga@example.org")
    other = app.test_client()
    other.post("/login", data={"email": "olga@example.org", "password": TEST_PASSWORD})
    assert other.get("/settings").status_code == 200
    assert _ask(client).status_code == 200
    [(kind, text)] = mails_to("olga@example.org")
    assert kind == "password_reset"
    path = link_in(text)
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    response = client.post(path, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302
    assert other.get("/settings").status_code == 302  # the other login ended
    assert client.get("/settings").status_code == 200  # this browser is logged in anew
    assert accounts.authenticate("olga@example.org", NEW) == olga
    assert accounts.authenticate("olga@example.org", TEST_PASSWORD) is None
    assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 400


def test_the_same_answer_for_unknown_addresses(client, create_user) -> None:
    create_user("Olga", email="olga@example.org")
    known = _ask(client)
    unknown = _ask(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.data.replace(b"olga@example.org", b"X") == unknown.data.replace(
        b"nobody@example.org", b"X"
    )
    assert mails_to("nobody@example.org") == []


def test_the_link_expires_after_an_hour(client, create_user) -> None:
    create_user("Olga", email="olga@example.org")
    with time_machine.travel("2026-12-06 12:00Z", tick=False) as clock:
        _ask(client)
        path = link_in(mails_to("olga@example.org")[0][1])
        clock.move_to("2026-12-06 13:00:01Z")
        response = client.post(path, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 400
    assert accounts.authenticate("olga@example.org", TEST_PASSWORD) is not None


def test_a_weak_new_password_is_refused_and_the_link_stays_good(client, create_user) -> None:
    create_user("Olga", email="olga@example.org")
    _ask(client)
    path = link_in(mails_to("olga@example.org")[0][1])
    weak = client.post(path, data={"password": "password1234", "confirm": "password1234"})
    assert weak.status_code == 422
    assert b'id="password-err"' in weak.data
    assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 302


def test_a_new_link_revokes_nothing_but_using_one_revokes_the_rest(client, create_user) -> None:
    create_user("Olga", email="olga@example.org")
    _ask(client)
    _ask(client)
    first, second = (link_in(text) for _, text in mails_to("olga@example.org"))
    assert client.post(second, data={"password": NEW, "confirm": NEW}).status_code == 302
    client.post("/logout")
    assert client.post(first, data={"password": NEW, "confirm": NEW}).status_code == 400
    live = select(func.count()).select_from(AccountToken).where(AccountToken.revoked_dt.is_(None))
    assert db.session.scalar(live.where(AccountToken.used_dt.is_(None))) == 0

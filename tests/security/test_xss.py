"""Every text path a person can type into, rendered on every page that shows it: inert.

Each row of TEXT_PATHS says how a hostile string gets in (through the real form, as
a user would) and which pages show it. The later round adds rows for series titles,
agendas, minutes, pasted lists, CSV and log imports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from meetbot.models import Role
from meetbot.services import groups as group_service
from meetbot.services import members as member_service
from tests.security.xss_corpus import MARKER, PAYLOADS, active_content


@dataclass(frozen=True)
class TextPath:
    """A way hostile text enters, and the pages that show it afterwards."""

    name: str
    submit: Callable  # (client, payload) -> response of the POST
    pages: tuple[str, ...]


def _group_form(client, **fields):
    data = {
        "slug": "edge",
        "name": "Edge",
        "description": "",
        "timezone": "UTC",
        "attendance_threshold": 25,
        "attendance_window": 10,
        **fields,
    }
    return client.post("/groups/edge/edit", data=data)


def _stream_form(client, **fields):
    data = {"slug": "gap", "name": "Gap", "description": "", "status": "active", **fields}
    return client.post("/groups/edge/streams/gap/edit", data=data)


TEXT_PATHS = [
    TextPath(
        "group name and description",
        lambda c, p: _group_form(c, name=p, description=p),
        ("/groups/", "/groups/edge/", "/groups/edge/streams/gap/", "/groups/edge/audit"),
    ),
    TextPath(
        "group website and mailing list",
        lambda c, p: _group_form(c, website=p, mailing_list=p),
        ("/groups/edge/",),
    ),
    TextPath(
        "work stream name and description",
        lambda c, p: _stream_form(c, name=p, description=p),
        ("/groups/edge/", "/groups/edge/streams/gap/"),
    ),
    TextPath(
        "display name and organization (settings)",
        lambda c, p: c.post("/settings/profile", data={"display_name": p, "organization": p}),
        (
            "/settings",
            "/groups/edge/",
            "/groups/edge/streams/gap/",
            "/admin/people",
            "/admin/people?q=" + MARKER,
            "/groups/edge/audit",
        ),
    ),
    TextPath(
        "chat handle (settings)",
        lambda c, p: c.post("/settings/handles", data={"handle": p[:100], "kind": "alias"}),
        ("/settings",),
    ),
    TextPath(
        "search query (admin people)",
        lambda c, p: c.get("/admin/people", query_string={"q": p}),
        (),
    ),
]


@pytest.fixture
def organizer_client(client, auth, create_user):
    olga = create_user("Olga", email="olga@example.org", admin=True)
    group = group_service.create_group(olga, slug="edge", name="Edge")
    group_service.create_work_stream(olga, group, slug="gap", name="Gap", lead_ids=[olga.id])
    member_service.set_role(olga, group, olga, Role.ORGANIZER)
    auth.login("olga@example.org")
    return client


def _check(response, where: str, payload: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        found = active_content(html)
        assert found == [], f"{where}: {found}"
        # A raw "<" from input would open a tag (quotes only matter inside attributes,
        # where an injected on*= or style= is caught above).
        if "<" in payload:
            assert payload not in html, f"{where}: the payload appears unescaped"


@pytest.mark.parametrize("path", TEXT_PATHS, ids=lambda p: p.name)
def test_xss_corpus_renders_inert(organizer_client, path: TextPath) -> None:
    for payload in PAYLOADS:
        where = f"{path.name} <- {payload!r}"
        _check(path.submit(organizer_client, payload), f"{where} (response)", payload)
        for page in path.pages:
            _check(organizer_client.get(page), f"{where} on {page}", payload)


def test_the_checker_sees_every_payload_when_unescaped() -> None:
    # Guard against a checker that finds nothing: raw payloads inside a page must be
    # caught, apart from the ones that are only dangerous as an href (checked next)
    # or are plain text by design.
    text_only = {p for p in PAYLOADS if "<" not in p or p.startswith("&lt;")}
    for payload in set(PAYLOADS) - text_only:
        html = f"<html><body><p>{payload}</p></body></html>"
        # Comments, full-width brackets and NUL are inert; the <noscript> one is a
        # parser-differential (mXSS) case html.parser cannot see: the verbatim check
        # in the page test covers it, as no raw "<" from input reaches a page.
        if any(s in payload for s in ("<!--", "\uff1c", "\x00", "<noscript>")):
            continue
        assert active_content(html), payload
    assert active_content('<a href=" javascript:alert(1)">x</a>')
    assert active_content("<a href='JaVaScRiPt:x'>x</a>")
    assert not active_content('<a href="/groups/">x</a><script src="/static/js/meetbot.js">')

"""Single sign-on in the browser against a real OpenID Provider on loopback
(tests/js/oidc-server.mjs): discovery, authorization code with PKCE, state, nonce
and ID token checks all happen for real (issue 15, point 5)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from tests.browser.conftest import MEMBER, REQUIRE_BROWSER, LiveServer, expect
from tests.browser.oidc_provider import OidcProvider, provider_setting, start_provider

GROUP = "/groups/edge-computing/"
USER = {
    "sub": "uma-42",
    "login": "uma",
    "password": "provider-password",
    "email": "uma.imported@example.org",
    "email_verified": True,
    "name": "Uma Imported",
}


# A second provider that does not vouch for its user's address: a demo member's.
UNVERIFIED_USER = {
    "sub": "kenji-7",
    "login": "kenji",
    "password": "provider-password",
    "email": MEMBER,
    "email_verified": False,
    "name": "Kenji Sato",
}


@pytest.fixture(scope="module")
def oidc(live_server: LiveServer) -> Iterator[OidcProvider]:
    """The providers, and the live app configured to use them."""
    try:
        provider = start_provider([live_server.url("/sso/testid/callback")], USER)
        other = start_provider([live_server.url("/sso/loose/callback")], UNVERIFIED_USER)
    except RuntimeError as exc:
        if REQUIRE_BROWSER:
            pytest.fail(f"MEETBOT_REQUIRE_BROWSER=1 but {exc}")
        pytest.skip(str(exc))
    from meetbot.web.oidc import init_oidc

    live_server.app.config["MEETBOT_OIDC_PROVIDERS"] = provider_setting(
        {"testid": ("Test ID", provider), "loose": ("Loose ID", other)}
    )
    init_oidc(live_server.app)
    with live_server.app_context():
        from meetbot.extensions import db
        from meetbot.models import Person

        # Known from an attendance import: an address, no login, in no group.
        db.session.add(Person(display_name="Uma Imported", email=USER["email"]))
        db.session.commit()
    yield provider
    provider.stop()
    other.stop()


def _sign_in_at_provider(page) -> None:
    page.get_by_role("link", name="Log in with Test ID").click()
    expect(page.get_by_role("heading", name="Test provider")).to_be_visible()
    page.get_by_label("Username").fill(USER["login"])
    page.get_by_label("Password").fill(USER["password"])
    page.get_by_role("button", name="Sign in to the provider").click()


def test_sso_from_the_group_page_links_the_known_person_and_joins(
    new_page, live_server: LiveServer, oidc: OidcProvider
) -> None:
    page = new_page()
    page.goto(GROUP)
    page.get_by_role("link", name="log in", exact=True).click()
    _sign_in_at_provider(page)
    expect(page.get_by_text("Welcome, Uma Imported.")).to_be_visible()
    assert page.url == live_server.url(GROUP)
    expect(page.get_by_text("You are a member of this group.")).to_be_visible()
    with live_server.app_context():
        from meetbot.extensions import db
        from meetbot.models import ExternalIdentity, Person

        people = db.session.scalar(
            select(func.count()).select_from(Person).where(Person.email == USER["email"])
        )
        identity = db.session.scalar(select(ExternalIdentity))
        assert people == 1  # linked, not duplicated
        assert identity.issuer == oidc.issuer and identity.subject == USER["sub"]
        assert identity.person.display_name == "Uma Imported"

    # Logging out and in again finds the same account through the linked identity.
    page.get_by_role("button", name="Log out").click()
    page.goto("/login")
    # The provider remembers its own session: no password asked this time.
    page.get_by_role("link", name="Log in with Test ID").click()
    expect(page.get_by_text("Welcome, Uma Imported.")).to_be_visible()
    with live_server.app_context():
        from meetbot.extensions import db
        from meetbot.models import ExternalIdentity

        assert db.session.scalar(select(func.count()).select_from(ExternalIdentity)) == 1


def test_a_forged_callback_is_refused(new_page, live_server: LiveServer, oidc) -> None:
    """A callback with a state this browser never started (CSRF on the login) fails."""
    page = new_page()
    page.goto("/sso/testid/callback?code=stolen&state=forged")
    expect(page.get_by_text("The sign-in did not work")).to_be_visible()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_an_unverified_address_asks_and_links_after_a_password_login(
    new_page, live_server: LiveServer, oidc
) -> None:
    page = new_page()
    page.goto("/login")
    page.get_by_role("link", name="Log in with Loose ID").click()
    page.get_by_label("Username").fill(UNVERIFIED_USER["login"])
    page.get_by_label("Password").fill(UNVERIFIED_USER["password"])
    page.get_by_role("button", name="Sign in to the provider").click()
    # Not linked to Kenji's account on the provider's word alone: it asks.
    expect(page.get_by_role("heading", name="Link your Loose ID sign-in")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    page.get_by_role("link", name="I have an account: log in to link it").click()
    page.get_by_label("E-mail").fill(MEMBER)
    from meetbot.services.demo import DEMO_PASSWORD

    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Link it to my account (Kenji Sato)").click()
    expect(page.get_by_text("You can log in with Loose ID now.")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    page.goto("/login")
    page.get_by_role("link", name="Log in with Loose ID").click()  # the provider remembers
    expect(page.get_by_text("Welcome, Kenji Sato.")).to_be_visible()
    with live_server.app_context():
        from meetbot.extensions import db
        from meetbot.models import ExternalIdentity

        row = db.session.scalar(
            select(ExternalIdentity).where(ExternalIdentity.subject == UNVERIFIED_USER["sub"])
        )
        assert row.person.email == MEMBER

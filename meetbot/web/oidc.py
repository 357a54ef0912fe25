"""Single sign-on routes (/sso/...): Authlib does discovery, the authorization code
flow with PKCE (S256), state and nonce, and validates the ID token (signature from the
provider's JWKS, issuer, audience, expiry, nonce); services.oidc decides who it is."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user

from meetbot.extensions import limiter
from meetbot.forms.signup import ConfirmForm
from meetbot.lazy import first_use
from meetbot.services import logins, oidc, signup
from meetbot.services.errors import ServiceError
from meetbot.web.auth import _join_after_login, _safe_next
from meetbot.web.signup import LINK_RATE, TOO_MANY

bp = Blueprint("oidc", __name__)
PENDING = "oidc_pending"
RETURN = "oidc_return"


def init_oidc(app: Flask) -> None:
    """Register the configured providers (Authlib, loaded only when there are some)."""
    providers = oidc.parse_providers(app.config.get("MEETBOT_OIDC_PROVIDERS"))
    clients = None
    if providers:
        client_module = first_use("meetbot.web.oidc_client")
        clients = client_module.SsoClients(app, providers)
    app.extensions["meetbot_oidc"] = (providers, clients)


def providers() -> dict[str, oidc.Provider]:
    return current_app.extensions["meetbot_oidc"][0]


def _clients(name: str) -> Any:
    found, clients = current_app.extensions["meetbot_oidc"]
    if name not in found:
        abort(404)
    return clients


@bp.get("/sso/<provider>/login")
@limiter.limit(LINK_RATE, error_message=TOO_MANY)
def start(provider: str):
    clients = _clients(provider)
    session[RETURN] = {"next": request.args.get("next", ""), "join": request.args.get("join", "")}
    base = current_app.config["MEETBOT_BASE_URL"].rstrip("/")
    return clients.authorize_redirect(provider, base + url_for("oidc.callback", provider=provider))


@bp.get("/sso/<provider>/callback")
@limiter.limit(LINK_RATE, error_message=TOO_MANY)
def callback(provider: str):
    clients = _clients(provider)
    try:
        claims = clients.claims(provider)
    except oidc.SsoFailed as exc:
        current_app.logger.warning("SSO with %s failed: %s", provider, exc)
        flash("The sign-in did not work (it may have expired): please try again.", "error")
        return redirect(url_for("auth.login"))
    try:
        person = oidc.resolve(provider, claims, signup_mode=signup.mode())
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("auth.login"))
    if person is None:
        session[PENDING] = {"provider": provider, **claims.__dict__}
        return redirect(url_for("oidc.pending"))
    return _log_in(person)


def _log_in(person):
    back = session.pop(RETURN, None) or {}
    session.pop(PENDING, None)
    logins.start(person)
    login_user(person)
    flash(f"Welcome, {person.display_name}.", "success")
    joined = _join_after_login(person, back.get("join"))
    return redirect(joined or _safe_next(back.get("next")))


def _pending() -> tuple[str, oidc.Claims]:
    data = dict(session.get(PENDING) or {})
    provider = data.pop("provider", None)
    if not provider or provider not in providers():
        abort(404)
    return provider, oidc.Claims(**data)


@bp.get("/sso/pending")
def pending():
    provider, claims = _pending()
    return render_template(
        "auth/sso_pending.html",
        provider=providers()[provider],
        claims=claims,
        form=ConfirmForm(),
        can_sign_up=signup.mode() != "invite",
    )


@bp.post("/sso/pending/<any(link, new):choice>")
@limiter.limit(LINK_RATE, error_message=TOO_MANY)
def decide(choice: str):
    provider, claims = _pending()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if choice == "link":
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=url_for("oidc.pending")))
            oidc.link_to(current_user, provider, claims)
            session.pop(PENDING, None)
            flash(f"You can log in with {providers()[provider].title} now.", "success")
            return redirect(url_for("account.settings"))
        person = oidc.new_account(provider, claims, signup_mode=signup.mode())
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("oidc.pending"))
    if not person.is_active_account:
        session.pop(PENDING, None)
        return render_template("auth/awaiting_approval.html")
    return _log_in(person)

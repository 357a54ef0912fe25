"""The Authlib side of single sign-on: the provider registry, the redirect to a
provider and the claims of its answer. Its own module so that Authlib (and requests,
cryptography, joserfc: ~6 % of start-up) is imported only when providers are
configured (``web.oidc.init_oidc`` loads it by name)."""

from __future__ import annotations

from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask
from joserfc.errors import JoseError

from meetbot.services import oidc


class SsoClients:
    """The configured providers registered on an Authlib registry of one app."""

    def __init__(self, app: Flask, providers: dict[str, oidc.Provider]) -> None:
        self._registry = OAuth(app)
        for provider in providers.values():
            self._registry.register(
                provider.name,
                client_id=provider.client_id,
                client_secret=provider.client_secret,
                server_metadata_url=provider.metadata_url,
                client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
            )

    def authorize_redirect(self, name: str, redirect_uri: str) -> Any:
        """The redirect to provider ``name`` (state, nonce and PKCE kept in the session)."""
        return self._registry.create_client(name).authorize_redirect(redirect_uri)

    def claims(self, name: str) -> oidc.Claims:
        """The claims of provider ``name``'s answer to this request; oidc.SsoFailed when
        it is not a valid one (expired, forged, no ID token)."""
        client = self._registry.create_client(name)
        try:
            return _claims(client, client.authorize_access_token())
        except (OAuthError, JoseError, KeyError, ValueError) as exc:
            raise oidc.SsoFailed(str(exc)) from exc


def _claims(client: Any, token: dict[str, Any]) -> oidc.Claims:
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        raise OAuthError(description="the provider sent no ID token")
    # Providers may keep e-mail and name out of the ID token: ask userinfo, same subject.
    info = client.userinfo(token=token)
    if info.get("sub") == claims["sub"]:
        claims.update({k: v for k, v in info.items() if k in ("email", "email_verified", "name")})
    return oidc.Claims.from_token(claims)

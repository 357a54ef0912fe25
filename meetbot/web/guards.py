"""Route guards built on services.permissions."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_login import current_user

from meetbot.models import Group, Meeting, MeetingSeries
from meetbot.services.permissions import Permission, may


def require(
    permission: Permission,
    group: Group,
    *,
    series: MeetingSeries | None = None,
    meeting: Meeting | None = None,
) -> None:
    """Abort unless the current user holds ``permission`` on ``group``.

    Anonymous visitors are sent to the login page (GET) or get 401; logged-in people
    without the role get 403.
    """
    if not current_user.is_authenticated:
        if request.method == "GET" and not request.path.startswith("/api/"):
            abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
        abort(401)
    if not may(current_user, permission, group, series=series, meeting=meeting):
        abort(403)


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site (never another host: no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def back_to(default: str) -> str:
    """The form's (or query's) ``next`` when it is a path on this site, else ``default``."""
    return local_path(request.form.get("next") or request.args.get("next")) or default

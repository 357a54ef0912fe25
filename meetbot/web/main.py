"""The front page."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """My meetings for a logged-in person, else the list of groups."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return redirect(url_for("groups.index"))


@bp.get("/healthz")
def healthz():
    """Liveness probe for load balancers: no database access."""
    return {"status": "ok"}

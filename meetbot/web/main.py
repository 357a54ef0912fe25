"""The front page."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return redirect(url_for("groups.index"))


@bp.get("/healthz")
def healthz():
    """Liveness probe for load balancers: no database access."""
    return {"status": "ok"}

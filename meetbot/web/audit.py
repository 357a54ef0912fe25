"""The audit log page of a group (organizers): who changed what, and when."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from meetbot.services import audit
from meetbot.services import groups as group_service
from meetbot.services.permissions import Permission, may
from meetbot.web.guards import require
from meetbot.web.panels import panel

bp = Blueprint("audit", __name__)

PAGE_SIZE = 50


@bp.get("/groups/<slug>/audit")
def group_audit(slug: str):
    group = group_service.get_group(slug)
    require(Permission.VIEW_AUDIT, group)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    entries, total = audit.entries_for_group(group, page=page, per_page=PAGE_SIZE)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template(
        "audit/group.html", group=group, entries=entries, total=total, page=page, pages=pages
    )


@panel("group_side", order=90)
def audit_link(group, **_: object) -> str:
    """A link to the audit log, for those allowed to see it."""
    if not may(current_user, Permission.VIEW_AUDIT, group):
        return ""
    return render_template("audit/_link.html", group=group)

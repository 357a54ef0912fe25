"""Group membership pages: the members list, adding people, roles, join and leave.

Everyone sees who belongs to a group (names, roles, organizations); organizers add
people (by e-mail, or found by name), change roles and remove members; any logged-in
person can join a group as a member and leave it again. The rules (the last organizer
stays, already-a-member, e-mail matching) live in services.groups.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from meetbot.forms.fields import apply_service_errors
from meetbot.forms.members import ROLE_CHOICES, AddMemberForm
from meetbot.models import Group
from meetbot.services import groups as group_service
from meetbot.services import join_requests, list_caps
from meetbot.services import members as member_service
from meetbot.services.errors import ServiceError, ValidationError
from meetbot.services.permissions import Permission, may, role_in
from meetbot.web.guards import require
from meetbot.web.paging import page_from_args
from meetbot.web.panels import panel

bp = Blueprint("members", __name__)


MEMBERS_PAGE_SIZE = 100  # a foundation-wide group has thousands of members


def _page(
    group: Group,
    *,
    add_form: AddMemberForm | None = None,
    error: str | None = None,
    status: int = 200,
):
    can_edit = may(current_user, Permission.EDIT_GROUP, group)
    query = (request.args.get("q") or "").strip()[:200] if can_edit else ""
    found = member_service.find_people_to_add(group, query) if query else []
    total = member_service.count_members(group)
    page, pages = page_from_args(total, MEMBERS_PAGE_SIZE)
    rows = member_service.members(
        group, limit=MEMBERS_PAGE_SIZE, offset=(page - 1) * MEMBERS_PAGE_SIZE
    )
    return render_template(
        "members/list.html",
        group=group,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        can_edit=can_edit,
        add_form=add_form or AddMemberForm(prefix="add", formdata=None),
        query=query,
        found=found,
        error=error,
        role_choices=ROLE_CHOICES,
        me=current_user.id if current_user.is_authenticated else None,
    ), status


def _back(group: Group):
    return redirect(url_for("members.list_members", slug=group.slug))


@bp.get("/groups/<slug>/members")
def list_members(slug: str):
    """Everyone in the group with role and organization; tools for organizers."""
    return _page(group_service.get_group(slug))


@bp.post("/groups/<slug>/members/add")
def add_by_email(slug: str):
    """Add a person by e-mail (the existing person, or someone new with the name)."""
    group = group_service.get_group(slug)
    require(Permission.EDIT_GROUP, group)
    form = AddMemberForm(prefix="add")
    if not form.validate():
        return _page(group, add_form=form, status=422)
    try:
        member_service.add_member(
            current_user,
            group,
            email=form.email.data,
            name=form.name.data,
            organization=form.organization.data,
            role=form.role.data,
        )
    except ServiceError as exc:
        apply_service_errors(form, exc.fields or {"email": exc.message})
        return _page(group, add_form=form, status=exc.status)
    # The name typed, not the account's: adding by address must not reveal whose it is.
    flash(f"{form.name.data.strip()} added as {form.role.data}.", "success")
    return _back(group)


@bp.post("/groups/<slug>/members/pick")
def add_existing(slug: str):
    """Add a person picked from the search results."""
    group = group_service.get_group(slug)
    require(Permission.EDIT_GROUP, group)
    raw = request.form.get("person_id", "")
    try:
        if not raw.isdigit():
            raise ValidationError("Choose a person to add.", {"person_id": "missing"})
        person, _ = member_service.add_member(
            current_user, group, person_id=int(raw), role=request.form.get("role", "member")
        )
    except ServiceError as exc:
        return _page(group, error=exc.message, status=exc.status)
    flash(f"{person.display_name} added as {request.form.get('role', 'member')}.", "success")
    return _back(group)


@bp.post("/groups/<slug>/members/<int:person_id>/role")
def change_role(slug: str, person_id: int):
    """Give a member another role (never leaving the group without an organizer)."""
    group = group_service.get_group(slug)
    require(Permission.EDIT_GROUP, group)
    person, _ = member_service.get_member(group, person_id)
    try:
        role = member_service.change_role(
            current_user, group, person_id, request.form.get("role", "")
        )
    except ServiceError as exc:
        return _page(group, error=exc.message, status=exc.status)
    flash(f"{person.display_name} is now {role.value}.", "success")
    return _back(group)


@bp.post("/groups/<slug>/members/<int:person_id>/remove")
def remove(slug: str, person_id: int):
    """Remove a member (not the last organizer)."""
    group = group_service.get_group(slug)
    require(Permission.EDIT_GROUP, group)
    person, _ = member_service.get_member(group, person_id)
    try:
        member_service.remove_member(current_user, group, person_id)
    except ServiceError as exc:
        return _page(group, error=exc.message, status=exc.status)
    flash(f"{person.display_name} is no longer a member.", "success")
    if person_id == current_user.id and not may(current_user, Permission.EDIT_GROUP, group):
        return redirect(url_for("groups.view", slug=group.slug))
    return _back(group)


@bp.post("/groups/<slug>/join")
def join(slug: str):
    """The logged-in person joins the group as a member."""
    group = group_service.get_group(slug)
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=url_for("groups.view", slug=group.slug)))
    outcome = join_requests.join_or_request(current_user, group)
    if outcome == join_requests.JOINED:
        flash(f"Welcome to {group.name}: you are a member now.", "success")
    elif outcome == join_requests.REQUESTED:
        flash(f"Asked: {group.name}'s organizers approve new members.", "info")
    elif outcome == join_requests.FULL:
        flash(f"{group.name} is full: {list_caps.members_message()}", "error")
    else:
        flash(f"You are already in {group.name} or have asked to join.", "info")
    return redirect(url_for("groups.view", slug=group.slug))


@bp.post("/groups/<slug>/leave")
def leave(slug: str):
    """The logged-in person leaves the group (the last organizer cannot)."""
    group = group_service.get_group(slug)
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=url_for("groups.view", slug=group.slug)))
    try:
        left = member_service.leave_group(current_user, group)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(
            f"You left {group.name}." if left else f"You were not a member of {group.name}.",
            "success" if left else "info",
        )
    return redirect(url_for("groups.view", slug=group.slug))


@panel("group_side", order=20)
def members_panel(group: Group, **_: Any) -> str:
    """Member count, a link to the list, and Join / Leave for the visitor."""
    role = role_in(current_user, group) if current_user.is_authenticated else None
    return render_template(
        "members/_panel.html",
        group=group,
        count=member_service.member_count(group),
        role=role,
        can_edit=may(current_user, Permission.EDIT_GROUP, group),
    )

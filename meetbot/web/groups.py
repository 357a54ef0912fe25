"""Groups and work streams pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from meetbot.forms.fields import apply_service_errors
from meetbot.forms.groups import GroupForm, WorkStreamForm
from meetbot.services import group_reads
from meetbot.services import groups as group_service
from meetbot.services import members as member_service
from meetbot.services.errors import ValidationError
from meetbot.services.permissions import Permission
from meetbot.web.guards import require
from meetbot.web.paging import page_from_args

bp = Blueprint("groups", __name__, url_prefix="/groups")

GROUPS_PAGE_SIZE = 50  # groups on one page of the index


@bp.get("/")
def index():
    """Every group by name, GROUPS_PAGE_SIZE a page."""
    total = group_service.count_groups()
    page, pages = page_from_args(total, GROUPS_PAGE_SIZE)
    groups = group_service.list_group_summaries(
        limit=GROUPS_PAGE_SIZE, offset=(page - 1) * GROUPS_PAGE_SIZE
    )
    return render_template("groups/index.html", groups=groups, total=total, page=page, pages=pages)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = group_service.create_group(
                current_user,
                slug=form.slug.data,
                name=form.name.data,
                description=form.description.data or "",
                mailing_list=form.mailing_list.data,
                website=form.website.data,
                timezone=form.timezone.data,
                quorum=form.quorum.data,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
        else:
            flash(
                f"Group {group.name} created. Add work streams and meeting series next.", "success"
            )
            return redirect(url_for("groups.view", slug=group.slug))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("groups/edit.html", form=form, group=None), status


@bp.get("/<slug>/")
def view(slug: str):
    group = group_service.get_group(slug)
    return render_template("groups/view.html", group=group, facts=group_reads.group_facts(group))


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str):
    group = group_service.get_group(slug)
    require(Permission.EDIT_GROUP, group)
    form = GroupForm(obj=group)
    form.slug.render_kw = {"readonly": True}
    form.slug.data = group.slug  # the slug is part of every feed URL: never changed here
    if form.validate_on_submit():
        try:
            group_service.update_group(
                current_user,
                group,
                name=form.name.data,
                description=form.description.data or "",
                mailing_list=form.mailing_list.data,
                website=form.website.data,
                timezone=form.timezone.data,
                quorum=form.quorum.data,
                attendance_threshold=form.attendance_threshold.data,
                attendance_window=form.attendance_window.data,
                mail_tag=form.mail_tag.data or "",
                mail_agenda=form.mail_agenda.data,
                mail_agenda_hours=form.mail_agenda_hours.data,
                mail_minutes=form.mail_minutes.data,
                mail_changes=form.mail_changes.data,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
        else:
            flash("Group saved.", "success")
            return redirect(url_for("groups.view", slug=group.slug))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("groups/edit.html", form=form, group=group), status


def _stream_form(group, **kwargs) -> WorkStreamForm:
    form = WorkStreamForm(**kwargs)
    form.leads.choices = [(p.id, p.display_name) for p, _ in member_service.members(group)]
    return form


@bp.route("/<slug>/streams/new", methods=["GET", "POST"])
def create_stream(slug: str):
    group = group_service.get_group(slug)
    require(Permission.EDIT_GROUP, group)
    form = _stream_form(group)
    if form.validate_on_submit():
        try:
            stream = group_service.create_work_stream(
                current_user,
                group,
                slug=form.slug.data,
                name=form.name.data,
                description=form.description.data or "",
                status=form.status.data,
                lead_ids=form.leads.data or [],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
        else:
            flash(f"Work stream {stream.name} created.", "success")
            return redirect(url_for("groups.view_stream", slug=group.slug, stream=stream.slug))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("groups/stream_edit.html", form=form, group=group, stream=None), status


@bp.get("/<slug>/streams/<stream>/")
def view_stream(slug: str, stream: str):
    group = group_service.get_group(slug)
    work_stream = group_service.get_work_stream(group, stream)
    return render_template("groups/stream.html", group=group, stream=work_stream)


@bp.route("/<slug>/streams/<stream>/edit", methods=["GET", "POST"])
def edit_stream(slug: str, stream: str):
    group = group_service.get_group(slug)
    work_stream = group_service.get_work_stream(group, stream)
    require(Permission.EDIT_GROUP, group)
    form = _stream_form(group, obj=work_stream)
    if not form.is_submitted():
        form.leads.data = [p.id for p in work_stream.leads]
    form.slug.data = work_stream.slug
    form.slug.render_kw = {"readonly": True}
    if form.validate_on_submit():
        try:
            group_service.update_work_stream(
                current_user,
                work_stream,
                name=form.name.data,
                description=form.description.data or "",
                status=form.status.data,
                lead_ids=form.leads.data or [],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
        else:
            flash("Work stream saved.", "success")
            return redirect(url_for("groups.view_stream", slug=group.slug, stream=work_stream.slug))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "groups/stream_edit.html", form=form, group=group, stream=work_stream
    ), status

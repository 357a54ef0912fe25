"""A group's chat page (organizers): the networks the bot connects to for the group
and the channels mapped to it. Thin: ``services.chat_settings`` holds the rules."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from meetbot.forms.chat import ChannelForm, NetworkEditForm, NetworkForm
from meetbot.forms.fields import apply_service_errors
from meetbot.models import Group
from meetbot.services import chat_settings
from meetbot.services import groups as group_service
from meetbot.services.errors import ValidationError
from meetbot.services.permissions import Permission
from meetbot.web.guards import require

bp = Blueprint("chat_settings", __name__, url_prefix="/groups/<slug>/chat")


def _group(slug: str) -> Group:
    group = group_service.get_group(slug)
    require(Permission.EDIT_GROUP, group)
    return group


def _channel_form(group: Group, **kwargs: object) -> ChannelForm:
    form = ChannelForm(prefix="channel", **kwargs)
    form.network_id.choices = [(n.id, n.server) for n in chat_settings.networks(group)]
    form.series_id.choices = [("", "the group (any of its meetings)")] + [
        (str(sid), f"the series {title}") for sid, title in chat_settings.series_choices(group)
    ]
    return form


def _page(
    group: Group, *, status: int = 200, network_form=None, channel_form=None, edit_forms=None
):
    """The page; a POST that failed shows it again with its form's errors (422)."""
    networks = chat_settings.networks(group)
    edit_forms = edit_forms or {}
    for network in networks:
        if network.id not in edit_forms:
            edit_forms[network.id] = NetworkEditForm(
                prefix=f"net{network.id}", nick=network.nick, auth=network.auth.value
            )
    return render_template(
        "groups/chat.html",
        group=group,
        networks=networks,
        mappings=chat_settings.mappings(group),
        network_form=network_form or NetworkForm(prefix="network"),
        channel_form=channel_form or _channel_form(group),
        edit_forms=edit_forms,
    ), status


@bp.get("/")
def page(slug: str):
    return _page(_group(slug))


@bp.post("/networks")
def add_network(slug: str):
    group = _group(slug)
    form = NetworkForm(prefix="network")
    if form.validate_on_submit():
        try:
            chat_settings.add_network(
                current_user, group, server=form.server.data, nick=form.nick.data,
                auth=form.auth.data, password=form.password.data or None,
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
        else:
            flash(f"Network {form.server.data} added.", "success")
            return redirect(url_for("chat_settings.page", slug=group.slug))
    return _page(group, status=422, network_form=form)


@bp.post("/networks/<int:network_id>")
def update_network(slug: str, network_id: int):
    group = _group(slug)
    form = NetworkEditForm(prefix=f"net{network_id}")
    if form.validate_on_submit():
        try:
            chat_settings.update_network(
                current_user, group, network_id, nick=form.nick.data, auth=form.auth.data,
                password=form.password.data or None,
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
        else:
            flash("Network saved.", "success")
            return redirect(url_for("chat_settings.page", slug=group.slug))
    return _page(group, status=422, edit_forms={network_id: form})


@bp.post("/networks/<int:network_id>/delete")
def remove_network(slug: str, network_id: int):
    group = _group(slug)
    try:
        chat_settings.remove_network(current_user, group, network_id)
    except ValidationError as exc:
        flash(exc.message, "error")
    else:
        flash("Network removed, with the group's channels on it.", "success")
    return redirect(url_for("chat_settings.page", slug=group.slug))


@bp.post("/channels")
def map_channel(slug: str):
    group = _group(slug)
    form = _channel_form(group)
    if form.validate_on_submit():
        try:
            chat_settings.map_channel(
                current_user, group, network_id=form.network_id.data, channel=form.channel.data,
                series_id=int(form.series_id.data) if form.series_id.data else None,
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc.fields)
        else:
            flash(f"{form.channel.data} mapped; the bot joins it within 10 seconds.", "success")
            return redirect(url_for("chat_settings.page", slug=group.slug))
    return _page(group, status=422, channel_form=form)


@bp.post("/channels/<int:mapping_id>/delete")
def unmap_channel(slug: str, mapping_id: int):
    group = _group(slug)
    try:
        chat_settings.unmap_channel(current_user, group, mapping_id)
    except ValidationError as exc:
        flash(exc.message, "error")
    else:
        flash("Channel removed; the bot leaves it within 10 seconds.", "success")
    return redirect(url_for("chat_settings.page", slug=group.slug))

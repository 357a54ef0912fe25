"""The filters of a group's action item list: the owner filter lists everyone who owns
one of the group's items (thousands in a large group), so its options are rendered
once per change of the database, not on every view."""

from __future__ import annotations

from markupsafe import Markup

from meetbot.models import Group
from meetbot.services import action_lists
from meetbot.web.panels import cached_panel


def owner_options(group: Group, selected: int | None) -> Markup:
    """The ``<option>`` of each owner of the group's items, by name; ``selected`` (a
    person id) marked as chosen."""
    html = str(cached_panel(("group_owner_options", group.id), lambda: _options(group)))
    if selected is not None:
        # Each value occurs once: only the chosen option changes.
        mark = f'<option value="{selected}">'
        html = html.replace(mark, f'<option value="{selected}" selected>', 1)
    return Markup(html)


def _options(group: Group) -> Markup:
    option = Markup('<option value="{}">{}</option>')
    return Markup("").join(
        option.format(person_id, name) for person_id, name in action_lists.owner_choices(group)
    )

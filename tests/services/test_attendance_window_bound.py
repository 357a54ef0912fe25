"""The attendance window (meetings a member's rate is computed over, and how many the
attendance statistics list) is 1-1,000 in the service: the API allowed 1-1,000, the
form 1-200, and the service anything."""

from __future__ import annotations

import pytest

from meetbot.services import groups
from meetbot.services.errors import ValidationError


@pytest.mark.parametrize("window", [0, 1001, 10**9])
def test_the_window_is_bounded_in_the_service(app, create_group, window):
    group = create_group("wg")
    with pytest.raises(ValidationError) as exc:
        groups.update_group(None, group, attendance_window=window)
    assert set(exc.value.fields) == {"attendance_window"}
    assert group.attendance_window != window


def test_the_bounds_themselves_are_accepted(app, create_group):
    group = create_group("wg")
    for window in (1, 1000):
        groups.update_group(None, group, attendance_window=window)
        assert group.attendance_window == window

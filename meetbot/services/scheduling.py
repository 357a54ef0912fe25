"""Kept only for meetbot/web/attendance.py, which nobody may edit during the issue 13
refactor: it reads ``scheduling.series_titles``. Delete this module when that import
becomes ``from meetbot.services import series``. Everything else lives in series.py,
series_input.py, occurrence_changes.py and one_off_meetings.py."""

from meetbot.services.series import series_titles

__all__ = ["series_titles"]

"""Where the 85 real irc-meetings files live, and the marker for tests that need them.

They sit in ``shared/data/irc-meetings`` beside the repository (as in CI);
MEETBOT_IRC_MEETINGS_DATA overrides the folder (e.g. from a git worktree). Without
them the tests are skipped, unless MEETBOT_REQUIRE_SAMPLE_DATA=1 (CI), which makes
the absence a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

IRC_MEETINGS_DIR = Path(
    os.environ.get("MEETBOT_IRC_MEETINGS_DATA")
    or Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "irc-meetings"
).resolve()
IRC_MEETINGS_FILES = sorted(IRC_MEETINGS_DIR.glob("*.yaml")) if IRC_MEETINGS_DIR.is_dir() else []

if not IRC_MEETINGS_FILES and os.environ.get("MEETBOT_REQUIRE_SAMPLE_DATA") == "1":
    raise RuntimeError(
        f"MEETBOT_REQUIRE_SAMPLE_DATA=1 but no irc-meetings files in {IRC_MEETINGS_DIR}"
    )

needs_irc_meetings = pytest.mark.skipif(
    not IRC_MEETINGS_FILES, reason=f"irc-meetings sample data not found at {IRC_MEETINGS_DIR}"
)

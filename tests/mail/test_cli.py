"""``flask --app meetbot send-mail``: --dry-run prints what is due, --once sends it."""

from __future__ import annotations

import mailbox

from meetbot.mail import outbox
from meetbot.services.db import unit_of_work


def test_dry_run_then_once_into_a_maildir(app, runner, tmp_path) -> None:
    app.config["MEETBOT_MAIL_URL"] = f"maildir://{tmp_path / 'mail'}"
    with unit_of_work():
        outbox.enqueue(kind="agenda", ref="r1", to="a@example.org", subject="Agenda", text="x")
    dry = runner.invoke(args=["send-mail", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "agenda\ta@example.org\tAgenda" in dry.output
    assert "1 due; would send to Maildir" in dry.output
    assert not (tmp_path / "mail").exists()  # nothing sent
    once = runner.invoke(args=["send-mail", "--once"])
    assert once.exit_code == 0, once.output
    assert "mail: 1 sent, 0 to retry, 0 failed, 0 dropped" in once.output
    assert [m["Subject"] for m in mailbox.Maildir(tmp_path / "mail")] == ["Agenda"]


def test_a_bad_mail_url_is_a_clear_error(app, runner) -> None:
    app.config["MEETBOT_MAIL_URL"] = "http://nope"
    result = runner.invoke(args=["send-mail", "--once"])
    assert result.exit_code == 1
    assert "MEETBOT_MAIL_URL: use smtp://, smtps:// or maildir:///path" in result.output

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


def test_the_worker_queues_and_sends_reminders(
    app, runner, smtp_server, create_person, create_group, create_series, time_machine
) -> None:
    from datetime import UTC, datetime

    from meetbot.mail import prefs
    from meetbot.models import Role

    ada = create_person("Ada", timezone="Europe/Berlin")
    group = create_group("edge", members={ada: Role.MEMBER})
    create_series(group, title="Weekly", start=datetime(2026, 3, 24, 15, 0))
    prefs.update_settings(
        ada, reminders=True, reminder_minutes=60, follow_member_series=True, actions="off"
    )
    time_machine.move_to(datetime(2026, 3, 24, 14, 30, tzinfo=UTC), tick=False)
    dry = runner.invoke(args=["send-mail", "--dry-run"])
    assert f"new\treminder\tperson {ada.id}\tWeekly 2026-03-24 15:00Z" in dry.output
    once = runner.invoke(args=["send-mail", "--once"])
    assert once.exit_code == 0, once.output
    assert "mail: 1 reminder(s) and action item mail(s) queued" in once.output
    assert [m["Subject"] for m in smtp_server.received] == [
        "Reminder: Weekly, Tue 24 Mar 16:00 CET"
    ]

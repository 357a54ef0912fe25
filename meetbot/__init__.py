"""meetbot: meetings, attendance, minutes, action items and calendar feeds for working groups."""

from __future__ import annotations

import gc
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meetbot import collector

if TYPE_CHECKING:
    # Flask itself is imported in create_app(), with the collector paused (~15 ms).
    from flask import Flask


def create_app(
    config: Mapping[str, Any] | None = None, *, instance_path: str | Path | None = None
) -> Flask:
    """Build the application: configuration, extensions, blueprints and CLI commands.

    ``config`` overrides everything else (tests pass their database URL here);
    ``instance_path`` replaces the instance folder (tests use a temporary one).
    """
    with collector.paused():
        app = _build_app(config, instance_path)
        _freeze_first()
        return app


_froze: list[bool] = []  # one entry once the first app of the process has frozen


def _freeze_first() -> None:
    """The collector is paused while the app is built: importing the app's modules
    allocates hundreds of thousands of long-lived objects, which triggered full
    collections worth ~15 % of create_app() (issue 19).

    The first app of a process also ``gc.freeze()``s what exists then (the modules,
    their classes, the mapped tables): the first collection after re-enabling would
    otherwise traverse those ~200,000 objects (~100 ms, and again in every later full
    collection) only to keep them all, as gunicorn's docs recommend for preloaded
    apps. The cost: the ~4,000 objects of cyclic garbage the first build leaves are
    never collected. Later apps (a test suite builds one per test) are not frozen, so
    they are collected as before."""
    if not _froze:
        _froze.append(True)
        gc.freeze()


def _build_app(config: Mapping[str, Any] | None, instance_path: str | Path | None) -> Flask:
    # The instance folder lives in the repository root (git-ignored), not in the package.
    root = Path(__file__).resolve().parent.parent
    from meetbot.web.url_rules import MeetbotFlask

    # templates/ and static/ sit at the top level beside the package (the project layout).
    # URL builders are compiled on first use (web/url_rules.py).
    app = MeetbotFlask(
        __name__,
        instance_path=str(instance_path or root / "instance"),
        instance_relative_config=True,
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )

    from meetbot.web.json_provider import SafeJSONProvider

    app.json = SafeJSONProvider(app)

    from meetbot.config import load_config

    app.config.update(load_config(Path(app.instance_path)))
    if config:
        app.config.update(config)

    proxies = int(app.config.get("MEETBOT_TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )

    _init_extensions(app)
    _register_blueprints(app)

    from meetbot import freshness

    freshness.install(app)

    from meetbot.services.occurrence_marks import install_mark_hooks

    install_mark_hooks()

    from meetbot.cli import register_commands

    register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from meetbot import models  # noqa: F401  (registers every table for Alembic)
    from meetbot.db_setup import configure_engine_events
    from meetbot.extensions import csrf, db, limiter, login_manager

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    with app.app_context():
        configure_engine_events(
            db.engine,
            statements=app.config["MEETBOT_SQLITE_STATEMENTS"],
            cache_kib=app.config["MEETBOT_SQLITE_CACHE_KIB"],
        )


def _register_blueprints(app: Flask) -> None:
    from meetbot.web import (
        account,
        actions,
        audit,
        auth,
        errors,
        feeds,
        groups,
        leaving,
        mail,
        mail_prefs,
        main,
        members,
        minutes,
        security,
        series,
        signup,
    )
    from meetbot.web import invitations as invitation_views
    from meetbot.web import oidc as oidc_views

    errors.register_error_handlers(app)
    security.init_security(app)

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(signup.bp)
    app.register_blueprint(invitation_views.bp)
    app.register_blueprint(oidc_views.bp)
    app.register_blueprint(leaving.bp)
    oidc_views.init_oidc(app)
    app.register_blueprint(account.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(mail.bp)
    app.register_blueprint(mail_prefs.bp)
    app.register_blueprint(groups.bp)
    app.register_blueprint(members.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(minutes.bp)
    app.register_blueprint(actions.bp)
    app.register_blueprint(series.bp)

    from meetbot.web.api import init_api

    init_api(app)

    from meetbot.web import attendance, chat, chat_settings, home, meetings, polls, slot_finder

    app.register_blueprint(meetings.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(chat.bp)
    app.register_blueprint(chat_settings.bp)
    app.register_blueprint(attendance.bp)
    app.register_blueprint(slot_finder.bp)
    app.register_blueprint(polls.bp)

    from meetbot.web.templating import register_template_helpers

    register_template_helpers(app)

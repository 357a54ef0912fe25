"""schemathesis against a LIVE server (werkzeug on 127.0.0.1 in a thread) with the demo
loaded: every operation of /api/v1/openapi.json, generated requests, and the checks that
matter: no server error, and status codes, content types, headers and bodies as the
spec says. Writes run with an admin's token, so they reach the services.

Bounded: a few examples per operation, no shrinking, one SQLite database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select
from werkzeug.serving import make_server

from meetbot import create_app
from meetbot.extensions import db
from meetbot.models import Group, Meeting, Person
from meetbot.services import accounts, demo, webhooks

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app with the demo data, served on a free loopback port; yields URL and token."""
    path = tmp_path_factory.mktemp("schemathesis") / "live.sqlite"
    app = create_app(
        {
            "TESTING": False,  # errors become 500 responses, as in production
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "schemathesis",
            "RATELIMIT_ENABLED": False,
            "MEETBOT_BASE_URL": "http://127.0.0.1",
            "MEETBOT_UID_DOMAIN": "meetbot.test",
        }
    )
    # Webhook URLs are checked by resolving their host: answer without DNS traffic.
    original_resolve = webhooks.resolve
    webhooks.resolve = lambda host, port: ["93.184.216.34"]
    with app.app_context():
        db.create_all()
        demo.load_demo()
        group = db.session.scalar(select(Group).where(Group.slug == demo.DEMO_SLUG))
        hook, _ = webhooks.subscribe(None, group, url="https://hooks.example/meetbot")
        KNOWN.update(
            group=group.slug,
            stream=group.work_streams[0].slug,
            series_id=group.series[0].id,
            meeting_id=db.session.scalar(select(Meeting.id).order_by(Meeting.id)),
            person_id=db.session.scalar(select(Person.id).order_by(Person.id)),
            webhook_id=hook.id,
        )
        db.session.remove()

    def new_token() -> str:
        # A fresh admin token per request: DELETE /tokens/{id} may revoke the last one.
        with app.app_context():
            admin = accounts.find_person_by_email(demo.DEMO_LOGINS[0][1])
            token = accounts.create_api_token(admin, "schemathesis")
            db.session.remove()
            return token

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}", "new_token": new_token}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        webhooks.resolve = original_resolve


def _spec() -> dict[str, Any]:
    """The OpenAPI document, built at collection time so pytest sees one test per
    operation (schemathesis' lazy fixture loader does not work with pytest 9)."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "spec", "TESTING": True}
    )
    with app.test_client() as client:
        return client.get("/api/v1/openapi.json").get_json()


SPEC = _spec()
# The coverage phase (every boundary value of every field, ~1,300 requests) is left out
# to keep the run bounded; the fuzzing phase below sends random valid and invalid data.
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(SPEC, config=CONFIG)
# Path values of demo objects: most generated requests then reach a real group, series,
# meeting... instead of a 404; the rest keep their random values.
KNOWN: dict[str, Any] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters: dict[str, Any]):
    if not path_parameters:
        return st.just(path_parameters)
    real = {k: KNOWN.get(k, v) for k, v in path_parameters.items()}
    return st.sampled_from([real, real, path_parameters])


def test_live_server_serves_the_same_spec(live_server: dict[str, Any]) -> None:
    import json
    from urllib.request import urlopen

    with urlopen(f"{live_server['url']}/api/v1/openapi.json", timeout=10) as response:
        assert json.load(response) == SPEC
    assert len(SPEC["paths"]) >= 15


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: keep the run bounded
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_spec(case, live_server: dict[str, Any]) -> None:
    case.call_and_validate(
        base_url=live_server["url"],
        headers={"Authorization": f"Bearer {live_server['new_token']()}"},
        checks=CHECKS,
        timeout=10,
    )

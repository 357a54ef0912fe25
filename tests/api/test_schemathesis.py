"""schemathesis against a LIVE server (werkzeug on 127.0.0.1 in a thread) with the demo
loaded: every operation of /api/v1/openapi.json, generated requests, and EVERY check
schemathesis has (as ``schemathesis run --checks all``): no server error; status codes,
content types, headers and bodies as the spec says; schema-violating requests refused
and schema-valid ones accepted; 405 with ``Allow`` for methods the spec does not list;
a missing required header refused; auth not ignored. Writes run with an admin's token,
so they reach the services.

Two phases: coverage (boundary values of every field, every undeclared method, missing
bodies and headers) and fuzzing (random valid and invalid data). Bounded: a few
examples per operation, no shrinking, one SQLite database.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.parameters import ParameterLocation
from sqlalchemy import select
from werkzeug.serving import make_server

from meetbot import create_app
from meetbot.extensions import db
from meetbot.models import Group, Meeting, Person
from meetbot.services import accounts, demo, polls, webhooks

load_all_checks()
# Every registered check, as the CLI's `--checks all`. (use_after_free,
# ensure_resource_availability and object_level_authorization judge sequences of calls:
# they have something to say only in a stateful run, and pass here.)
ALL_CHECKS = CHECKS.get_all()


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
        admin = accounts.find_person_by_email(demo.DEMO_LOGINS[0][1])
        poll = polls.create_poll(
            admin,
            group,
            title="Call time",
            timezone="UTC",
            duration_minutes=60,
            options=polls.parse_options("Tue 15:00\nTue 15:00 / Wed 07:00"),
            start=date(2027, 1, 4),
            weeks=4,
        )
        KNOWN.update(
            group=group.slug,
            stream=group.work_streams[0].slug,
            series_id=group.series[0].id,
            meeting_id=db.session.scalar(select(Meeting.id).order_by(Meeting.id)),
            person_id=db.session.scalar(select(Person.id).order_by(Person.id)),
            webhook_id=hook.id,
            poll_id=poll.id,
            token=poll.token,
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
CONFIG = schemathesis.Config.from_dict(
    {
        "phases": {"coverage": {"enabled": True}},
        "checks": {
            # A request the schema allows may still break a rule the schema cannot state:
            # a cross-field rule (end after start, at most 5 years), the resource's state
            # (a held meeting cannot be cancelled; only members attend), a reference to a
            # row (no such work stream or person), or a value's meaning (an IANA zone, a
            # webhook host that resolves to a public address, a CSV that decodes). The API
            # answers those 422 (a body field) or 400 (a query parameter), naming the
            # field (docs/api.md "Errors"); any other refusal of schema-valid data fails.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "422"]
            }
        },
    }
)
schema = schemathesis.openapi.from_dict(SPEC, config=CONFIG)
# Path values of demo objects: most generated requests then reach a real group, series,
# meeting... instead of a 404; the rest keep their random values.
KNOWN: dict[str, Any] = {}


def _negative_at(case, location: ParameterLocation) -> bool:
    return case.meta is not None and case.meta.is_negative_at(location)


def _aim_at_demo_objects(case) -> None:
    """Two in three cases get the path of a real demo object. A case whose path was made
    invalid on purpose keeps it: replacing it would send a valid request and then blame
    the server for accepting it."""
    if not case.path_parameters or _negative_at(case, ParameterLocation.PATH):
        return
    if zlib.crc32(repr(sorted(case.path_parameters.items())).encode()) % 3 == 0:
        return
    case.path_parameters = {k: KNOWN.get(k, v) for k, v in case.path_parameters.items()}


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
    _aim_at_demo_objects(case)
    # A case whose headers were made invalid (a malformed or missing Authorization, say)
    # is sent as generated; every other one carries a valid admin token.
    token = live_server["new_token"]()
    headers = (
        None
        if _negative_at(case, ParameterLocation.HEADER)
        else {"Authorization": f"Bearer {token}"}
    )
    case.call_and_validate(
        base_url=live_server["url"], headers=headers, checks=ALL_CHECKS, timeout=10
    )

"""50 members press "I'm here" at the same moment: latency of each, and none lost.

A one-off meeting of the big group is created that is happening now; 50 bench users
(who can log in) are made members. Each logs in through the real login form of an
in-process app with the same secret key (rate limiting off there: 50 log-ins from one
address are not what is measured), which gives a session cookie and a CSRF token that
the app under gunicorn accepts. Then 50 threads, released together by a barrier, POST
the check-in form to gunicorn; afterwards the database must hold 50 attendance rows.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from bench.dataset import make_app
from bench.generate import BENCH_PASSWORD
from bench.servers import HOST

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class CheckinResult:
    sent: int
    statuses: dict[int, int]
    p50_ms: float
    p99_ms: float
    max_ms: float
    recorded: int


def prepare(url: str, group_slug: str, emails: list[str], secret: str, n: int = 50):
    """(meeting id, [(cookie header, csrf token, person id)]) for ``n`` members."""
    from sqlalchemy import select

    from meetbot.extensions import db
    from meetbot.models import Group, Meeting, Membership, Person, utcnow

    app = make_app(url, SECRET_KEY=secret, RATELIMIT_ENABLED=False)
    sessions = []
    with app.app_context():
        group = db.session.scalar(select(Group).where(Group.slug == group_slug))
        start = utcnow().replace(microsecond=0) - timedelta(minutes=10)
        meeting = Meeting(
            group_id=group.id,
            start_dt=start,
            end_dt=start + timedelta(hours=1),
            timezone="UTC",
            title="Bench check-in call",
        )
        db.session.add(meeting)
        people = list(db.session.scalars(select(Person).where(Person.email.in_(emails[:n]))))
        member_ids = set(
            db.session.scalars(select(Membership.person_id).where(Membership.group_id == group.id))
        )
        for person in people:
            if person.id not in member_ids:
                db.session.add(Membership(group_id=group.id, person_id=person.id, role="member"))
        db.session.commit()
        meeting_id = meeting.id
        ids = {p.email: p.id for p in people}
        db.session.remove()
    for email in emails[:n]:
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = CSRF.search(page).group(1)
        response = client.post(
            "/login", data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token}
        )
        if response.status_code != 302:
            raise RuntimeError(f"bench log-in of {email} failed: {response.status_code}")
        cookie = client.get_cookie("session")
        sessions.append((f"session={cookie.value}", token, ids[email]))
    with app.app_context():
        db.engine.dispose()
    return meeting_id, sessions


def run(port: int, url: str, meeting_id: int, sessions: list, secret: str) -> CheckinResult:
    """POST all check-ins at once; then count what was recorded."""
    barrier = threading.Barrier(len(sessions))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def one(cookie: str, token: str) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        body = f"csrf_token={token}"
        headers = {
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://{HOST}:{port}/meetings/{meeting_id}/",
        }
        barrier.wait(timeout=30)
        started = time.perf_counter()
        try:
            conn.request("POST", f"/meetings/{meeting_id}/checkin", body=body, headers=headers)
            status = conn.getresponse().status
        except OSError:
            status = 0
        finally:
            conn.close()
        with lock:
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=one, args=(c, t)) for c, t, _ in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    from sqlalchemy import func, select

    from meetbot.extensions import db
    from meetbot.models import Attendance

    app = make_app(url, SECRET_KEY=secret)
    with app.app_context():
        recorded = db.session.scalar(
            select(func.count()).where(
                Attendance.meeting_id == meeting_id,
                Attendance.person_id.in_([pid for _, _, pid in sessions]),
            )
        )
        db.session.remove()
        db.engine.dispose()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return CheckinResult(
        len(sessions), statuses, pct(0.5), pct(0.99), latencies[-1] * 1000, recorded
    )

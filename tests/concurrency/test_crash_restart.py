"""A server killed with SIGKILL in the middle of a run loses nothing it acknowledged.

Members check in through gunicorn from four threads; once 20 check-ins have been
acknowledged (redirect + "You are checked in."), the whole server (master and
workers) is killed with SIGKILL, then started again on the same socket. Every
acknowledged check-in must be in the database, the restarted server must work, and
the rest of the members can still check in (none counted twice).
"""

from __future__ import annotations

import threading

from sqlalchemy import select

from meetbot.extensions import db
from meetbot.models import Attendance
from tests.concurrency.conftest import MEMBERS, LiveWorld
from tests.concurrency.server import send, start_server
from tests.concurrency.test_live_servers import checked_in, prepare_checkins

KILL_AFTER = 20
SENDERS = 4


def _present(world: LiveWorld) -> list[int]:
    with world.app.app_context():
        return list(
            db.session.scalars(
                select(Attendance.person_id).where(Attendance.meeting_id == world.meeting_id)
            )
        )


def test_acknowledged_checkins_survive_kill9_and_restart(live_world: LiveWorld) -> None:
    world = live_world
    path = f"/meetings/{world.meeting_id}/checkin"
    server = start_server(world.database_url, workers=2)
    try:
        prepared = prepare_checkins(world, [server])
        acknowledged: list[int] = []
        lock = threading.Lock()
        enough = threading.Event()
        stop = threading.Event()

        def sender(indexes: list[int]) -> None:
            for index in indexes:
                if stop.is_set():
                    return
                port, cookie, token = prepared[index]
                try:
                    response = send(port, "POST", path, form={"csrf_token": token}, cookie=cookie)
                except OSError:
                    return  # the server died under this request: not acknowledged
                if checked_in(world, response, cookie):
                    with lock:
                        acknowledged.append(world.member_ids[index])
                        if len(acknowledged) >= KILL_AFTER:
                            enough.set()

        threads = [
            threading.Thread(target=sender, args=(list(range(i, MEMBERS, SENDERS)),))
            for i in range(SENDERS)
        ]
        for thread in threads:
            thread.start()
        assert enough.wait(timeout=120), "the server acknowledged too few check-ins"
        server.kill9()
        stop.set()
        killed_at = len(acknowledged)
        # Requests still queued on the socket are served by the new server.
        server.restart()
        for thread in threads:
            thread.join(timeout=120)
        assert killed_at >= KILL_AFTER
        present = _present(world)
        assert set(acknowledged) <= set(present), "an acknowledged check-in was lost"
        assert len(present) == len(set(present))

        # The restarted server works: everyone not yet recorded checks in now.
        for index, person_id in enumerate(world.member_ids):
            if person_id in present:
                continue
            port, cookie, token = prepared[index]
            response = send(port, "POST", path, form={"csrf_token": token}, cookie=cookie)
            assert checked_in(world, response, cookie), response.status
        present = _present(world)
        assert sorted(present) == sorted(world.member_ids)
    finally:
        server.stop()

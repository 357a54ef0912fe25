"""The run guard of tests/conftest.py: a run that lost tests, or skipped a suite that
MEETBOT_REQUIRE_* requires, fails even when every test that did run passed.

The guard is fed the way pytest and the xdist controller feed it (collected ids, then
one report per phase of each test, from any worker); these tests give it such inputs.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.run_guard import RunGuard, _refuse_duplicates


def _report(nodeid: str, when: str, outcome: str = "passed", reason: str = "", keywords=()):
    return pytest.TestReport(
        nodeid=nodeid,
        location=(nodeid.split("::")[0], 1, nodeid),
        keywords=dict.fromkeys(keywords, 1),
        outcome=outcome,
        longrepr=("tests/x.py", 1, f"Skipped: {reason}") if outcome == "skipped" else None,
        when=when,
    )


def _session(exitstatus=pytest.ExitCode.OK, maxfail: int = 0):
    option = SimpleNamespace(collectonly=False, maxfail=maxfail)
    return SimpleNamespace(
        config=SimpleNamespace(option=option),
        exitstatus=exitstatus,
        shouldstop=False,
        shouldfail=False,
    )


def _run(guard: RunGuard, nodeids: list[str], skipped: dict[str, tuple[str, tuple]] | None = None):
    """Feed the reports of a run in which every test in ``nodeids`` ran."""
    skipped = skipped or {}
    for nodeid in nodeids:
        if nodeid in skipped:
            reason, keywords = skipped[nodeid]
            guard.pytest_runtest_logreport(_report(nodeid, "setup", "skipped", reason, keywords))
        else:
            guard.pytest_runtest_logreport(_report(nodeid, "setup"))
            guard.pytest_runtest_logreport(_report(nodeid, "call"))
        guard.pytest_runtest_logreport(_report(nodeid, "teardown"))
    session = _session()
    guard.pytest_sessionfinish(session, session.exitstatus)
    return session


IDS = ["tests/a.py::test_one", "tests/a.py::test_two[sqlite]", "tests/a.py::test_two[postgres]"]


def test_complete_xdist_run_passes() -> None:
    guard = RunGuard({})
    guard.pytest_xdist_node_collection_finished(node=None, ids=IDS)
    assert _run(guard, IDS).exitstatus == pytest.ExitCode.OK
    assert guard.problems == []


def test_a_collected_test_that_never_ran_fails_the_run() -> None:
    guard = RunGuard({})
    guard.pytest_xdist_node_collection_finished(node=None, ids=IDS)
    session = _run(guard, IDS[:2])
    assert session.exitstatus == pytest.ExitCode.TESTS_FAILED
    assert "1 of 3 collected tests never ran:" in guard.problems
    assert f"  {IDS[2]}" in guard.problems


def test_duplicate_ids_are_refused_before_scheduling() -> None:
    guard = RunGuard({})
    with pytest.raises(pytest.UsageError, match=r"test_one \(x2\)"):
        guard.pytest_xdist_node_collection_finished(node=None, ids=[*IDS, IDS[0]])
    _refuse_duplicates(IDS)  # unique ids pass


def test_stopping_early_on_purpose_is_not_reported_as_lost_tests() -> None:
    guard = RunGuard({})
    guard.pytest_xdist_node_collection_finished(node=None, ids=IDS)
    guard.pytest_runtest_logreport(_report(IDS[0], "call", "failed"))
    guard.pytest_runtest_logreport(_report(IDS[0], "teardown"))
    session = _session(pytest.ExitCode.TESTS_FAILED, maxfail=1)  # -x
    guard.pytest_sessionfinish(session, session.exitstatus)
    assert guard.problems == []


def test_skip_of_a_required_suite_fails_the_run() -> None:
    guard = RunGuard({"MEETBOT_REQUIRE_POSTGRES": "1"})
    guard.pytest_xdist_node_collection_finished(node=None, ids=IDS)
    reason = "PostgreSQL server binaries not found (install postgresql to run these)"
    session = _run(guard, IDS, skipped={IDS[2]: (reason, ("postgres",))})
    assert session.exitstatus == pytest.ExitCode.TESTS_FAILED
    assert any(IDS[2] in line and "MEETBOT_REQUIRE_POSTGRES=1" in line for line in guard.problems)


def test_other_skips_and_unrequired_suites_do_not_fail_the_run() -> None:
    pg_skip = "PostgreSQL server binaries not found"
    # A deliberate skip of a [postgres] test (same bytes on both backends) is fine...
    required = RunGuard({"MEETBOT_REQUIRE_POSTGRES": "1"})
    required.pytest_xdist_node_collection_finished(node=None, ids=IDS)
    deliberate = {IDS[2]: ("the feed bytes do not depend on the backend", ("postgres",))}
    assert _run(required, IDS, skipped=deliberate).exitstatus == pytest.ExitCode.OK
    # ...and without the variable a missing server is only a skip.
    relaxed = RunGuard({"MEETBOT_REQUIRE_POSTGRES": "0"})
    relaxed.pytest_xdist_node_collection_finished(node=None, ids=IDS)
    assert _run(relaxed, IDS, skipped={IDS[2]: (pg_skip, ())}).exitstatus == pytest.ExitCode.OK


def test_any_skipped_browser_test_fails_when_the_browser_is_required() -> None:
    guard = RunGuard({"MEETBOT_REQUIRE_BROWSER": "1"})
    ids = ["tests/browser/test_pages.py::test_home"]
    guard.pytest_xdist_node_collection_finished(node=None, ids=ids)
    session = _run(guard, ids, skipped={ids[0]: ("whatever the reason", ("browser",))})
    assert session.exitstatus == pytest.ExitCode.TESTS_FAILED

"""The run guard, a small pytest plugin (loaded by tests/conftest.py).

Two guards protect the result of a run, serial or with ``-n``: every collected test
must have run (none lost by the xdist scheduler), and under MEETBOT_REQUIRE_<SUITE>=1
no test may have been skipped because that suite could not run. Test ids must be
unique (``pytest_collection_modifyitems``): xdist keys tests by id.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest

# Skip reasons that mean "a suite could not run here": under MEETBOT_REQUIRE_<SUITE>=1 such
# a skip fails the run. The fixtures that skip already fail instead under those variables;
# this is the second line, checked where the reports of all xdist workers arrive.
REQUIRED_SUITES: dict[str, tuple[str, ...]] = {
    "MEETBOT_REQUIRE_POSTGRES": ("PostgreSQL server binaries not found", "PostgreSQL server is"),
    "MEETBOT_REQUIRE_ICALJS": ("ical.js",),
    "MEETBOT_REQUIRE_BROWSER": ("browser test skipped", "chromium", "Playwright"),
    "MEETBOT_REQUIRE_SAMPLE_DATA": ("irc-meetings sample data",),
    "MEETBOT_REQUIRE_IRC": ("ngircd IRC server not found",),
}


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    # The guard lives where the run is reported: pytest itself, or the xdist controller
    # (workers only forward their reports to it).
    if not _is_xdist_worker(config):
        config.pluginmanager.register(RunGuard(os.environ), "meetbot-run-guard")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse to run tests that share a node id.

    Serially they would all run, but pytest-xdist's file and scope schedulers key tests
    by node id: all but one of them are silently never run (68 schemathesis tests were
    lost that way, see tests/api/conftest.py). ``--lf`` and reports confuse them too.
    """
    if not _is_xdist_worker(config):  # a worker sends its ids to the controller, which checks
        _refuse_duplicates(item.nodeid for item in items)


def _refuse_duplicates(nodeids) -> None:
    duplicates = [(nodeid, n) for nodeid, n in Counter(nodeids).items() if n > 1]
    if duplicates:
        raise pytest.UsageError(
            "these test ids are not unique, so a parallel run would lose tests: "
            + ", ".join(f"{nodeid} (x{n})" for nodeid, n in duplicates[:10])
        )


class RunGuard:
    """Fails a run that lost tests or skipped a suite that MEETBOT_REQUIRE_* requires.

    * Every collected test must finish (its teardown report arrives) exactly as many
      times as it was collected. Under xdist the ids come from the workers' collection
      (``pytest_xdist_node_collection_finished``; xdist checks that all workers collected
      the same list), and the reports from every worker pass through here.
    * A skip whose reason says that a required suite cannot run here is a failure.
    """

    def __init__(self, environ: Any) -> None:
        self.required = {
            name: phrases for name, phrases in REQUIRED_SUITES.items() if environ.get(name) == "1"
        }
        self.expected: Counter[str] | None = None
        self.finished: Counter[str] = Counter()
        self.required_skips: list[str] = []
        self.problems: list[str] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # Serial run (the xdist controller collects nothing itself).
        self.expected = Counter(item.nodeid for item in session.items)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        _refuse_duplicates(ids)  # before xdist schedules (and silently merges) them
        self.expected = Counter(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            self.finished[report.nodeid] += 1
        if report.skipped and not hasattr(report, "wasxfail") and self.required:
            reason = (
                report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            )
            for name, phrases in self.required.items():
                browser_test = name == "MEETBOT_REQUIRE_BROWSER" and "browser" in report.keywords
                if browser_test or any(p.lower() in reason.lower() for p in phrases):
                    self.required_skips.append(f"{report.nodeid}: {reason} ({name}=1)")
                    break

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        config = session.config
        if config.option.collectonly or exitstatus == pytest.ExitCode.INTERRUPTED:
            return
        if self.required_skips:
            self.problems.append(
                f"{len(self.required_skips)} tests of a required suite were skipped:"
            )
            self.problems.extend(f"  {line}" for line in self.required_skips[:20])
        stopped_early = (
            session.shouldstop
            or session.shouldfail
            or (config.option.maxfail and exitstatus != pytest.ExitCode.OK)
        )
        if self.expected is not None and not stopped_early:
            missing = self.expected - self.finished
            if missing:
                self.problems.append(
                    f"{sum(missing.values())} of {sum(self.expected.values())} collected tests "
                    "never ran:"
                )
                self.problems.extend(f"  {nodeid}" for nodeid in sorted(missing)[:20])
        if self.problems and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.problems:
            terminalreporter.section("meetbot run guard: FAILED", sep="=", red=True, bold=True)
            for line in self.problems:
                terminalreporter.write_line(line, red=True)

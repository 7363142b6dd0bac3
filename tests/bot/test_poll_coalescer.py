"""Poll message refreshes coalesce: one running per poll, and one more after it for whatever came in."""

from __future__ import annotations

import threading

from bot.executor import WorkExecutor
from bot.slack.polls import UpdateCoalescer


class Recorder:
    """Work that can be held mid-flight, remembering each call and how many requests preceded it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.requests = 0
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.fail_next = False

    def __call__(self, key: tuple[str, int]) -> None:
        self.calls.append((key[0], self.requests))
        self.started.set()
        self.release.wait(5)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("Slack is down")


def make(work: Recorder, *, spacing: float = 0.0) -> tuple[UpdateCoalescer, WorkExecutor, list[float]]:
    executor = WorkExecutor(max_workers=4)
    waits: list[float] = []
    clock = iter(range(1000))
    coalescer = UpdateCoalescer(executor, work, spacing=spacing, sleep=waits.append,
                                monotonic=lambda: next(clock) * 0.1)
    return coalescer, executor, waits


def requested(coalescer: UpdateCoalescer, work: Recorder, key: tuple[str, int]) -> None:
    work.requests += 1
    coalescer.request(key)


def test_requests_during_a_refresh_cost_one_more_refresh_that_starts_after_them() -> None:
    work = Recorder()
    coalescer, executor, _ = make(work)
    work.release.clear()
    requested(coalescer, work, ("T", 1))
    assert work.started.wait(5)
    for _ in range(99):
        requested(coalescer, work, ("T", 1))
    work.release.set()
    assert executor.wait_idle(5)
    assert work.calls == [("T", 1), ("T", 100)]  # the second call began after all 100 requests
    assert not coalescer.busy()
    executor.shutdown()


def test_a_quiet_request_refreshes_once() -> None:
    work = Recorder()
    coalescer, executor, _ = make(work)
    requested(coalescer, work, ("T", 1))
    assert executor.wait_idle(5)
    requested(coalescer, work, ("T", 1))
    assert executor.wait_idle(5)
    assert work.calls == [("T", 1), ("T", 2)]
    executor.shutdown()


def test_refreshes_of_one_poll_are_spaced_out() -> None:
    work = Recorder()
    coalescer, executor, waits = make(work, spacing=1.0)
    work.release.clear()
    requested(coalescer, work, ("T", 1))
    assert work.started.wait(5)
    requested(coalescer, work, ("T", 1))
    work.release.set()
    assert executor.wait_idle(5)
    assert len(work.calls) == 2
    assert len(waits) == 1 and 0 < waits[0] <= 1.0
    executor.shutdown()


def test_different_polls_refresh_independently() -> None:
    work = Recorder()
    coalescer, executor, _ = make(work)
    coalescer.request(("T", 1))
    coalescer.request(("T", 2))
    assert executor.wait_idle(5)
    assert len(work.calls) == 2
    executor.shutdown()


def test_a_failed_refresh_is_logged_and_the_next_request_still_runs(caplog) -> None:  # type: ignore[no-untyped-def]
    work = Recorder()
    coalescer, executor, _ = make(work)
    work.fail_next = True
    requested(coalescer, work, ("T", 1))
    assert executor.wait_idle(5)
    requested(coalescer, work, ("T", 1))
    assert executor.wait_idle(5)
    assert len(work.calls) == 2
    assert "Could not refresh" in caplog.text
    executor.shutdown()

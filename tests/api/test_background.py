"""api.background.RerunningJob: one thread at a time, another round when asked meanwhile."""

from __future__ import annotations

import threading
import time

from api.background import RerunningJob


def test_a_request_during_a_run_makes_exactly_one_more_round() -> None:
    started, release = threading.Event(), threading.Event()
    rounds: list[str] = []

    def run_once() -> bool:
        rounds.append(threading.current_thread().name)
        started.set()
        release.wait(5)
        return True

    job = RerunningJob("test-job", run_once)
    job.request()
    assert started.wait(5)
    job.request()  # while the first round runs: one more round, not a second thread
    job.request()
    assert job.running
    release.set()
    job.join(timeout=5)
    assert not job.running
    assert rounds == ["test-job", "test-job"]


def test_a_round_that_returns_false_ends_the_job() -> None:
    calls: list[int] = []
    job = RerunningJob("failing", lambda: calls.append(1) is not None)  # False: stop
    job.request()
    job.join(timeout=5)
    deadline = time.monotonic() + 5
    while job.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls == [1] and not job.running
    job.request()  # a later request starts it again
    job.join(timeout=5)
    assert calls == [1, 1]

"""TaskRunner: outcomes, cancellation, stale-task replacement, waiting, throttling."""

from __future__ import annotations

import threading

from workbench.core import CorpusError
from workbench.gui.tasks import TaskContext, TaskRunner, run_until_finished


def _record(task):
    events = []
    task.started.connect(lambda: events.append("started"))
    task.done.connect(lambda value: events.append(("done", value)))
    task.failed.connect(lambda msg, details: events.append(("failed", msg, details)))
    task.cancelled.connect(lambda: events.append("cancelled"))
    task.finished.connect(lambda: events.append("finished"))
    return events


def _wait_for_cancel(ctx: TaskContext) -> str:
    """A long job: waits until cancelled, then stops at its check."""
    while not ctx.cancel.wait(0.01):
        pass
    ctx.check_cancelled()
    return "not reached"


def test_done_delivers_return_value_then_finished(qtbot, runner):
    task = runner.start("job", lambda ctx: {"answer": 42})
    events = _record(task)
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert events[-2:] == [("done", {"answer": 42}), "finished"]
    assert not task.is_running()
    assert not runner.is_running()


def test_expected_error_gives_message_without_details(qtbot, runner):
    def job(ctx):
        raise CorpusError("data.csv line 12: missing label")

    task = runner.start("job", job)
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        pass
    assert blocker.args == ["data.csv line 12: missing label", ""]


def test_unexpected_exception_gives_type_message_and_traceback(qtbot, runner):
    def job(ctx):
        raise ValueError("boom")

    task = runner.start("job", job)
    events = _record(task)
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    kind, message, details = events[-2]
    assert kind == "failed"
    assert message == "ValueError: boom"
    assert "Traceback" in details
    assert "raise ValueError" in details


def test_cancel_ends_with_cancelled_not_done(qtbot, runner):
    task = runner.start("job", _wait_for_cancel)
    events = _record(task)
    qtbot.waitUntil(lambda: "started" in events, timeout=5000)
    assert task.is_running()
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.cancel()
    assert events[-2:] == ["cancelled", "finished"]


def test_new_task_of_same_kind_replaces_and_mutes_old(qtbot, runner):
    old = runner.start("train", _wait_for_cancel)
    old_events = _record(old)
    new = runner.start("train", lambda ctx: "new result")
    assert old.stale
    assert old.is_cancel_requested()
    with qtbot.waitSignal(new.done, timeout=5000) as blocker:
        pass
    assert blocker.args == ["new result"]
    qtbot.waitUntil(lambda: not runner.has_threads(), timeout=5000)
    assert "cancelled" not in old_events
    assert "finished" not in old_events
    assert not any(isinstance(e, tuple) for e in old_events)


def test_tasks_of_different_kinds_run_side_by_side(qtbot, runner):
    a = runner.start("a", _wait_for_cancel)
    b = runner.start("b", lambda ctx: 1)
    with qtbot.waitSignal(b.done, timeout=5000):
        pass
    assert runner.is_running("a")
    assert not runner.is_running("b")
    assert not a.stale
    with qtbot.waitSignal(a.cancelled, timeout=5000):
        a.cancel()


def test_wait_all_after_cancel_all_ends_every_thread(qtbot, runner):
    tasks = [runner.start(kind, _wait_for_cancel) for kind in ("a", "b", "c")]
    finished = []
    for task in tasks:
        task.finished.connect(lambda k=task.kind: finished.append(k))
    runner.cancel_all()
    assert runner.wait_all(5000)
    assert sorted(finished) == ["a", "b", "c"]
    assert not runner.has_threads()


def test_wait_all_times_out_on_a_job_that_ignores_cancel(qtbot, runner):
    release = threading.Event()
    task = runner.start("stubborn", lambda ctx: release.wait(10))
    task.cancel()
    assert not runner.wait_all(50)
    assert runner.has_threads()
    release.set()
    assert runner.wait_all(5000)


def test_busy_changed_reports_start_and_end(qtbot, runner):
    states = []
    runner.busy_changed.connect(states.append)
    task = runner.start("job", lambda ctx: None)
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    qtbot.waitUntil(lambda: states == [True, False], timeout=5000)


def test_progress_is_throttled_and_final_value_always_sent(qtbot, runner):
    def job(ctx):
        for i in range(2000):
            ctx.progress(i / 2000, f"step {i}")
        ctx.progress(1.0, "done")

    task = runner.start("job", job)
    received = []
    task.progress.connect(lambda f, m: received.append((f, m)))
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert received[-1] == (1.0, "done")
    assert len(received) < 2000 / 10


def test_partial_payloads_arrive_in_order(qtbot, runner):
    def job(ctx):
        for epoch in range(3):
            ctx.partial({"epoch": epoch, "loss": 1.0 / (epoch + 1)})
        return "ok"

    task = runner.start("job", job)
    payloads = []
    task.partial.connect(payloads.append)
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert [p["epoch"] for p in payloads] == [0, 1, 2]


def test_many_emits_do_not_crash_the_interpreter(qtbot):
    """PySide6 6.12 steals a reference to True on every emit; the gui package guards it."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        ping = Signal(int)

    emitter = Emitter()
    seen = []
    emitter.ping.connect(seen.append)
    before = sys.getrefcount(True)
    for i in range(5000):
        emitter.ping.emit(i)
    assert len(seen) == 5000
    assert sys.getrefcount(True) > 5000 or sys.getrefcount(True) >= before


def test_task_outlives_a_deleted_runner_without_crashing(qtbot):
    import gc

    runner = TaskRunner()
    task = runner.start("orphan", _wait_for_cancel)
    del runner
    gc.collect()
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.cancel()
    assert not task.is_running()


def test_run_until_finished_returns_after_the_task_ends(runner):
    release = threading.Event()
    task = runner.start("slow", lambda ctx: release.wait(5) and "released")
    results = []
    task.done.connect(results.append)
    threading.Timer(0.05, release.set).start()
    run_until_finished(task)
    assert not task.is_running()
    assert results == ["released"]
    run_until_finished(task)  # already finished: returns at once
    run_until_finished(None)

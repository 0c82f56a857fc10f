"""Boots side by side (a conformance sweep's configurations, the matrix's cells) that a signal can stop.

The boots run in worker threads, where no signal arrives (Python runs handlers in the main thread only), so
``runner.run()`` there cannot see a ^C. ``run_parallel()`` waits in the main thread with the stop signals
raising ``stopping.Interrupted`` (``stopping.signals_stop()``). On one it cancels the calls not yet started,
stops the running QEMUs (``stopping.stop_children()``: the worker thread then sees its QEMU end and finishes
its boot in order) and raises ``Stopped`` with the results of the calls that had finished, within seconds,
never after every running boot's timeout.
"""

from __future__ import annotations

import signal
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Callable, TypeVar

from . import stopping

T = TypeVar("T")


class Stopped(stopping.Interrupted):
    """A stop signal ended the calls: ``results`` holds what had finished (None where a call had not)."""

    def __init__(self, signum: int, results: list):
        super().__init__(signum)
        self.results = results


def run_parallel(calls: list[Callable[[], T]], jobs: int) -> list[T]:
    """Every call, ``jobs`` at a time, results in the order given; Stopped on a stop signal."""
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    futures = [pool.submit(call) for call in calls]
    try:
        with stopping.signals_stop():
            _wait(futures)
    except KeyboardInterrupt as stop:
        for future in futures:
            future.cancel()
        finished = [f.result() if f.done() and not f.cancelled() and f.exception() is None else None
                    for f in futures]
        running = [f for f in futures if not f.done()]
        while running:  # again until they end: a call may start its QEMU just after a round
            stopping.stop_children()
            running = list(wait(running, timeout=0.5).not_done)
        pool.shutdown(wait=True, cancel_futures=True)
        raise Stopped(getattr(stop, "signum", signal.SIGINT), finished) from stop
    pool.shutdown(wait=True)
    return [future.result() for future in futures]


def _wait(futures: list) -> None:
    """Until every future is done; a stop a worker thread caught (Interrupted raised at the end of its
    stopping.deferred() block) is raised here, in the main thread."""
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        for future in done:
            if isinstance(future.exception(), KeyboardInterrupt):
                raise future.exception()

"""The process reports are rendered in: one per app worker, started on the first report and kept.

Rendering (charts, layout, font subsetting) is CPU work; done here, the app's event loop goes on
serving scans and pages on the machine's other core meanwhile, and reports queue for this one
process rather than taking every core. It is forked from a forkserver that has imported only the
renderers (not the app: that took 3.2 s and 138 MB of a cold start, against under a second).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Literal

from events.report_model import Report

Format = Literal["pdf", "xlsx"]
#: What the forkserver imports once, so each render process starts with the renderers loaded.
PRELOAD = ["events.report_worker", "events.report_pdf", "events.report_xlsx"]


def render_here(format: Format, report: Report, language: str) -> bytes:
    """Render in this process (what the render process runs)."""
    if format == "pdf":
        from events.report_pdf import render_pdf

        return render_pdf(report, language)
    from events.report_xlsx import render_xlsx

    return render_xlsx(report, language)


_pool: ProcessPoolExecutor | None = None
#: How often the render process looks whether the app worker that started it is still there.
WATCH_SECONDS = 1.0


def _outlive_no_one(app_pid: int) -> None:
    """In the render process: end it once the app worker is gone, however that went (SIGKILL, out of memory).

    Its parent is the forkserver, not the app worker, and it holds both ends of its own task queue's pipe, so it
    would never hear that the worker died: it, and the forkserver it keeps alive, would stay for good.
    """

    def watch() -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            try:
                os.kill(app_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass  # alive, under another user: pids are not reused that fast

    threading.Thread(target=watch, name="watch-app-worker", daemon=True).start()


def _process() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # Not fork: this process has an event loop, database threads and sockets that a fork would copy half-alive.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_outlive_no_one, initargs=(os.getpid(),))
    return _pool


async def render(report: Report, *, format: Format, language: str) -> bytes:
    """The report rendered in the render process; one that died (killed, out of memory) is replaced once."""
    loop = asyncio.get_running_loop()
    for attempt in (1, 2):
        try:
            return await loop.run_in_executor(_process(), render_here, format, report, language)
        except BrokenProcessPool:
            close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def close() -> None:
    """Stop the render process (the app's shutdown); the next report starts a new one.

    Waits for it to end: without waiting, the app's process could exit before the render process was told
    to stop, and it stayed (test servers left one behind per run until it watched for the app worker).
    """
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None

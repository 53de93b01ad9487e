"""Where corpus mode's tasks run: in this process, on a local pool of worker processes, or on Dask.

Every runner has ``imap(fn, items)``, yielding ``(index, result, error)`` as
tasks complete (one bad task never stops the run), ``workers`` and
``close()``. The tasks are plain top-level functions over picklable
dataclasses (``tasks``), so the three run them unchanged. Layout (chosen for
a machine whose cores the encoder already uses): the main process embeds,
and the tasks run on ``jobs`` single-threaded workers.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator

from ..errors import InputError


def cpu_count() -> int:
    """Cores this process may use (the affinity mask, not the machine's total)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _worker_init(parent: int) -> None:
    """Pool workers: one thread each (there is one worker per core), and Ctrl-C is the parent's job."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int, every: float = 1.0) -> None:
    """End this worker once the main process is gone (killed, say): an orphan would hold a core and
    its memory for nothing, since no one reads its results. The rerun resumes from the saved state.
    (``parent`` is the pid the pool was made by, so a parent gone before this thread starts counts too;
    where orphans are not re-parented, as on Windows, this never fires.)"""
    while True:
        time.sleep(every)
        if os.getppid() != parent:
            os._exit(1)


class InlineRunner:
    """Runs tasks one after the other in this process (``--jobs 1``, tests, tiny folders)."""

    workers = 1

    def imap(self, fn: Callable, items: Iterable) -> Iterator[tuple[int, Any, BaseException | None]]:
        for k, item in enumerate(items):
            try:
                yield k, fn(item), None
            except Exception as err:  # one bad task never stops the run
                yield k, None, err

    def close(self) -> None:
        pass


class LocalRunner:
    """A pool of single-threaded worker processes, started on first use.

    Starting a worker costs seconds (imports, language models), so a handful
    of tasks runs in this process instead (``inline_below``).
    """

    def __init__(self, jobs: int, inline_below: int = 8):
        self.workers = jobs
        self.inline_below = inline_below
        self._pool: ProcessPoolExecutor | None = None

    def _get(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing

            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_worker_init, initargs=(os.getpid(),))
        return self._pool

    def imap(self, fn: Callable, items: Iterable) -> Iterator[tuple[int, Any, BaseException | None]]:
        """Results as they complete, keeping only a few tasks in flight (tasks carry vectors)."""
        items = list(items)
        if self._pool is None and len(items) < self.inline_below:
            yield from InlineRunner().imap(fn, items)
            return
        pool = self._get()
        window = 4 * self.workers
        pending: dict[Future, int] = {}
        it = iter(enumerate(items))
        try:
            while True:
                for k, item in it:
                    pending[pool.submit(fn, item)] = k
                    if len(pending) >= window:
                        break
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    k = pending.pop(fut)
                    error = fut.exception()
                    if isinstance(error, BrokenProcessPool):  # not one bad task: the workers are gone
                        raise RuntimeError(f"the worker processes died ({error}); try --jobs 1") from None
                    yield k, None if error else fut.result(), error
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskRunner:
    """The same tasks on a Dask distributed cluster (``pip install -e '.[dask]'``)."""

    def __init__(self, scheduler):
        try:
            from distributed import Client
        except ImportError:
            raise InputError("--scheduler needs Dask distributed: pip install distributed "
                             "(or pip install -e '.[dask]')") from None
        if isinstance(scheduler, Client):
            self.client, self._own = scheduler, False
        else:
            try:
                self.client, self._own = Client(scheduler, timeout="20s"), True
            except (OSError, TimeoutError, ValueError) as err:
                raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None
        self.workers = max(1, sum(self.client.nthreads().values()))

    def imap(self, fn: Callable, items: Iterable) -> Iterator[tuple[int, Any, BaseException | None]]:
        from distributed import as_completed

        window = 4 * self.workers
        it = iter(enumerate(items))
        index: dict[str, int] = {}
        queue = as_completed()
        for k, item in it:
            fut = self.client.submit(fn, item, pure=False)
            index[fut.key] = k
            queue.add(fut)
            if queue.count() >= window:
                break
        try:
            for fut in queue:
                k = index.pop(fut.key)
                if fut.status == "error":
                    yield k, None, fut.exception()
                else:
                    yield k, fut.result(), None
                fut.release()
                nxt = next(it, None)
                if nxt is not None:
                    new = self.client.submit(fn, nxt[1], pure=False)
                    index[new.key] = nxt[0]
                    queue.add(new)
        except BaseException:
            queue.clear()
            raise

    def close(self) -> None:
        if self._own:
            self.client.close()


def make_runner(jobs: int = 0, scheduler=None, inline_below: int = 8):
    """Dask when a scheduler is given, else a local pool of ``jobs`` processes (1: in-process)."""
    if scheduler:
        return DaskRunner(scheduler)
    jobs = jobs or cpu_count()
    return InlineRunner() if jobs <= 1 else LocalRunner(jobs, inline_below)


def describe_error(err: BaseException) -> str:
    """One line for a failed task: our own messages as they are, anything else with its type."""
    if isinstance(err, InputError):
        return str(err)
    return f"{type(err).__name__}: {err}"

"""Where the units of work run: in this process, in a ``spawn`` process pool, or on a Dask cluster.

Every runner maps a top-level function over picklable tasks and yields results as they complete; the
pipeline orders them itself, so all three give the same report.

polars and ``fork`` do not mix: a forked child inherits polars' thread pool in whatever state its locks
were, and can deadlock. The pool therefore uses the ``spawn`` start method, and tells each child how many
threads polars may use so that ``--jobs`` processes do not oversubscribe the cores.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import socket
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlsplit

from analyzer.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

T = TypeVar("T")
R = TypeVar("R")

#: Tasks queued per worker at most, so results are handed back (and freed) as the work goes on.
_INFLIGHT_PER_WORKER = 2


class Runner(Protocol):
    """Runs tasks somewhere and yields their results in completion order."""

    #: How many tasks run at once.
    workers: int

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]: ...

    def close(self) -> None: ...


class SerialRunner:
    """Everything in this process (``--jobs 1``)."""

    workers = 1

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        pass


class PoolRunner:
    """A pool of ``jobs`` spawned processes on this machine."""

    def __init__(self, jobs: int) -> None:
        self.workers = jobs
        threads = max(1, (os.cpu_count() or 1) // jobs)
        self._pool = ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(threads, os.getpid()),
        )
        self._threads = threads

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        pending: set[Future[R]] = set()
        queue = iter(tasks)
        limit = self.workers * _INFLIGHT_PER_WORKER
        with _polars_threads(self._threads):  # children inherit the environment they are spawned with
            try:
                while True:
                    for task in queue:
                        pending.add(self._pool.submit(fn, task))
                        if len(pending) >= limit:
                            break
                    if not pending:
                        return
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        yield future.result()
            finally:
                for future in pending:
                    future.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskRunner:
    """An existing Dask distributed cluster (``--cluster ADDRESS``); needs ``wsdiag[cluster]``."""

    def __init__(self, address: str, *, timeout: float = 15.0) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise UsageError("--cluster needs Dask distributed: pip install 'wsdiag[cluster]'") from exc
        _check_reachable(address)
        try:
            self._client: Any = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(f"--cluster: cannot connect to the Dask scheduler at {address}: {exc}") from exc
        info = self._client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        from distributed import as_completed

        futures = self._client.map(fn, list(tasks), pure=False)
        try:
            with self._client.as_current():
                completed = as_completed(futures)
            for future in completed:
                yield future.result()
        finally:
            for future in futures:
                future.release()

    def close(self) -> None:
        self._client.close()


def _check_reachable(address: str) -> None:
    """Fail at once when nothing listens at a ``tcp://host:port`` address (Dask would retry until its timeout)."""
    parsed = urlsplit(address if "://" in address else f"tcp://{address}")
    if parsed.scheme != "tcp" or not parsed.hostname or not parsed.port:
        return
    try:
        socket.create_connection((parsed.hostname, parsed.port), timeout=5).close()
    except OSError as exc:
        raise UsageError(
            f"--cluster: cannot connect to the Dask scheduler at {address}: {exc.strerror or exc}"
        ) from exc


def make_runner(*, jobs: int, cluster: str | None) -> Runner:
    """The runner for ``--jobs`` / ``--cluster``."""
    if cluster:
        return DaskRunner(cluster)
    if jobs <= 1:
        return SerialRunner()
    return PoolRunner(jobs)


def _start_worker(threads: int, parent: int) -> None:
    """In each pool process: the polars thread budget, and a watch that ends it when its parent dies.

    A pool worker waits for tasks on a pipe; if the scan is killed (SIGKILL, OOM killer) nobody closes it
    and the worker would sleep for ever, holding its memory.
    """
    os.environ.setdefault("POLARS_MAX_THREADS", str(threads))
    # the parent's pid comes from the parent: a worker that starts after it died sees another ppid at once
    threading.Thread(target=_exit_with, args=(parent,), name="wsdiag-orphan-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_ORPHAN_POLL_SECONDS)
    os._exit(1)


_ORPHAN_POLL_SECONDS = 0.5


@contextlib.contextmanager
def _polars_threads(threads: int) -> Iterator[None]:
    """Set ``POLARS_MAX_THREADS`` while children start (unless the user set it), then restore it."""
    if "POLARS_MAX_THREADS" in os.environ:
        yield
        return
    os.environ["POLARS_MAX_THREADS"] = str(threads)
    try:
        yield
    finally:
        os.environ.pop("POLARS_MAX_THREADS", None)

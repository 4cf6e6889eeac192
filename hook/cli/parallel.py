"""Many files checked on all cores: a fork-based process pool, results back as plain data, in order.

``govhook check`` evaluates each file on its own (parse, the pipeline, a ``Verdict``) and combines
the verdicts in file order (``hook.core.pipeline.combine``), so the report is the same whatever the
number of jobs. With more than one job, the files are dealt to forked worker processes: a worker
starts with everything the parent imported and set up (the policy, the registry, samtranslator
when a file needs it), so no process pays those twice, and sends back the file's ``Verdict`` (a
tree of plain records, pickled) or the error that stopped it. Threads would not help: the work is
pure Python under the GIL (measured in bench/README.md).

A pool costs a few milliseconds to start and each file's result a little to send back, so small
runs stay in the process: one job, one file, or fewer files than :data:`MIN_FILES` unless at least
two are SAM templates (each costs tens of milliseconds to expand).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["MIN_FILES", "default_jobs", "map_files", "should_fork"]

#: Below this many files (and fewer than two SAM templates) a pool costs more than it saves.
MIN_FILES = 8

_WORK: Callable[[str], Any] | None = None


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def should_fork(jobs: int, files: int, sam_files: int) -> bool:
    if jobs <= 1 or files <= 1 or not _fork_available():
        return False
    return files >= MIN_FILES or sam_files >= 2


def _fork_available() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _run_one(path: str) -> Any:
    assert _WORK is not None
    try:
        return _WORK(path)
    except Exception as exc:  # returned, not raised: the parent raises the first one in file order
        return exc


def map_files(work: Callable[[str], Any], paths: Sequence[str], jobs: int) -> list[Any]:
    """``work(path)`` for each path, in order: its result, or the exception it raised (returned).

    With ``jobs`` > 1 the calls run in forked processes; ``work`` and what it closes over are
    inherited by the fork, never pickled; results and exceptions are pickled back.
    """
    global _WORK
    _WORK = work
    try:
        if jobs <= 1 or len(paths) <= 1:
            return [_run_one(p) for p in paths]
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        workers = min(jobs, len(paths))
        # Small chunks balance uneven files (a SAM template next to a plain one); a few per worker.
        chunk = max(1, len(paths) // (workers * 4))
        pool = ctx.Pool(workers)
        try:
            results = list(pool.imap(_run_one, paths, chunksize=chunk))
            pool.close()
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()
        return results
    finally:
        _WORK = None

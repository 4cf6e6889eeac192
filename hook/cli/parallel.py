"""Many files checked on all cores: a fork-based process pool, results back as plain data, in order.

``govhook check`` evaluates each file on its own (parse, the pipeline, a ``Verdict``) and combines
the verdicts in file order (``hook.core.pipeline.combine``), so the report is the same whatever the
number of jobs. With more than one job, this process and ``jobs - 1`` forked workers share the
files, each taking the next one whenever it is free: a worker starts with everything this process
imported and set up (the policy, the registry, samtranslator when a file needs it), so no process
pays those twice, and sends back each file's ``Verdict`` (a tree of plain records, pickled) or the
error that stopped it. Threads would not help: the work is pure Python under the GIL (measured in
bench/README.md).

A pool costs a fork per worker and each of a worker's results a pickle to send back, which a
small template's own check hardly outweighs; so a run stays in this process with one job, or with
fewer files than :data:`MIN_FILES` and fewer SAM templates than :data:`MIN_SAM_FILES` (each costs
much more to expand than a plain template to check). Both thresholds are measured (bench/README.md,
"--jobs"): below them two workers were not faster than one process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["MIN_FILES", "MIN_SAM_FILES", "default_jobs", "map_files", "should_fork"]

#: From this many files a pool is used ...
MIN_FILES = 64
#: ... or from this many SAM templates among them.
MIN_SAM_FILES = 8

_WORK: Callable[[str], Any] | None = None


def default_jobs() -> int:
    """``GOVHOOK_JOBS`` when set (a CI job that shares its cores, or ``1`` for one process), else
    the cores this process may run on."""
    setting = os.environ.get("GOVHOOK_JOBS", "").strip()
    if setting:
        from hook.core.errors import InputError

        if not setting.isdigit() or int(setting) < 1:
            raise InputError(f"GOVHOOK_JOBS={setting!r}: must be a whole number of at least 1")
        return int(setting)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def should_fork(jobs: int, files: int, sam_files: int) -> bool:
    if jobs <= 1 or files <= 1 or not _fork_available():
        return False
    return files >= MIN_FILES or sam_files >= MIN_SAM_FILES


def _fork_available() -> bool:
    return hasattr(os, "fork") and sys.platform != "darwin"  # macOS: forking a Python process is unsafe


def _run_one(path: str) -> Any:
    assert _WORK is not None
    try:
        return _WORK(path)
    except Exception as exc:  # returned, not raised: the parent raises the first one in file order
        return exc


def map_files(work: Callable[[str], Any], paths: Sequence[str], jobs: int) -> list[Any]:
    """``work(path)`` for each path, in order: its result, or the exception it raised (returned).

    With ``jobs`` > 1 the first path is done in this process, then the others by this process and
    ``jobs - 1`` forked ones: each worker inherits what that first call loaded and built once
    (adapters imported on first use, compiled patterns, the rules' remembered answers) instead of
    building it again. ``work`` and what it closes over are inherited by the fork, never pickled;
    the workers' results and exceptions are pickled back.
    """
    global _WORK
    _WORK = work
    try:
        if jobs <= 1 or len(paths) <= 2:
            return [_run_one(p) for p in paths]
        first = _run_one(paths[0])
        return [first, *_shared(list(paths[1:]), min(jobs, len(paths) - 1))]
    finally:
        _WORK = None


# -- the pool -------------------------------------------------------------------------------------
#
# Before forking, this process writes every task (a file's index, 4 bytes) into one pipe and
# closes its writing end; then it and the forked workers each read the next task whenever they
# are free, until the pipe is empty. A pipe read holds the pipe's lock and the pipe only ever holds
# whole tasks, so each 4-byte read takes one whole task and no two processes take the same one;
# files go to whichever process is free, so a slow file (a SAM template) holds up no one. A worker
# answers each file on a result pipe of its own with one frame (8-byte length, then the pickled
# ``(index, result)``); this process reads the answers waiting after each of its own files, so the
# cost of unpickling them is spread over the run and evened out by the same dealing (the more time
# it spends on answers, the fewer files it takes). Its own results are never pickled.
# ``multiprocessing.Pool`` would add a result thread, a task thread and its own imports, which
# cost more than a small run saves.
#
# A worker that dies (killed, out of memory) loses the file it was checking: each file no process
# has answered at the end is checked again in a fresh fork, one at a time, so that a file that
# kills its process is never checked in this one; if that fork dies too, the run stops with an
# error naming the file.

_TASK = 4  # bytes per task: a little-endian index


def _pipe_capacity(fd: int) -> int:
    """How many bytes the pipe holds (Linux: 64 KiB unless changed; elsewhere POSIX's PIPE_BUF
    minimum is all that is known)."""
    import fcntl

    get = getattr(fcntl, "F_GETPIPE_SZ", None)
    if get is not None:
        with contextlib.suppress(OSError):
            return int(fcntl.fcntl(fd, get))
    return 512


def _widen(fd: int, size: int) -> None:
    """Ask for a pipe of ``size`` bytes (Linux; refused above ``/proc/sys/fs/pipe-max-size``)."""
    import fcntl

    setter = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setter is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, setter, size)


def _tasks(count: int) -> tuple[int, int, int]:
    """A task pipe holding every task, its writing end closed: (reading end, tasks, files per
    task). A task is one file, or, for more files than the pipe holds tasks, a run of consecutive
    files (task ``t`` is files ``t * per`` to ``t * per + per - 1``)."""
    task_r, task_w = os.pipe()
    try:
        if count * _TASK > _pipe_capacity(task_w):
            _widen(task_w, count * _TASK)
        room = _pipe_capacity(task_w) // _TASK
        per = -(-count // room)
        tasks = -(-count // per)
        _write_all(task_w, b"".join(t.to_bytes(_TASK, "little") for t in range(tasks)))
    finally:
        os.close(task_w)  # readers see the end of the tasks once the pipe is empty
    return task_r, tasks, per


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int) -> bytes | None:
    """``size`` bytes, or None at end of file (the other side has gone)."""
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int) -> bytes | None:
    """One worker's answer (8-byte length, then the pickle), or None once the worker has gone."""
    head = _read_exactly(fd, 8)
    return _read_exactly(fd, int.from_bytes(head, "little")) if head is not None else None


def _next_files(task_r: int, per: int, count: int) -> range | None:
    """The files of the next task, or None when none is left."""
    head = _read_exactly(task_r, _TASK)
    if head is None:
        return None
    start = int.from_bytes(head, "little") * per
    return range(start, min(start + per, count))


def _worker(paths: list[str], task_r: int, per: int, results: int) -> None:
    """The forked worker's loop; never returns (``os._exit``: no atexit handlers, no inherited
    buffers flushed twice)."""
    import pickle

    code = 1
    try:
        while (files := _next_files(task_r, per, len(paths))) is not None:
            for index in files:
                result = _run_one(paths[index])
                try:
                    data = pickle.dumps((index, result), protocol=pickle.HIGHEST_PROTOCOL)
                except Exception as exc:  # an unpicklable result or exception: sent as text
                    data = pickle.dumps((index, RuntimeError(f"{type(result).__name__}: {result} ({exc})")))
                _write_all(results, len(data).to_bytes(8, "little") + data)
        code = 0
    finally:
        os._exit(code)


def _fork_workers(paths: list[str], task_r: int, per: int, workers: int) -> dict[int, int]:
    """Start ``workers`` forks reading tasks from ``task_r``: {pid: the reading end of its results}."""
    import gc

    children: dict[int, int] = {}
    # Objects made so far are left out of the children's collections, which would otherwise
    # write to (and so copy) every page of the inherited heap.
    gc.freeze()
    try:
        for _ in range(workers):
            result_r, result_w = os.pipe()
            _widen(result_w, 1 << 20)  # a worker rarely waits for this process to read its answers
            pid = os.fork()
            if pid == 0:  # the worker
                os.close(result_r)
                for other in children.values():
                    os.close(other)
                _worker(paths, task_r, per, result_w)
            os.close(result_w)
            children[pid] = result_r
    finally:
        gc.unfreeze()
    return children


def _shared(paths: list[str], processes: int) -> list[Any]:
    """Each path's result, checked by this process and ``processes - 1`` forked workers."""
    import pickle
    import selectors

    count = len(paths)
    out: list[Any] = [None] * count
    done = [False] * count
    task_r, _, per = _tasks(count)
    children: dict[int, int] = {}
    selector = selectors.DefaultSelector()

    def answers(timeout: float | None) -> None:
        """Read the answers waiting (``timeout`` 0), or wait for at least one (None)."""
        for key, _ in selector.select(timeout):
            data = _read_frame(key.fd)
            if data is None:  # the worker has finished, or gone (its file is checked again below)
                selector.unregister(key.fd)
                continue
            index, result = pickle.loads(data)
            out[index] = result
            done[index] = True

    try:
        children = _fork_workers(paths, task_r, per, processes - 1)
        for fd in children.values():
            selector.register(fd, selectors.EVENT_READ)
        while (files := _next_files(task_r, per, count)) is not None:
            for index in files:
                out[index] = _run_one(paths[index])
                done[index] = True
            answers(0)
        while selector.get_map():
            answers(None)
    finally:
        selector.close()
        _end(children, task_r, finished=all(done))
    for index in [i for i, d in enumerate(done) if not d]:
        out[index] = _alone(paths, index)
    return out


def _alone(paths: list[str], index: int) -> Any:
    """The result of one file a worker died checking, from a fresh fork of its own."""
    import pickle

    task_r, task_w = os.pipe()
    os.write(task_w, index.to_bytes(_TASK, "little"))
    os.close(task_w)
    children: dict[int, int] = {}
    try:
        children = _fork_workers(paths, task_r, 1, 1)
        (result_r,) = children.values()
        data = _read_frame(result_r)
    finally:
        _end(children, task_r, finished=True)
    if data is None:
        raise RuntimeError(f"govhook's worker processes ended before checking {paths[index]}")
    return pickle.loads(data)[1]


def _end(children: dict[int, int], task_r: int, finished: bool) -> None:
    """Close the pipes and reap the workers (stopped first if the run did not finish)."""
    for fd in (task_r, *children.values()):
        with contextlib.suppress(OSError):
            os.close(fd)
    for pid in children:
        if not finished:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)

"""Many files checked on all cores: a fork-based process pool, results back as plain data, in order.

``govhook check`` evaluates each file on its own (parse, the pipeline, a ``Verdict``) and combines
the verdicts in file order (``hook.core.pipeline.combine``), so the report is the same whatever the
number of jobs. With more than one job, the files are dealt to forked worker processes: a worker
starts with everything the parent imported and set up (the policy, the registry, samtranslator
when a file needs it), so no process pays those twice, and sends back the file's ``Verdict`` (a
tree of plain records, pickled) or the error that stopped it. Threads would not help: the work is
pure Python under the GIL (measured in bench/README.md).

A pool costs a fork per worker and each file's result a pickle to send back, which a small
template's own check hardly outweighs; so a run stays in this process with one job, or with fewer
files than :data:`MIN_FILES` and fewer SAM templates than :data:`MIN_SAM_FILES` (each costs much
more to expand than a plain template to check). Both thresholds are measured (bench/README.md,
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

    With ``jobs`` > 1 the first path is done in this process, then the others in forked processes:
    each worker inherits what that first call loaded and built once (adapters imported on first
    use, compiled patterns, the rules' remembered answers) instead of building it again. ``work``
    and what it closes over are inherited by the fork, never pickled; results and exceptions are
    pickled back.
    """
    global _WORK
    _WORK = work
    try:
        if jobs <= 1 or len(paths) <= 2:
            return [_run_one(p) for p in paths]
        first = _run_one(paths[0])
        return [first, *_forked(list(paths[1:]), min(jobs, len(paths) - 1))]
    finally:
        _WORK = None


# -- the pool -------------------------------------------------------------------------------------
#
# Each worker is a fork with two pipes: the parent writes it the index of the next path (4 bytes),
# the worker answers with one frame (8-byte length, then the pickled ``(index, result)``) and gets
# the next index, until the parent writes STOP. Paths go to whichever worker is free, so a slow
# file (a SAM template) does not hold up the others. ``multiprocessing.Pool`` would do the same
# with a result thread, a task thread and its own imports, which cost more than a small run saves.

_STOP = 0xFFFFFFFF


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


def _worker(paths: list[str], tasks: int, results: int) -> None:
    """The forked worker's loop; never returns (``os._exit``: no atexit handlers, no inherited
    buffers flushed twice)."""
    import pickle

    code = 1
    try:
        while True:
            head = _read_exactly(tasks, 4)
            index = int.from_bytes(head, "little") if head is not None else _STOP
            if index == _STOP:
                code = 0
                break
            result = _run_one(paths[index])
            try:
                data = pickle.dumps((index, result), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # an unpicklable result or exception: sent as text
                data = pickle.dumps((index, RuntimeError(f"{type(result).__name__}: {result} ({exc})")))
            _write_all(results, len(data).to_bytes(8, "little") + data)
    finally:
        os._exit(code)


def _forked(paths: list[str], workers: int) -> list[Any]:
    import gc
    import pickle
    import selectors

    out: list[Any] = [None] * len(paths)
    done = [False] * len(paths)
    children: dict[int, tuple[int, int]] = {}  # pid -> (its task pipe, its result pipe)
    # Objects made so far are left out of the children's collections, which would otherwise
    # write to (and so copy) every page of the inherited heap.
    gc.freeze()
    try:
        for _ in range(workers):
            task_r, task_w = os.pipe()
            result_r, result_w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker
                os.close(task_w)
                os.close(result_r)
                for other_task, other_result in children.values():
                    os.close(other_task)
                    os.close(other_result)
                _worker(paths, task_r, result_w)
            os.close(task_r)
            os.close(result_w)
            children[pid] = (task_w, result_r)
    finally:
        gc.unfreeze()
    selector = selectors.DefaultSelector()
    pending = list(range(len(paths) - 1, -1, -1))  # popped from the end: file order
    busy: dict[int, int] = {}  # result pipe -> the index its worker is checking

    def give(result_r: int, task_w: int) -> None:
        index = pending.pop() if pending else _STOP
        try:
            os.write(task_w, index.to_bytes(4, "little"))
        except OSError:  # the worker has gone; its end of file is read next
            if index != _STOP:
                pending.append(index)
            return
        if index != _STOP:
            busy[result_r] = index

    try:
        for task_w, result_r in children.values():
            selector.register(result_r, selectors.EVENT_READ, task_w)
            give(result_r, task_w)
        while not all(done):
            if not selector.get_map():
                left = [paths[i] for i, d in enumerate(done) if not d]
                raise RuntimeError(f"govhook's worker processes ended before checking {left[0]}")
            for key, _ in selector.select():
                head = _read_exactly(key.fd, 8)
                data = _read_exactly(key.fd, int.from_bytes(head, "little")) if head is not None else None
                if data is None:  # the worker has gone (killed, out of memory): its file to another
                    selector.unregister(key.fd)
                    lost = busy.pop(key.fd, None)
                    if lost is not None:
                        pending.append(lost)
                    continue
                index, result = pickle.loads(data)
                busy.pop(key.fd, None)
                out[index] = result
                done[index] = True
                give(key.fd, key.data)
    finally:
        selector.close()
        for task_w, result_r in children.values():
            for fd in (task_w, result_r):
                with contextlib.suppress(OSError):
                    os.close(fd)
        for pid in children:
            if not all(done):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
    return out

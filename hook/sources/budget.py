"""The time an invocation has left for network calls, and a guard that keeps every call inside it.

The handler opens a :class:`Budget` per invocation (:func:`use`): its deadline is the one the engine
stops at, minus what answering takes (:data:`ANSWER_RESERVE`). Every network call (the payload, SSM,
the Lambda API, the policy from S3) asks :meth:`Budget.for_call` for its *total* timeout, runs under
:func:`guarded` (a worker thread the caller waits for at most that long: a botocore retry or a
server that trickles bytes cannot overrun it), and is recorded, so that running out of time names
the slow call. Outside an invocation (the CLI, tests) there is no deadline and calls keep their caps.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from hook.core.errors import GovhookError

__all__ = ["ANSWER_RESERVE", "Budget", "NotAttempted", "OutOfTime", "current", "guarded", "use"]

T = TypeVar("T")

#: Kept back from every call's timeout: the engine's remaining rules and the answer itself.
ANSWER_RESERVE = 0.25
#: No single call gets less than this: below it a call cannot succeed, so it is not started.
MIN_CALL = 0.05


class OutOfTime(GovhookError):
    """A network call did not answer within the time left before the deadline."""


class NotAttempted(OutOfTime):
    """No time was left to make the call at all (not the source's fault: nothing to remember)."""


class Budget:
    """Time left before ``deadline`` (a ``time.monotonic()`` value) for network calls."""

    def __init__(self, deadline: float | None, reserve: float = ANSWER_RESERVE) -> None:
        self.deadline = deadline
        self.reserve = reserve
        #: (what, seconds) of each call made under this budget, in order.
        self.calls: list[tuple[str, float]] = []

    def remaining(self) -> float:
        if self.deadline is None:
            return float("inf")
        return self.deadline - self.reserve - time.monotonic()

    def for_call(self, what: str, cap: float) -> float:
        """The total timeout for one call: what is left (at most ``cap``); raises OutOfTime when
        nothing useful is left."""
        left = self.remaining()
        if left < MIN_CALL:
            raise NotAttempted(f"{what} was not attempted: no time was left before the deadline"
                            + self._slowest())
        return min(cap, left)

    def spent(self, what: str, seconds: float) -> None:
        if len(self.calls) < 64:
            self.calls.append((what, seconds))

    def _slowest(self) -> str:
        if not self.calls:
            return ""
        what, seconds = max(self.calls, key=lambda c: c[1])
        return f" ({what} took {seconds:.1f} s)"

    def slowest(self) -> str:
        """``"; the slowest call was X (N s)"`` when a call took a noticeable share, else ``""``."""
        if not self.calls:
            return ""
        what, seconds = max(self.calls, key=lambda c: c[1])
        return f"; the slowest call was {what} ({seconds:.1f} s)" if seconds >= 0.5 else ""


_NONE = Budget(None)
_current = _NONE


def current() -> Budget:
    """The budget of the invocation in progress (no deadline outside one)."""
    return _current


@contextlib.contextmanager
def use(budget: Budget) -> Iterator[Budget]:
    global _current
    previous, _current = _current, budget
    try:
        yield budget
    finally:
        _current = previous


def guarded(what: str, fn: Callable[[], T], timeout: float, on_timeout: Callable[[], Any] | None = None) -> T:
    """``fn()``, waited for at most ``timeout`` seconds (in a daemon thread); past that, OutOfTime
    naming ``what``, and ``on_timeout`` (to abandon a connection) is called. The call's time is
    recorded on the current budget either way."""
    budget = current()
    started = time.monotonic()
    box: list[Any] = []

    def run() -> None:
        try:
            box.append((True, fn()))
        except BaseException as exc:  # handed to the caller's thread
            box.append((False, exc))

    worker = threading.Thread(target=run, name=f"govhook {what}"[:60], daemon=True)
    worker.start()
    worker.join(timeout)
    budget.spent(what, time.monotonic() - started)
    if not box:
        if on_timeout is not None:
            with contextlib.suppress(Exception):
                on_timeout()
        raise OutOfTime(f"{what} did not answer within {timeout:.1f} s (the time left before the deadline)")
    ok, value = box[0]
    if ok:
        return value  # type: ignore[no-any-return]
    raise value

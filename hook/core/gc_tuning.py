"""Garbage-collector tuning for runs whose heap is nearly all live data.

A check (CLI) or a cold start (handler) allocates hundreds of thousands of objects that stay alive
until the answer is written (node trees with their marks, targets, findings; at a cold start the
imported modules, the rules and the policy) and leaves almost no cyclic garbage. With the default
gen-0 threshold the collector walks those live objects again and again to free almost nothing.
Both helpers restore the collector exactly as they found it, whatever the block raises; what
they save is measured in ``bench/README.md``.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused", "fewer_collections", "freeze_at_exit"]


@contextmanager
def fewer_collections(gen0: int = 100_000) -> Iterator[None]:
    """Run the block with the gen-0 threshold raised to ``gen0`` allocations (older generations
    keep theirs), then put the previous thresholds back."""
    previous = gc.get_threshold()
    gc.set_threshold(gen0, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the collector off; turn it back on afterwards if it was on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_FREEZE_REGISTERED = False


def freeze_at_exit() -> None:
    """At interpreter exit, move every object to the collector's permanent generation first, so
    the collections run while the interpreter shuts down do not walk a heap it is about to drop
    (its last report already written). ``atexit`` handlers registered before this one still run
    after it, files are still flushed and closed, and nothing changes before exit. Registered
    once per process."""
    global _FREEZE_REGISTERED
    if not _FREEZE_REGISTERED:
        _FREEZE_REGISTERED = True
        atexit.register(gc.freeze)

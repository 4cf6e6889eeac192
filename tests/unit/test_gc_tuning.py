"""GC tuning (hook.core.gc_tuning) changes the collector for one block and always puts it back."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from hook.core.gc_tuning import collector_paused, fewer_collections


@pytest.fixture(autouse=True)
def restore_gc() -> Iterator[None]:
    threshold, enabled = gc.get_threshold(), gc.isenabled()
    yield
    gc.set_threshold(*threshold)
    (gc.enable if enabled else gc.disable)()


def test_fewer_collections_raises_gen0_only_and_restores_it_even_on_error() -> None:
    # GIVEN custom thresholds
    gc.set_threshold(700, 11, 12)
    # WHEN a block runs with fewer collections
    with fewer_collections(50_000):
        # THEN only gen 0 changes inside it
        assert gc.get_threshold() == (50_000, 11, 12)
    assert gc.get_threshold() == (700, 11, 12)
    # AND a block that raises puts them back too
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 11, 12)


@pytest.mark.parametrize("was_enabled", [True, False])
def test_collector_paused_restores_the_state_it_found(was_enabled: bool) -> None:
    (gc.enable if was_enabled else gc.disable)()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled() is was_enabled
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled() is was_enabled


def test_freeze_at_exit_registers_the_freeze_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import atexit

    import hook.core.gc_tuning as tuning

    # GIVEN a process where it has not been registered yet
    registered: list[object] = []
    monkeypatch.setattr(tuning, "_FREEZE_REGISTERED", False)
    monkeypatch.setattr(atexit, "register", registered.append)
    # WHEN asked for twice (the CLI asks at every main())
    tuning.freeze_at_exit()
    tuning.freeze_at_exit()
    # THEN the collector's freeze runs once at exit, and nothing is frozen before
    assert registered == [gc.freeze]
    assert gc.get_freeze_count() == 0

"""hook.sdk.runtimes remembers its answers per lifecycle mapping: the same answers as computed
afresh, and a new mapping (GOVHOOK_RUNTIMES refreshed) is answered from the new data."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import hook.sdk.runtimes as rt
import hook.sources.runtimes as sources
from hook.sdk.rule import Action

TODAY = date(2026, 12, 1)


def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rt, "_MEMO", [None, {}])


def test_remembered_answers_are_the_computed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh(monkeypatch)
    data = sources.current()
    lists: list[Any] = [None, ["supported"], ["python3.13", "supported"], ["nodejs22.x"], []]
    for allowed in lists:
        first = rt.expand_allowed_runtimes(allowed, TODAY)
        assert rt.expand_allowed_runtimes(allowed, TODAY) == first == rt._expand(allowed, TODAY, "deprecated")
        first.append("mutated by a caller")
        assert "mutated by a caller" not in rt.expand_allowed_runtimes(allowed, TODAY)
    for runtime in list(data)[:40]:
        for allowed in (None, ["python3.13"], rt.expand_allowed_runtimes(["supported"], TODAY)):
            assert rt.newest_runtime_successor(runtime, allowed, TODAY) == \
                rt._successor(data, runtime, allowed, TODAY, "deprecated")
        for action in (Action.CREATE, Action.UPDATE):
            assert rt.runtime_blocked_on(runtime, TODAY, "deprecated", action) == \
                rt._blocked_on(data, runtime, TODAY, "deprecated", action)
    # an allow-list that cannot be a key is answered without remembering
    assert rt.expand_allowed_runtimes([["python3.13"]], TODAY) == ["['python3.13']"]


def test_a_new_lifecycle_mapping_is_answered_from_its_own_data(monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh(monkeypatch)
    data = dict(sources.current())
    assert rt.runtime_blocked_on("python3.13", TODAY) is None
    assert "python3.13" in rt.expand_allowed_runtimes(None, TODAY)
    # WHEN the lifecycle data is replaced by one where python3.13 is deprecated
    changed = {**data, "python3.13": {**data["python3.13"], "deprecated": "2026-01-01"}}
    monkeypatch.setattr(sources, "current", lambda: changed)
    # THEN the answers follow the new data
    assert rt.runtime_blocked_on("python3.13", TODAY) == date(2026, 1, 1)
    assert "python3.13" not in rt.expand_allowed_runtimes(None, TODAY)


def test_remembered_answers_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh(monkeypatch)
    for day in range(1, 3000):
        rt.runtime_blocked_on("python3.13", date.fromordinal(TODAY.toordinal() + day))
        rt.runtime_blocked_on("nodejs22.x", date.fromordinal(TODAY.toordinal() + day))
    assert len(rt._MEMO[1]) <= rt._MEMO_LIMIT

"""One runtime policy: what the lifecycle data blocks, what an allow-list offers, where to move.

``lambda.runtime-allowed`` and ``lambda.runtime-supported`` both read these, so they agree by
construction: a runtime the lifecycle blocks is never offered as allowed, and the advice to move
names the newest successor that the allow-list allows and the lifecycle does not block.

An allow-list entry is a runtime id, or the word ``supported``: every runtime in the lifecycle data
that ``lambda.runtime-supported`` does not block today (so the list is current on the day it is read).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from hook.sdk.rule import Action

__all__ = ["SUPPORTED_RUNTIMES", "expand_allowed_runtimes", "newest_runtime_successor", "offered_runtimes", "runtime_blocked_on"]

#: The allow-list entry that stands for every runtime the lifecycle does not block.
SUPPORTED_RUNTIMES = "supported"
PHASES = ("deprecated", "create_blocked", "update_blocked")


def _lifecycle() -> Mapping[str, Mapping[str, Any]]:
    """Runtime -> {deprecated, create_blocked, update_blocked, successor}: ``hook/data/runtimes.json``,
    or the ``GOVHOOK_RUNTIMES`` override (:mod:`hook.sources.runtimes`)."""
    from hook.sources.runtimes import current

    return current()


#: Answers computed from one lifecycle mapping: ``[that mapping, {question: answer}]``. Every
#: function here is a pure function of its arguments and the mapping, and rules ask the same few
#: questions for every function of a template; a new mapping (``GOVHOOK_RUNTIMES`` refreshed)
#: starts afresh. Bounded: a key is a runtime id, an allow-list, a date and a phase.
_MEMO: list[Any] = [None, {}]
_MEMO_LIMIT = 4096


def _answers(data: Mapping[str, Any]) -> dict[Any, Any]:
    if _MEMO[0] is not data or len(_MEMO[1]) >= _MEMO_LIMIT:
        _MEMO[0] = data
        _MEMO[1] = {}
    answers: dict[Any, Any] = _MEMO[1]
    return answers


def _key(values: Iterable[Any] | None) -> tuple[Any, ...] | None:
    """An allow-list as part of a key; ``None`` for an entry that cannot be one (not memoised)."""
    if values is None:
        return ("<none>",)
    out = tuple(values)
    try:
        hash(out)
    except TypeError:
        return None
    return out


def _d(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def runtime_blocked_on(runtime: str, today: date, block_from: str = "deprecated", action: Action = Action.CREATE) -> date | None:
    """The date from which ``runtime`` is blocked (the policy's phase, or AWS's own block for the
    action), if that date has come; None when it is usable today or not in the data."""
    data = _lifecycle()
    answers = _answers(data)
    key = ("blocked", runtime, today, block_from, action)
    if key not in answers:
        answers[key] = _blocked_on(data, runtime, today, block_from, action)
    found: date | None = answers[key]
    return found


def _blocked_on(data: Mapping[str, Mapping[str, Any]], runtime: str, today: date, block_from: str,
                action: Action) -> date | None:
    info = data.get(runtime)
    if info is None:
        return None
    aws = _d(info.get("create_blocked" if action is Action.CREATE else "update_blocked"))
    reached = [d for d in (_d(info.get(block_from)), aws) if d is not None and today >= d]
    return min(reached) if reached else None


def _family(runtime: str) -> str:
    """``python3.13`` -> ``python``; ``provided.al2023`` -> ``provided``; ``dotnetcore3.1`` -> ``dotnet``."""
    head = re.match(r"[a-z]+", runtime)
    name = head.group() if head else runtime
    return "dotnet" if name.startswith("dotnet") else name


def _newness(runtime: str) -> tuple[Any, ...]:
    """Later deprecation first, then the higher version (python3.14 after python3.13)."""
    info = _lifecycle().get(runtime, {})
    dep = _d(info.get("deprecated")) or date.max
    numbers = tuple(int(n) for n in re.findall(r"\d+", runtime))
    return (dep, numbers)


def expand_allowed_runtimes(allowed: Iterable[Any] | None, today: date, block_from: str = "deprecated") -> list[str]:
    """The allow-list with ``supported`` expanded (newest first within a family); None means ``supported``."""
    entries = None if allowed is None else list(allowed)
    listed = _key(entries)
    if listed is None:
        return _expand(entries, today, block_from)
    answers = _answers(_lifecycle())
    key = ("expand", listed, today, block_from)
    if key not in answers:
        answers[key] = tuple(_expand(entries, today, block_from))
    return list(answers[key])


def _expand(allowed: list[Any] | None, today: date, block_from: str) -> list[str]:
    out: list[str] = []
    for entry in [SUPPORTED_RUNTIMES] if allowed is None else allowed:
        name = str(entry).strip()
        if name == SUPPORTED_RUNTIMES:
            by_family = sorted(_lifecycle(), key=lambda r: _newness(r), reverse=True)
            for rt in sorted(by_family, key=_family):  # stable: newest first within a family
                if runtime_blocked_on(rt, today, block_from) is None and rt not in out:
                    out.append(rt)
        elif name and name not in out:
            out.append(name)
    return out


def offered_runtimes(allowed: Sequence[str], today: date, block_from: str = "deprecated") -> list[str]:
    """What a fix may suggest: the allowed runtimes the lifecycle does not block today."""
    return [rt for rt in allowed if runtime_blocked_on(rt, today, block_from) is None]


def newest_runtime_successor(runtime: str, allowed: Sequence[str] | None, today: date,
                     block_from: str = "deprecated") -> tuple[str | None, bool]:
    """``(runtime to move to, whether the allow-list allows it)``.

    The candidates are the runtime's family newer than it, and its successor chain (go1.x ->
    provided.al2023), that the lifecycle does not block today. The newest allowed one wins; when the
    allow-list allows none, the newest candidate is named with ``False`` (the allow-list needs it).
    """
    data = _lifecycle()
    listed = _key(allowed)
    if listed is None:
        return _successor(data, runtime, allowed, today, block_from)
    answers = _answers(data)
    key = ("successor", runtime, listed, today, block_from)
    if key not in answers:
        answers[key] = _successor(data, runtime, allowed, today, block_from)
    found: tuple[str | None, bool] = answers[key]
    return found


def _successor(data: Mapping[str, Mapping[str, Any]], runtime: str, allowed: Sequence[str] | None, today: date,
               block_from: str) -> tuple[str | None, bool]:
    chain: list[str] = []
    nxt = data.get(runtime, {}).get("successor")
    while isinstance(nxt, str) and nxt not in chain and nxt != runtime:
        chain.append(nxt)
        nxt = data.get(nxt, {}).get("successor")
    fam = [rt for rt in data if _family(rt) == _family(runtime) and _newness(rt) > _newness(runtime)]
    candidates = [rt for rt in {*chain, *fam} if runtime_blocked_on(rt, today, block_from) is None]
    if not candidates:
        return None, False
    candidates.sort(key=_newness, reverse=True)
    if allowed is not None:
        for rt in candidates:
            if rt in allowed:
                return rt, True
        return candidates[0], False
    return candidates[0], True

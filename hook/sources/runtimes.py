"""The runtime lifecycle data (``hook/data/runtimes.json``), refreshable without a release.

``GOVHOOK_RUNTIMES`` may name an override: ``ssm:/name`` (a parameter holding the JSON) or
``s3://bucket/key`` (or a file path). It is read through the same TTL cache as SSM values and the
policy (``GOVHOOK_CACHE_SECONDS``), validated (every runtime with ISO dates or null and a successor
that is a listed runtime or null), and when it cannot be read or is invalid the bundled file is used,
with a warning in the log. Unset: the bundled file only, and nothing is imported for it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from hook.core.errors import GovhookError

__all__ = ["LifecycleError", "bundled", "current", "validate_lifecycle"]

_PHASES = ("deprecated", "create_blocked", "update_blocked")


class LifecycleError(GovhookError):
    """The lifecycle data is not usable (the message says where)."""


@cache
def bundled() -> Mapping[str, Mapping[str, Any]]:
    """Runtime -> {deprecated, create_blocked, update_blocked, successor}, from the package."""
    data = json.loads((Path(__file__).resolve().parent.parent / "data" / "runtimes.json").read_text(encoding="utf-8"))
    return validate_lifecycle(data)


def validate_lifecycle(data: Any) -> Mapping[str, Mapping[str, Any]]:
    """The ``runtimes`` mapping of a lifecycle document, or :class:`LifecycleError`."""
    runtimes = data.get("runtimes") if isinstance(data, Mapping) else None
    if not isinstance(runtimes, Mapping) or not runtimes:
        raise LifecycleError("a lifecycle document needs a non-empty 'runtimes' object")
    for name, info in runtimes.items():
        if not isinstance(info, Mapping):
            raise LifecycleError(f"runtimes.{name}: must be an object")
        for phase in _PHASES:
            value = info.get(phase)
            if value is None:
                continue
            try:
                date.fromisoformat(value)
            except (TypeError, ValueError) as exc:
                raise LifecycleError(f"runtimes.{name}.{phase}: {value!r} is not an ISO date") from exc
        successor = info.get("successor")
        if successor is not None and successor not in runtimes:
            raise LifecycleError(f"runtimes.{name}.successor: {successor!r} is not a listed runtime")
    return runtimes


_CACHE: Any = None


def current() -> Mapping[str, Mapping[str, Any]]:
    """The override named by ``GOVHOOK_RUNTIMES`` when it can be had, else the bundled data."""
    location = os.environ.get("GOVHOOK_RUNTIMES", "").strip()
    if not location:
        return bundled()
    global _CACHE
    from hook.sources import TTLCache, _read_policy_text

    if _CACHE is None:
        _CACHE = TTLCache()

    def fetch() -> Mapping[str, Mapping[str, Any]]:
        text = _read_policy_text(location)
        try:
            return validate_lifecycle(json.loads(text))
        except (ValueError, LifecycleError) as exc:
            raise LifecycleError(f"runtime lifecycle {location}: {exc}") from exc

    try:
        data: Mapping[str, Mapping[str, Any]] = _CACHE.get(f"runtimes:{location}", fetch, f"runtime lifecycle {location}")
    except Exception as exc:  # fail safe to the bundled data, which is never older than the release
        import logging  # only for this warning: ~34 M instructions of a CLI start-up otherwise

        logging.getLogger("govhook.runtimes").warning("GOVHOOK_RUNTIMES=%s could not be used (%s); using the bundled runtimes.json", location, exc)
        return bundled()
    _CACHE.notes.clear()
    return data

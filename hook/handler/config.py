"""The hook's GOVHOOK_* settings, validated once per container (again only if the environment changes).

A bad value is never replaced by a default: the hook answers FAILED/InternalFailure with a message
naming the variable, what it holds and the allowed range, until the setting is fixed.

========================================  =====================================  ===============
Variable                                  Allowed                                Default
========================================  =====================================  ===============
``GOVHOOK_POLICY``                        a bundled path, ``ssm:/name`` or       ``policies/
                                          ``s3://bucket/key``                    default.policy.yaml``
``GOVHOOK_DEADLINE_MARGIN_MS``            whole milliseconds, 100 to 20000       2000
``GOVHOOK_CACHE_SECONDS``                 seconds, 0 to 86400                    300
``GOVHOOK_STALE_SECONDS``                 seconds, 0 to 604800                   3600
``GOVHOOK_ALLOW_LOOPBACK_PAYLOAD``        ``0`` or ``1`` (tests only)            ``0``
``GOVHOOK_RUNTIMES``                      a path, ``ssm:/name`` or ``s3://b/k``  unset
========================================  =====================================  ===============
"""

from __future__ import annotations

import math
import os

from hook.core.errors import GovhookError

__all__ = ["ConfigError", "NAMES", "Settings", "settings"]

NAMES = ("GOVHOOK_POLICY", "GOVHOOK_DEADLINE_MARGIN_MS", "GOVHOOK_CACHE_SECONDS", "GOVHOOK_STALE_SECONDS",
         "GOVHOOK_ALLOW_LOOPBACK_PAYLOAD", "GOVHOOK_RUNTIMES")
DEFAULT_POLICY = "policies/default.policy.yaml"


class ConfigError(GovhookError):
    """A GOVHOOK_* setting is invalid; the message names it, its value and the allowed range."""


class Settings:
    __slots__ = ("allow_loopback", "cache_seconds", "margin_seconds", "policy", "stale_seconds")

    def __init__(self, policy: str, margin_seconds: float, cache_seconds: float, stale_seconds: float,
                 allow_loopback: bool) -> None:
        self.policy = policy
        self.margin_seconds = margin_seconds
        self.cache_seconds = cache_seconds
        self.stale_seconds = stale_seconds
        self.allow_loopback = allow_loopback


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= 40 else raw[:39] + "…")


def _number(name: str, raw: str | None, default: float, low: float, high: float, unit: str,
            whole: bool = False) -> float:
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high or (whole and not value.is_integer()):
        kind = "a whole number of" if whole else "a number of"
        raise ConfigError(f"{name} is {_shown(raw)}; it must be {kind} {unit} from {low:g} to {high:g} "
                          f"(default {default:g}): fix the function's environment variable")
    return value


def _location(name: str, raw: str | None, default: str) -> str:
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    if value.startswith("ssm:") and len(value) <= 4:
        raise ConfigError(f"{name} is {_shown(raw)}; an SSM location is ssm:/parameter-name")
    if value.startswith("s3://"):
        bucket, _, key = value[5:].partition("/")
        if not bucket or not key:
            raise ConfigError(f"{name} is {_shown(raw)}; an S3 location is s3://bucket/key")
    return value


def _read(raw: tuple[str | None, ...]) -> Settings:
    policy, margin, cache, stale, loopback, runtimes = raw
    # GOVHOOK_RUNTIMES itself is read by hook.sources.runtimes (an unreadable override falls back
    # to the bundled data); a location that cannot be one is a mistake in the setting.
    _location("GOVHOOK_RUNTIMES", runtimes, "")
    if loopback not in (None, "", "0", "1"):
        raise ConfigError(f"GOVHOOK_ALLOW_LOOPBACK_PAYLOAD is {_shown(loopback)}; it must be 0 or 1 (default 0)")
    return Settings(
        policy=_location("GOVHOOK_POLICY", policy, DEFAULT_POLICY),
        margin_seconds=_number("GOVHOOK_DEADLINE_MARGIN_MS", margin, 2000, 100, 20000, "milliseconds", whole=True) / 1000,
        cache_seconds=_number("GOVHOOK_CACHE_SECONDS", cache, 300, 0, 86400, "seconds"),
        stale_seconds=_number("GOVHOOK_STALE_SECONDS", stale, 3600, 0, 604800, "seconds"),
        allow_loopback=loopback == "1",
    )


_cached: tuple[tuple[str | None, ...], Settings | ConfigError] | None = None


def settings() -> Settings:
    """The validated settings; raises ConfigError (the same one every time) while one is bad."""
    global _cached
    raw = tuple(os.environ.get(name) for name in NAMES)
    if _cached is None or _cached[0] != raw:
        try:
            _cached = (raw, _read(raw))
        except ConfigError as exc:
            _cached = (raw, exc)
    result = _cached[1]
    if isinstance(result, ConfigError):
        raise ConfigError(str(result))
    return result

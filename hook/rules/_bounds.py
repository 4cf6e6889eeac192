"""Shared shape of the 'a number within [min, max]' rules (memory, timeout, storage)."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import Params, ResourceContext, Violation


def within(ctx: ResourceContext, params: Params, *, pointer: str, label: str, unit: str, default: int,
           platform: tuple[int, int]) -> Iterator[Violation]:
    value = ctx.get_int(pointer)
    shown_default = ""
    if value is None:
        value, shown_default = default, " (the default)"
    low, high = params["min"], params["max"]
    lo_p, hi_p = platform
    if not lo_p <= value <= hi_p:
        yield Violation(
            f"{label} is {value} {unit}; Lambda accepts {lo_p} to {hi_p} {unit}",
            path=pointer,
            remediation=f"Set {label} between {max(low, lo_p)} and {min(high, hi_p)} {unit}.",
        )
    elif value < low:
        yield Violation(
            f"{label} is {value} {unit}{shown_default}; the policy's minimum is {low} {unit} "
            f"(Lambda accepts {lo_p} to {hi_p} {unit})",
            path=pointer,
            remediation=f"Raise {label} to at least {low} {unit}.",
        )
    elif value > high:
        yield Violation(
            f"{label} is {value} {unit}{shown_default}; the policy's maximum is {high} {unit} "
            f"(Lambda accepts up to {hi_p} {unit})",
            path=pointer,
            remediation=f"Lower {label} to {high} {unit} or less, or ask for an exemption with the measurements.",
        )

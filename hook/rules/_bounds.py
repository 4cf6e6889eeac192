"""Shared shape of the 'a number within [min, max]' rules (memory, timeout, storage)."""

from __future__ import annotations

from collections.abc import Iterator

from hook.rules._cdk_framework import cdk_framework_function
from hook.sdk import Params, ResourceContext, Violation


def _cdk_chose(ctx: ResourceContext, pointer: str, label: str, value: int, unit: str, limit: str) -> Violation | None:
    """A CDK framework function's value is CDK's choice: reported (a warning), never blocking."""
    fn = cdk_framework_function(ctx.logical_id or "", ctx.properties)
    if fn is None:
        return None
    return Violation(
        f"{label} is {value} {unit}, {limit}: CDK chose this value for {fn.what}, not the app",
        path=pointer,
        remediation=f"Nothing to change in the app ({fn.override}); exempt it by construct path if the warning is unwanted.",
        advisory=True,
    )


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
    elif (value < low or value > high) and (cdk := _cdk_chose(
            ctx, pointer, label, value, unit, f"the policy's minimum is {low} {unit}" if value < low else f"the policy's maximum is {high} {unit}")):
        yield cdk
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

"""Who calls whom in a raw template: helpers for stack rules that check relations between resources."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from hook.sdk.context import StackContext
from hook.sdk.values import as_int, is_unresolved

__all__ = ["FUNCTION_TYPES", "function_timeout", "may_be_absent", "referenced_ids", "sam_events"]

#: The function resource types of a raw template (SAM unexpanded).
FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")


def referenced_ids(ctx: StackContext, value: Any) -> set[str]:
    """Every resource a value points at (Ref, GetAtt, ${Res} or ${Res.Attr} in Sub), anywhere inside it."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        direct = ctx.referenced_id(value)
        if direct:
            found.add(direct)
        for key, sub in value.items():
            if key == "Fn::Sub":
                text = sub[0] if isinstance(sub, list) and sub else sub
                if isinstance(text, str):
                    found |= {m for m in re.findall(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}", text) if m in ctx.resources}
            found |= referenced_ids(ctx, sub)
    elif isinstance(value, list):
        for item in value:
            found |= referenced_ids(ctx, item)
    return found


def function_timeout(ctx: StackContext, fid: str) -> int | None:
    """The function's timeout in seconds (3 when absent); None when unresolved."""
    raw = ctx.function_property(fid, "Timeout", 3)
    if is_unresolved(raw):
        return None
    return as_int(raw, f"/Resources/{fid}/Properties/Timeout")


def sam_events(ctx: StackContext, fid: str, *types: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(name, Properties)`` of a SAM function's ``Events`` of the given ``Type`` s (``SQS``, ``Api``...)."""
    events = ctx.properties_of(fid).get("Events")
    if isinstance(events, Mapping):
        for name, event in events.items():
            if isinstance(event, Mapping) and event.get("Type") in types:
                props = event.get("Properties")
                yield name, props if isinstance(props, Mapping) else {}


def may_be_absent(value: Any) -> bool:
    """True for an ``Fn::If`` with an ``AWS::NoValue`` (or empty) branch: set in some deployments only.

    Works on raw intrinsics (STACK level, rule cases) and on the CLI's :class:`Unresolved` markers.
    """
    expr = getattr(value, "expr", value)
    if not (isinstance(expr, Mapping) and len(expr) == 1 and "Fn::If" in expr):
        return False
    args = expr["Fn::If"]
    if not (isinstance(args, list) and len(args) == 3):
        return False
    return any(b is None or b == "" or b == {"Ref": "AWS::NoValue"} or may_be_absent(b) for b in args[1:])

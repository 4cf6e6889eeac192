"""The helpers govhook's built-in rules share, public so that plugin rules can use them too.

Who references whom in a raw template (:data:`FUNCTION_TYPES`, :func:`referenced_ids`,
:func:`function_timeout`, :func:`sam_events`, :func:`may_be_absent`), the "integer within
[min, max]" shape (:func:`within_bounds`), an event source mapping's source kind
(:func:`event_source_kind`) and AWS's runtime deprecation schedule (:func:`runtime_lifecycle`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from hook.sdk.context import ResourceContext, StackContext
from hook.sdk.rule import Params, Violation
from hook.sdk.values import Unresolved, as_int, is_unresolved

__all__ = [
    "FUNCTION_TYPES", "event_source_kind", "function_timeout", "may_be_absent", "referenced_ids",
    "runtime_lifecycle", "sam_events", "within_bounds",
]


# -- Who references whom in a raw template (stack rules) -------------------------------------------

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


# -- The "integer within [min, max]" shape (memory, timeout, storage) ------------------------------

def within_bounds(ctx: ResourceContext, params: Params, *, pointer: str, label: str, unit: str, default: int,
                  platform: tuple[int, int]) -> Iterator[Violation]:
    """Violations of ``params["min"] <= value <= params["max"]`` for the integer at ``pointer``
    (``default`` when absent), and of the platform's own limits ``platform = (low, high)``."""
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


# -- What an event source mapping reads ------------------------------------------------------------

#: (resource type, GetAtt attribute) -> kind, for a source in the same template (!GetAtt Queue.Arn).
_KIND_OF_ATTRIBUTE = {
    ("AWS::SQS::Queue", "Arn"): "sqs",
    ("AWS::Kinesis::Stream", "Arn"): "kinesis",
    ("AWS::Kinesis::StreamConsumer", "ConsumerARN"): "kinesis",
    ("AWS::DynamoDB::Table", "StreamArn"): "dynamodb",
    ("AWS::MSK::Cluster", "Arn"): "kafka",
    ("AWS::MSK::ServerlessCluster", "Arn"): "kafka",
    ("AWS::AmazonMQ::Broker", "Arn"): "mq",
    ("AWS::DocDB::DBCluster", "Arn"): "docdb",
}


def _attribute_kind(arn: object) -> str | None:
    """The kind of a source the CLI cannot resolve but whose resource is in the template."""
    if not isinstance(arn, Unresolved) or arn.resource_type is None or not isinstance(arn.expr, dict):
        return None
    arg = arn.expr.get("Fn::GetAtt")
    attribute = arg[1] if isinstance(arg, list) and len(arg) == 2 else arg.split(".", 1)[-1] if isinstance(arg, str) else None
    return _KIND_OF_ATTRIBUTE.get((arn.resource_type, str(attribute)))


def event_source_kind(ctx: ResourceContext) -> str | None:
    """sqs, kinesis, dynamodb, kafka, mq, docdb... from the mapping's ARN or its other properties."""
    arn = ctx.get("/EventSourceArn")
    kind = _attribute_kind(arn)
    if kind is not None:
        return kind
    text = arn if isinstance(arn, str) else ""  # a GetAtt is never guessed from the resource's name
    for needle, kind in ((":sqs:", "sqs"), (":kinesis:", "kinesis"), (":dynamodb:", "dynamodb"), (":kafka:", "kafka"),
                         (":mq:", "mq"), (":docdb", "docdb")):
        if needle in text:
            return kind
    if ctx.get("/SelfManagedEventSource") is not None:
        return "kafka"
    return None


# -- AWS's runtime deprecation schedule ------------------------------------------------------------

def runtime_lifecycle() -> Mapping[str, Mapping[str, Any]]:
    """Runtime -> ``{deprecated, create_blocked, update_blocked, successor}``: ``hook/data/runtimes.json``,
    or the validated ``GOVHOOK_RUNTIMES`` override when one is set (read through a TTL cache)."""
    from hook.sdk.runtimes import _lifecycle

    return _lifecycle()

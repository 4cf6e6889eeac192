"""lambda.log-retention-within-bounds: every function's log group expires its logs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hook.sdk import (
    FUNCTION_TYPES,
    NotApplicable,
    Params,
    Severity,
    StackContext,
    StackRule,
    Violation,
    as_int,
    is_unresolved,
    json_pointer,
)


def _sub_text(value: Any) -> str | None:
    """A name expression as the text of an equivalent ``Fn::Sub`` (``${Res}``, ``${AWS::StackName}``),
    so that two spellings of one name compare equal; None when it cannot be written so."""
    if isinstance(value, str):
        return value.replace("${", "${!")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not (isinstance(value, Mapping) and len(value) == 1):
        return None
    key, arg = next(iter(value.items()))
    if key == "Ref" and isinstance(arg, str):
        return "${" + arg + "}"
    if key == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
        return "${" + str(arg[0]) + "." + str(arg[1]) + "}"
    if key == "Fn::Sub":
        if isinstance(arg, str):
            return arg
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], Mapping):
            text = arg[0]
            for name, sub in arg[1].items():
                inner = _sub_text(sub)
                if inner is None:
                    return None
                text = text.replace("${" + str(name) + "}", inner)
            return text
        return None
    if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], list):
        parts = [_sub_text(part) for part in arg[1]]
        if any(part is None for part in parts):
            return None
        return arg[0].join(part for part in parts if part is not None)
    return None


def _names_function(value: Any, function_id: str, function_name: Any) -> bool:
    """True when a LogGroupName expression is ``/aws/lambda/<that function's name>``: the function's
    generated name (``${Fn}``), or its FunctionName however either is spelled (a literal, ``!Sub``,
    ``!Join``, ``!Ref``)."""
    group = _sub_text(value)
    if group is None:
        return False
    if group == "/aws/lambda/${" + function_id + "}":
        return True
    name = _sub_text(function_name) if function_name is not None else None
    return name is not None and group == f"/aws/lambda/{name}"


class LogRetentionWithinBounds(StackRule):
    """Each function has a log group in the stack whose retention is within bounds.

    The log group is the one ``LoggingConfig.LogGroup`` names, else ``/aws/lambda/<name>``
    declared as an ``AWS::Logs::LogGroup`` (``!Sub /aws/lambda/${Fn}``, a Join, or the literal
    name), or the ``Custom::LogRetention`` resource CDK's ``logRetention`` creates for that name
    (its ``RetentionInDays`` is the group's). SAM functions and ``Globals`` are read as written.

    - PASS when every function's log group has ``RetentionInDays`` within ``[min_days, max_days]``.
    - FAIL when a function has no log group in the stack (Lambda then creates one that never
      expires), when ``RetentionInDays`` is absent (never expire), or outside the bounds.
    - SKIP when every function's log group lives outside the stack or is unresolved.
    """

    id = "lambda.log-retention-within-bounds"
    title = "Function logs expire"
    default_severity = Severity.LOW
    resource_types = FUNCTION_TYPES
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html"
    params_schema = {
        "type": "object",
        "properties": {
            "min_days": {"type": "integer", "minimum": 1, "default": 7},
            "max_days": {"type": "integer", "minimum": 1, "default": 731},
            "require_log_group": {
                "type": "boolean",
                "default": True,
                "description": "Fail a function whose log group is not declared in the stack.",
            },
        },
        "additionalProperties": False,
    }
    equivalents = {"cfn-nag": ("W58 (role can log)",), "serverless-rules": ("WS1004",), "cdk-nag": ("LambdaLogging",)}
    rationale = (
        "Lambda creates /aws/lambda/<name> on first invocation with retention 'Never expire': logs, "
        "and their storage bill, grow forever unless the stack declares the group with a retention."
    )

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        # CDK's logRetention sets the retention of /aws/lambda/<fn> through a custom resource with
        # the same LogGroupName and RetentionInDays properties: it counts as the function's group.
        groups = dict(ctx.resources_of_type("AWS::Logs::LogGroup", "Custom::LogRetention"))
        known = 0
        for fid, _res in ctx.resources_of_type(*FUNCTION_TYPES):
            name_value = ctx.function_property(fid, "FunctionName")
            function_name = name_value if isinstance(name_value, str) else None
            logging_cfg = ctx.function_property(fid, "LoggingConfig")
            group_id: str | None = None
            if isinstance(logging_cfg, Mapping) and "LogGroup" in logging_cfg:
                target = logging_cfg["LogGroup"]
                group_id = ctx.referenced_id(target)
                if group_id is not None and group_id not in groups:
                    group_id = None  # a parameter or another kind of resource: not a log group of this stack
                wanted = _sub_text(target) if group_id is None else None
                if wanted is not None:
                    group_id = next(
                        (gid for gid in groups if _sub_text(ctx.properties_of(gid).get("LogGroupName")) == wanted),
                        None,
                    )
                if group_id is None:
                    continue  # a group outside the stack, or unresolved: not ours to judge
            else:
                group_id = next(
                    (
                        gid
                        for gid in groups
                        if _names_function(ctx.properties_of(gid).get("LogGroupName"), fid, name_value)
                    ),
                    None,
                )
            if group_id is None:
                if params["require_log_group"]:
                    known += 1
                    shown = f"/aws/lambda/{function_name}" if function_name else f"/aws/lambda/<{fid} name>"
                    yield Violation(
                        f"function {fid} has no log group in the stack: Lambda will create {shown} "
                        "with retention 'Never expire'",
                        path=json_pointer("Resources", fid),
                        remediation=(
                            "Declare an AWS::Logs::LogGroup with LogGroupName !Sub /aws/lambda/${"
                            + fid
                            + "} and RetentionInDays, or set LoggingConfig.LogGroup."
                        ),
                        logical_id=fid,
                    )
                continue
            retention = ctx.properties_of(group_id).get("RetentionInDays")
            if is_unresolved(retention):
                continue
            known += 1
            path = json_pointer("Resources", group_id, "Properties", "RetentionInDays")
            days = as_int(retention, path)
            if days is None:
                yield Violation(
                    f"log group {group_id} of function {fid} has no RetentionInDays: its logs never expire",
                    path=json_pointer("Resources", group_id, "Properties"),
                    remediation=f"Set RetentionInDays between {params['min_days']} and {params['max_days']}.",
                    logical_id=fid,
                )
            elif not params["min_days"] <= days <= params["max_days"]:
                yield Violation(
                    f"log group {group_id} of function {fid} keeps logs {days} days; allowed: "
                    f"{params['min_days']} to {params['max_days']} days",
                    path=path,
                    remediation=f"Set RetentionInDays between {params['min_days']} and {params['max_days']}.",
                    logical_id=fid,
                )
        if known == 0:
            raise NotApplicable("every function logs to a group outside the stack or not known before deployment")

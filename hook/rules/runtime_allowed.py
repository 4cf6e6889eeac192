"""lambda.runtime-allowed: the runtime is on the organisation's allow-list."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from hook.sdk import (
    SUPPORTED_RUNTIMES,
    NotApplicable,
    Params,
    ResourceContext,
    Rule,
    Severity,
    Violation,
    expand_allowed_runtimes,
    newest_runtime_successor,
    offered_runtimes,
    runtime_blocked_on,
)


class RuntimeAllowed(Rule):
    """Functions use a runtime from the organisation's allow-list.

    The list is ``allowed``: runtime ids, and the word ``supported`` for every runtime in the
    lifecycle data (``hook/data/runtimes.json``) that ``lambda.runtime-supported`` does not block
    today, so a list left at ``[supported]`` is current on the day it is read. The fix offers only
    allowed runtimes that the lifecycle does not block (``block_from`` is taken from
    ``lambda.runtime-supported``'s entry), the newest of the same language first, so following it
    never leads into a lifecycle block.

    - PASS when ``Runtime`` is exactly one of ``allowed`` (an SSM StringList is split on commas
      and stripped; ``python3.1`` does not match ``python3.11``).
    - FAIL when ``Runtime`` is set to anything else.
    - SKIP for container-image functions (``PackageType: Image`` has no runtime), and when
      ``Runtime`` is not known before deployment (an unresolved intrinsic).
    """

    id = "lambda.runtime-allowed"
    title = "Runtime is on the allow-list"
    default_severity = Severity.HIGH
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
    params_schema = {
        "type": "object",
        "properties": {
            "allowed": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "minItems": 1,
                "description": "Runtime identifiers that may be used, e.g. python3.13, nodejs22.x; 'supported' "
                               "stands for every runtime the lifecycle data does not block today.",
                "default": [SUPPORTED_RUNTIMES],
            },
            "block_from": {"enum": ["deprecated", "create_blocked", "update_blocked"],
                           "description": "Taken from lambda.runtime-supported: runtimes blocked from this phase "
                                          "are never offered in a fix."},
        },
        "required": ["allowed"],
        "additionalProperties": False,
    }
    borrows = {"block_from": "lambda.runtime-supported"}
    equivalents = {"aws-config": ("lambda-function-settings-check",), "security-hub": ("Lambda.2",)}
    rationale = (
        "Platform teams support, patch and monitor a short list of runtimes; anything else is a "
        "runtime nobody owns."
    )

    @classmethod
    def policy_warnings(cls, params: Mapping[str, Any], today: date) -> list[tuple[str, str]]:
        block_from = params.get("block_from") or "deprecated"
        out = []
        for rt in params.get("allowed") or []:
            when = runtime_blocked_on(str(rt).strip(), today, block_from) if str(rt).strip() != SUPPORTED_RUNTIMES else None
            if when is not None:
                out.append(("allowed", f"'{rt}' is allowed, but lambda.runtime-supported blocks it since "
                                       f"{when.isoformat()}: remove it (a fix would lead into a block)"))
        return out

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        package_type = ctx.get_str("/PackageType", "Zip")
        if package_type == "Image":
            raise NotApplicable("container-image function: it has no Runtime")
        runtime = ctx.get_str("/Runtime")
        if runtime is None:
            raise NotApplicable("Runtime is not set (CloudFormation requires it for a ZIP function)")
        block_from = params.get("block_from") or "deprecated"
        allowed = expand_allowed_runtimes(params["allowed"], ctx.today, block_from)
        if runtime.strip() in allowed:
            return
        choices = offered_runtimes(allowed, ctx.today, block_from)
        best, ok = newest_runtime_successor(runtime.strip(), choices, ctx.today, block_from)
        if best and ok:
            fix = f"Set Runtime to {best} (the newest allowed successor)" + (
                ", or another allowed runtime." if len(choices) > 1 else ".")
        elif choices:
            fix = f"Set Runtime to one of: {', '.join(choices)}."
        else:
            fix = "Ask the platform team to allow a supported runtime: every allowed runtime is past its support dates."
        yield Violation(
            message=f"runtime '{runtime}' is not allowed; allowed runtimes: {', '.join(choices) or 'none that is supported today'}",
            path="/Runtime",
            remediation=fix,
        )

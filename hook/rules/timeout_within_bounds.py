"""lambda.timeout-within-bounds: function timeouts stay within the organisation's bounds."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import Params, ResourceContext, Rule, Severity, Violation, within_bounds


class TimeoutWithinBounds(Rule):
    """``Timeout`` stays within ``[min, max]`` seconds (Lambda's own range is 1-900).

    - PASS when Timeout (3 when absent) is within the bounds.
    - FAIL when it is below ``min``, above ``max``, or outside what Lambda accepts.
    - SKIP when Timeout is not known before deployment.
    """

    id = "lambda.timeout-within-bounds"
    title = "Timeout is within bounds"
    default_severity = Severity.MEDIUM
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html"
    params_schema = {
        "type": "object",
        "properties": {
            "min": {"type": "integer", "minimum": 1, "maximum": 900, "default": 1},
            "max": {"type": "integer", "minimum": 1, "maximum": 900, "default": 300},
        },
        "additionalProperties": False,
    }
    equivalents = {
        "cfn-lint": ("E3034", "E3717"),
        "aws-config": ("lambda-function-settings-check (timeout, exact)",),
        "serverless-rules": ("ES1006",),
        "cdk-nag": ("LambdaDefaultTimeout",),
    }
    rationale = (
        "A stuck invocation is billed until its timeout and holds a unit of concurrency all along; "
        "long timeouts hide hung dependencies."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        yield from within_bounds(ctx, params, pointer="/Timeout", label="Timeout", unit="s", default=3, platform=(1, 900))

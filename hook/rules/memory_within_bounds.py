"""lambda.memory-within-bounds: function memory stays within the organisation's bounds."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import Params, ResourceContext, Rule, Severity, Violation, within_bounds


class MemoryWithinBounds(Rule):
    """``MemorySize`` stays within ``[min, max]`` (Lambda's own range is 128-10240 MB).

    - PASS when MemorySize (128 when absent) is within the bounds.
    - FAIL when it is below ``min``, above ``max``, or outside what Lambda accepts.
    - SKIP when MemorySize is not known before deployment.
    """

    id = "lambda.memory-within-bounds"
    title = "Memory is within bounds"
    default_severity = Severity.MEDIUM
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html"
    params_schema = {
        "type": "object",
        "properties": {
            "min": {"type": "integer", "minimum": 128, "maximum": 10240, "default": 128},
            "max": {"type": "integer", "minimum": 128, "maximum": 10240, "default": 3008},
        },
        "additionalProperties": False,
    }
    equivalents = {
        "cfn-lint": ("E3034 (platform range only)",),
        "aws-config": ("lambda-function-settings-check (memorySize, exact)",),
        "serverless-rules": ("ES1005",),
        "cdk-nag": ("LambdaDefaultMemorySize",),
    }
    rationale = (
        "Memory sets CPU and price per millisecond; an oversized function costs up to 80x a small "
        "one for the same work. Organisations bound it and grant exceptions with measurements."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        yield from within_bounds(ctx, params, pointer="/MemorySize", label="MemorySize", unit="MB", default=128,
                                 platform=(128, 10240))

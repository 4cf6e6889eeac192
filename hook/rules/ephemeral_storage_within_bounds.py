"""lambda.ephemeral-storage-within-bounds: /tmp stays within the organisation's bounds."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import Params, ResourceContext, Rule, Severity, Violation, within_bounds


class EphemeralStorageWithinBounds(Rule):
    """``EphemeralStorage.Size`` stays within ``[min, max]`` MB (Lambda's own range is 512-10240).

    - PASS when the size (512 when absent) is within the bounds.
    - FAIL when it is below ``min``, above ``max``, or outside what Lambda accepts.
    - SKIP when the size is not known before deployment.
    """

    id = "lambda.ephemeral-storage-within-bounds"
    title = "Ephemeral storage is within bounds"
    default_severity = Severity.LOW
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html"
    params_schema = {
        "type": "object",
        "properties": {
            "min": {"type": "integer", "minimum": 512, "maximum": 10240, "default": 512},
            "max": {"type": "integer", "minimum": 512, "maximum": 10240, "default": 2048},
        },
        "additionalProperties": False,
    }
    equivalents = {"cfn-lint": ("E3034 (platform range only)",)}
    rationale = "Storage above 512 MB is billed per GB-second on every invocation, used or not."

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        yield from within_bounds(ctx, params, pointer="/EphemeralStorage/Size", label="EphemeralStorage.Size", unit="MB",
                                 default=512, platform=(512, 10240))

"""lambda.versions-per-function-max: functions do not pile up published versions."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import Action, NotApplicable, Params, ResourceContext, Rule, Severity, Violation


class VersionsPerFunctionMax(Rule):
    """Publishing this ``AWS::Lambda::Version`` keeps the function within ``max`` versions.

    - PASS when existing versions (``lambda:ListVersionsByFunction``) plus this one are at most ``max``.
    - FAIL when they would exceed it; the message says how many exist.
    - SKIP offline, without permission, or when FunctionName is unresolved.
    """

    id = "lambda.versions-per-function-max"
    title = "Versions per function are bounded"
    default_severity = Severity.LOW
    resource_types = ("AWS::Lambda::Version",)
    actions = frozenset({Action.CREATE})
    iam_actions = ("lambda:ListVersionsByFunction",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html"
    params_schema = {
        "type": "object",
        "properties": {"max": {"type": "integer", "minimum": 1, "default": 10}},
        "additionalProperties": False,
    }
    rationale = "Each version keeps a full copy of the code in the 75 GB Regional code storage."

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        name = ctx.get_str("/FunctionName")
        if name is None:
            raise NotApplicable("FunctionName is not set")
        existing = ctx.account.function_versions(name)
        if len(existing) + 1 > params["max"]:
            yield Violation(
                f"{name} already has {len(existing)} published versions; this one makes {len(existing) + 1}, "
                f"the maximum is {params['max']}",
                "/FunctionName",
                "Delete versions no alias points to: aws lambda delete-function --function-name NAME --qualifier N.",
            )

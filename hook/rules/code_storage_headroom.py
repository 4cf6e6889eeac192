"""lambda.code-storage-headroom: the Region's code storage is not nearly full."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import Params, ResourceContext, Rule, Severity, Violation


class CodeStorageHeadroom(Rule):
    """The account's ``TotalCodeSize`` usage stays under ``max_percent`` of its limit (75 GB).

    - PASS when usage is below ``max_percent`` of the limit.
    - FAIL when it is at or above (a deploy that publishes more code may fail).
    - SKIP offline or without lambda:GetAccountSettings.
    """

    id = "lambda.code-storage-headroom"
    title = "Code storage has headroom"
    default_severity = Severity.MEDIUM
    resource_types = ("AWS::Lambda::Function", "AWS::Lambda::Version")
    iam_actions = ("lambda:GetAccountSettings",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
    params_schema = {
        "type": "object",
        "properties": {"max_percent": {"type": "number", "exclusiveMinimum": 0, "maximum": 100, "default": 80}},
        "additionalProperties": False,
    }
    rationale = "At 75 GB per Region, deployments fail with CodeStorageExceededException until old versions are deleted."

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        s = ctx.account.account_settings()
        if s.total_code_size_limit <= 0:
            return
        used = 100.0 * s.total_code_size_usage / s.total_code_size_limit
        if used >= params["max_percent"]:
            gb = 1024**3
            yield Violation(
                f"code storage is {used:.0f}% full ({s.total_code_size_usage / gb:.1f} of {s.total_code_size_limit / gb:.0f} GB); "
                f"the policy allows {params['max_percent']}%",
                "", "Delete unaliased old versions (aws lambda list-versions-by-function / delete-function --qualifier).",
            )

"""lambda.tracing-active: X-Ray active tracing is on."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import Params, ResourceContext, Rule, Severity, Violation


class TracingActive(Rule):
    """``TracingConfig.Mode`` is ``Active`` (SAM ``Tracing: Active`` expands to it).

    - PASS when Mode is Active.
    - FAIL when TracingConfig is absent (PassThrough is Lambda's default) or PassThrough.
    - SKIP when the mode is not known before deployment.
    """

    id = "lambda.tracing-active"
    title = "X-Ray tracing is active"
    default_severity = Severity.LOW
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html"
    params_schema = {"type": "object", "properties": {}, "additionalProperties": False}
    equivalents = {
        "checkov": ("CKV_AWS_50 (Terraform only)",),
        "aws-config": ("lambda-function-xray-enabled",),
        "security-hub": ("Lambda.7",),
        "serverless-rules": ("WS1000",),
        "cdk-nag": ("LambdaTracing",),
    }
    rationale = "Without traces, a slow downstream call is invisible in an incident."

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        mode = ctx.get_str("/TracingConfig/Mode", "PassThrough")
        if mode != "Active":
            yield Violation(
                f"TracingConfig.Mode is {mode}{' (the default)' if not ctx.has('/TracingConfig/Mode') else ''}; Active is required",
                path="/TracingConfig/Mode",
                remediation="Set TracingConfig: {Mode: Active} (SAM: Tracing: Active) and allow xray:PutTraceSegments.",
            )

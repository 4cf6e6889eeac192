"""lambda.code-signing-required: ZIP functions verify their code signature."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import (
    NotApplicable,
    Params,
    ResourceContext,
    Rule,
    Severity,
    Violation,
    describe_value,
    is_unresolved,
    may_be_absent,
)


class CodeSigningRequired(Rule):
    """ZIP functions name a code-signing configuration.

    - PASS when ``CodeSigningConfigArn`` is set (and is one of ``allowed_configs`` when listed).
    - FAIL when it is absent or empty, or not an allowed configuration.
    - SKIP for container-image functions (code signing applies to .zip packages only), when the ARN
      is not known before deployment and ``allowed_configs`` must be checked, and when it is set
      only under an unknown condition (``!If [Cond, arn, !Ref AWS::NoValue]``).
    """

    id = "lambda.code-signing-required"
    title = "Code signing is configured"
    default_severity = Severity.MEDIUM
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html"
    params_schema = {
        "type": "object",
        "properties": {
            "allowed_configs": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": [],
                "description": "Code-signing configuration ARNs that may be used (empty: any).",
            }
        },
        "additionalProperties": False,
    }
    equivalents = {"checkov": ("CKV_AWS_272 (Terraform only)",), "cfn-lint": ("E3031 (ARN pattern only)",)}
    rationale = (
        "Code signing makes Lambda refuse packages that were not signed by a trusted publisher, "
        "so a stolen deploy credential cannot ship arbitrary code."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        if ctx.get_str("/PackageType", "Zip") == "Image":
            raise NotApplicable("container-image function: code signing applies to .zip packages")
        raw = ctx.get("/CodeSigningConfigArn")
        allowed = params["allowed_configs"]
        if is_unresolved(raw):
            if allowed:
                raise NotApplicable("CodeSigningConfigArn is not known before deployment")
            if may_be_absent(raw):  # !If [Cond, arn, !Ref AWS::NoValue]: unsigned in some deployments
                raise NotApplicable(f"CodeSigningConfigArn is set only under a condition not known before deployment: "
                                    f"{describe_value(raw)}")
            return
        arn = ctx.get_str("/CodeSigningConfigArn", "") or ""
        if not arn.strip():
            yield Violation(
                "CodeSigningConfigArn is not set: the function accepts unsigned code",
                path="/CodeSigningConfigArn",
                remediation="Create an AWS::Lambda::CodeSigningConfig with an Enforce policy and reference it.",
            )
        elif allowed and arn not in allowed:
            yield Violation(
                f"CodeSigningConfigArn '{arn}' is not an approved configuration",
                path="/CodeSigningConfigArn",
                remediation=f"Use one of: {', '.join(allowed)}.",
            )

"""lambda.env-encrypted-with-cmk: environment variables are encrypted with a customer managed key."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

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


class EnvEncryptedWithCmk(Rule):
    """A function with environment variables sets ``KmsKeyArn`` (a customer managed key).

    - PASS when KmsKeyArn is set (an intrinsic to a key in the stack counts).
    - FAIL when variables exist and KmsKeyArn is absent (Lambda then uses the AWS managed key,
      whose use nobody can restrict or audit per key policy).
    - SKIP when the function has no environment variables, or when whether it has any is not known
      before deployment (an unresolved ``Environment`` or ``Variables``), or when KmsKeyArn is set
      only under an unknown condition (``!If [Cond, key, !Ref AWS::NoValue]``).
    """

    id = "lambda.env-encrypted-with-cmk"
    title = "Environment variables use a customer managed key"
    default_severity = Severity.LOW
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html"
    params_schema = {"type": "object", "properties": {}, "additionalProperties": False}
    equivalents = {"checkov": ("CKV_AWS_173",)}
    rationale = "A customer managed key lets the key policy decide who can decrypt the variables, and CloudTrail shows each use."

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        key = ctx.get("/KmsKeyArn")
        if key and not may_be_absent(key):
            return
        variables = ctx.get("/Environment/Variables")
        if is_unresolved(variables):
            # Environment: !If [Cond, {Variables: ...}, !Ref AWS::NoValue] may leave none at all.
            raise NotApplicable(f"whether the function has environment variables is not known before deployment: "
                                f"{describe_value(variables)}")
        if not variables or not isinstance(variables, Mapping):
            raise NotApplicable("the function has no environment variables")
        if key:  # !If [Cond, key, !Ref AWS::NoValue]
            raise NotApplicable(f"KmsKeyArn is set only under a condition not known before deployment: {describe_value(key)}")
        yield Violation("the function has environment variables but no KmsKeyArn: they are encrypted with the AWS managed key",
                        "/KmsKeyArn", "Create an AWS::KMS::Key and set KmsKeyArn: !GetAtt Key.Arn.")

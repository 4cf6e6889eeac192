"""lambda.function-url-auth-iam: function URLs require IAM auth and do not allow any origin."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import (
    NotApplicable,
    Params,
    ResourceContext,
    Rule,
    Severity,
    Violation,
    as_str,
    describe_value,
    is_unresolved,
)


class FunctionUrlAuthIam(Rule):
    """``AWS::Lambda::Url`` uses ``AuthType: AWS_IAM``; CORS does not allow every origin.

    SAM's ``FunctionUrlConfig`` is expanded into ``AWS::Lambda::Url`` before this runs.

    - PASS when AuthType is AWS_IAM and Cors.AllowOrigins has no ``*`` (unless allowed), and only
      ``allowed_origins`` when that list is given.
    - FAIL when AuthType is NONE (a public endpoint), when it is missing (CloudFormation requires
      it), or an origin is not allowed.
    - SKIP when AuthType is not known before deployment, or nothing fails and a CORS origin is not known.
    """

    id = "lambda.function-url-auth-iam"
    title = "Function URLs require IAM auth"
    default_severity = Severity.CRITICAL
    resource_types = ("AWS::Lambda::Url",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
    params_schema = {
        "type": "object",
        "properties": {
            "allow_cors_wildcard": {"type": "boolean", "default": False},
            "allowed_origins": {"type": "array", "items": {"type": "string"}, "default": []},
        },
        "additionalProperties": False,
    }
    equivalents = {
        "checkov": ("CKV_AWS_258 (not SAM)", "CKV2_AWS_75"),
        "control-tower": ("CT.LAMBDA.PR.5", "CT.LAMBDA.PR.6"),
        "cdk-nag": ("LambdaFunctionUrlAuth",),
    }
    rationale = "A function URL with AuthType NONE is a public HTTPS endpoint anyone on the internet can invoke."

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        found: list[Violation] = []
        auth = ctx.get_str("/AuthType")
        if auth is None:
            # AuthType is required (AWS::Lambda::Url, SAM FunctionUrlConfig): CloudFormation rejects
            # the resource without it, so there is no public URL to describe, only a missing setting.
            found.append(Violation(
                "the function URL has no AuthType: CloudFormation requires it (AWS_IAM or NONE) and rejects the URL without it",
                path="/AuthType",
                remediation="Set AuthType: AWS_IAM and grant lambda:InvokeFunctionUrl to the callers.",
            ))
        elif auth != "AWS_IAM":
            found.append(Violation(
                f"the function URL has AuthType {auth}: anyone on the internet can invoke it",
                path="/AuthType",
                remediation="Set AuthType: AWS_IAM and grant lambda:InvokeFunctionUrl to the callers.",
            ))
        unknown = []
        for i, item in enumerate(ctx.get_list("/Cors/AllowOrigins")):
            if is_unresolved(item):
                unknown.append(item)  # an origin from a parameter or Fn::If: not known, not guessed
                continue
            origin = as_str(item, f"/Cors/AllowOrigins/{i}")
            if origin == "*" and not params["allow_cors_wildcard"]:
                found.append(Violation("Cors.AllowOrigins contains '*': any web page may call the URL", f"/Cors/AllowOrigins/{i}",
                                       "List the exact origins that need the URL."))
            elif origin != "*" and params["allowed_origins"] and origin not in params["allowed_origins"]:
                found.append(Violation(f"Cors.AllowOrigins has {origin}, which is not an allowed origin", f"/Cors/AllowOrigins/{i}",
                                       f"Allowed origins: {', '.join(params['allowed_origins'])}."))
        if unknown and not found:
            raise NotApplicable(f"a CORS origin is not known before deployment: {describe_value(unknown[0])}")
        yield from found

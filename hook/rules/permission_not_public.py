"""lambda.permission-not-public: resource policies never open a function or layer to everyone."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hook.sdk import NotApplicable, Params, ResourceContext, Rule, Severity, Violation, is_unresolved

_ACCOUNT = re.compile(r"^(?:arn:aws[a-z-]*:iam::)?(\d{12})(?::root)?$")


class PermissionNotPublic(Rule):
    """``AWS::Lambda::Permission`` and ``AWS::Lambda::LayerVersionPermission`` are not public.

    - PASS when the principal is scoped: ``*`` only with SourceArn, SourceAccount or
      PrincipalOrgID; a service principal with SourceArn or SourceAccount (S3 with SourceAccount,
      since bucket ARNs carry no account); another account only from ``allowed_accounts``; the
      action is lambda:InvokeFunction or lambda:InvokeFunctionUrl (URL auth not NONE). A layer
      permission grants lambda:GetLayerVersion, and with ``*`` needs an OrganizationId. Action
      names compare case-insensitively, as IAM compares them.
    - FAIL for each of those that is not met.
    - SKIP when the principal is not known before deployment.
    """

    id = "lambda.permission-not-public"
    title = "Resource policies are not public"
    default_severity = Severity.CRITICAL
    resource_types = ("AWS::Lambda::Permission", "AWS::Lambda::LayerVersionPermission")
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html"
    params_schema = {
        "type": "object",
        "properties": {
            "allowed_accounts": {"type": "array", "items": {"type": "string", "pattern": "^\\d{12}$"}, "default": []},
        },
        "additionalProperties": False,
    }
    equivalents = {
        "checkov": ("CKV_AWS_364",),
        "cfn-nag": ("F13", "W24"),
        "cfn-lint": ("W3663", "W3664"),
        "control-tower": ("CT.LAMBDA.PR.2", "CT.LAMBDA.PR.4"),
        "aws-config": ("lambda-function-public-access-prohibited",),
        "security-hub": ("Lambda.1",),
        "guard-registry": ("LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED", "LAMBDA_NO_WILDCARD_PRINCIPALS",
                           "LAMBDA_PERMISSION_INVOKE_FUNCTION_ACTION"),
        "cdk-nag": ("LambdaFunctionPublicAccessProhibited",),
    }
    rationale = (
        "A permission for '*' without a source condition lets any AWS account invoke the function; a "
        "service principal without SourceArn/SourceAccount is the confused-deputy problem."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        raw = ctx.get("/Principal")
        if is_unresolved(raw):
            raise NotApplicable("Principal is not known before deployment")
        principal = ctx.get_str("/Principal") or ""
        if ctx.resource_type == "AWS::Lambda::LayerVersionPermission":
            # An unresolved Action is not guessed; the principal is still judged.
            layer_action = None if is_unresolved(ctx.get("/Action")) else ctx.get_str("/Action") or ""
            if layer_action is not None and layer_action.lower() != "lambda:getlayerversion":
                yield Violation(f"the layer permission grants {layer_action or 'no action'}; only lambda:GetLayerVersion may be granted",
                                "/Action", "Grant lambda:GetLayerVersion only.")
            if principal == "*" and not ctx.get("/OrganizationId"):
                yield Violation("the layer is shared with every AWS account (Principal '*' without OrganizationId)",
                                "/Principal", "Set OrganizationId, or share with named accounts.")
            elif principal != "*":
                yield from self._account(ctx, principal, params)
            return
        action = ctx.get_str("/Action") or ""
        # IAM action names are case-insensitive: Lambda:invokeFunction is lambda:InvokeFunction.
        if action.lower() not in ("lambda:invokefunction", "lambda:invokefunctionurl"):
            yield Violation(f"the permission grants {action}; only lambda:InvokeFunction or lambda:InvokeFunctionUrl may be granted",
                            "/Action", "Grant lambda:InvokeFunction only.")
        if ctx.get_str("/FunctionUrlAuthType") == "NONE":
            yield Violation("FunctionUrlAuthType is NONE: the function URL is public", "/FunctionUrlAuthType",
                            "Use AWS_IAM auth for the URL.")
        scoped = any(ctx.get(k) for k in ("/SourceArn", "/SourceAccount", "/PrincipalOrgID"))
        if principal == "*":
            if not scoped:
                yield Violation("Principal is '*' with no SourceArn, SourceAccount or PrincipalOrgID: any AWS account can invoke",
                                "/Principal", "Name the calling service or account, and add SourceArn or SourceAccount.")
        elif principal.endswith(".amazonaws.com"):
            if principal == "s3.amazonaws.com" and not ctx.get("/SourceAccount"):
                yield Violation("s3.amazonaws.com without SourceAccount: a bucket in another account with the same name could invoke",
                                "/SourceAccount", "Add SourceAccount: !Ref AWS::AccountId (bucket ARNs carry no account).")
            elif not (ctx.get("/SourceArn") or ctx.get("/SourceAccount")):
                yield Violation(f"{principal} without SourceArn or SourceAccount (confused deputy)", "/Principal",
                                "Add SourceArn of the calling resource, or SourceAccount.")
        else:
            yield from self._account(ctx, principal, params)

    def _account(self, ctx: ResourceContext, principal: str, params: Params) -> Iterator[Violation]:
        match = _ACCOUNT.match(principal)
        if match is None:
            return
        account = match.group(1)
        if account != ctx.account_id and account not in params["allowed_accounts"]:
            yield Violation(f"account {account} is not an allowed cross-account principal", "/Principal",
                            "Add the account to allowed_accounts after review, or remove the permission.")

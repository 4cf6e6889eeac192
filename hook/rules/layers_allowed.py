"""lambda.layers-allowed: layers come from trusted accounts, at most five."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from hook.sdk import NotApplicable, Params, ResourceContext, Rule, Severity, Violation, is_unresolved

_LAYER_ARN = re.compile(r"^arn:[a-z0-9-]+:lambda:[a-z0-9-]+:(\d{12}):layer:[A-Za-z0-9_-]+:\d+$")


class LayersAllowed(Rule):
    """Layers come from allowed accounts or match allowed ARN patterns; at most ``max_layers``.

    - PASS when every layer ARN's account is in ``allowed_accounts`` (the function's own account
      always is) or the ARN matches one of ``allowed_patterns``, and there are at most ``max_layers``.
    - FAIL for a layer from another account that is not allowed, or too many layers.
    - SKIP when the Layers list itself is unresolved. A layer given as an unresolved intrinsic
      (a Ref to a layer in the same stack) is in the stack's own account and passes.
    """

    id = "lambda.layers-allowed"
    title = "Layers come from trusted sources"
    default_severity = Severity.HIGH
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html"
    params_schema = {
        "type": "object",
        "properties": {
            "allowed_accounts": {
                "type": "array",
                "items": {"type": "string", "pattern": "^\\d{12}$"},
                "default": [],
                "description": "Accounts whose layers may be used, besides the function's own.",
            },
            "allowed_patterns": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["arn:aws:lambda:*:017000801446:layer:AWSLambdaPowertools*"],
                "description": "Glob patterns of layer ARNs that may be used (AWS Powertools by default).",
            },
            "max_layers": {"type": "integer", "minimum": 0, "maximum": 5, "default": 5},
        },
        "additionalProperties": False,
    }
    equivalents = {"cfn-lint": ("E3032 (at most 5)", "E3031 (ARN pattern)")}
    rationale = (
        "A layer is code that runs inside the function with its role; a layer from an unknown "
        "account is a supply-chain dependency nobody reviewed. Lambda allows at most 5 layers."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        raw = ctx.get("/Layers")
        if raw is None:
            return
        if is_unresolved(raw):
            raise NotApplicable("Layers is not known before deployment")
        layers = ctx.get_list("/Layers")
        if len(layers) > params["max_layers"]:
            yield Violation(
                f"the function has {len(layers)} layers; at most {params['max_layers']} are allowed",
                path="/Layers",
                remediation="Merge layers or move dependencies into the deployment package.",
            )
        trusted = set(params["allowed_accounts"])
        if ctx.account_id:
            trusted.add(ctx.account_id)
        for i, layer in enumerate(layers):
            if is_unresolved(layer):
                continue
            arn = str(layer)
            if any(fnmatch.fnmatchcase(arn, p) for p in params["allowed_patterns"]):
                continue
            match = _LAYER_ARN.match(arn)
            account = match.group(1) if match else None
            if account is not None and account in trusted:
                continue
            who = f"account {account}" if account else "an unrecognised ARN"
            yield Violation(
                f"layer {arn} comes from {who}, which is not allowed",
                path=f"/Layers/{i}",
                remediation="Use a layer from an allowed account, or add the account to allowed_accounts after review.",
            )

"""lambda.layers-allowed: layers come from trusted accounts, at most five."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from hook.sdk import (
    NotApplicable,
    Params,
    ResourceContext,
    Rule,
    Severity,
    Unresolved,
    Violation,
    is_unresolved,
)

_LAYER_ARN = re.compile(r"^arn:([a-z0-9-]+):lambda:[a-z0-9-]+:(\d{12}):layer:([A-Za-z0-9_-]+):\d+$")
# A dynamic reference to a plain SSM parameter: {{resolve:ssm:/name}} or {{resolve:ssm:/name:version}}.
_SSM_REF = re.compile(r"^\{\{resolve:ssm:([A-Za-z0-9_.\-/]+)(?::\d+)?\}\}$")


@cache
def layer_groups() -> Mapping[str, Mapping[str, Any]]:
    """Allow groups of AWS-published layers (hook/data/aws_layers.json): name -> {description, layers,
    includes, ssm_prefixes}."""
    data = json.loads((Path(__file__).parent.parent / "data" / "aws_layers.json").read_text())
    return data["groups"]  # type: ignore[no-any-return]


def _expand(group: str, seen: frozenset[str] = frozenset()) -> Iterator[Mapping[str, Any]]:
    """The group and the groups it includes, each once."""
    spec = layer_groups().get(group)
    if spec is None or group in seen:
        return
    yield spec
    for inner in spec.get("includes", ()):
        yield from _expand(inner, seen | {group})


def published_by(group: str, partition: str, account: str, name: str) -> bool:
    """The layer ``name`` of ``account`` in ``partition`` (aws, aws-cn, aws-us-gov) is one AWS publishes
    in ``group``. Account ids are per partition: a publisher of the aws partition is not trusted in
    aws-cn or aws-us-gov."""
    return any(account in entry["accounts"].get(partition, ()) and fnmatch.fnmatchcase(name, entry["name"])
               for spec in _expand(group) for entry in spec.get("layers", ()))


def published_parameter(group: str, name: str) -> bool:
    """The SSM parameter ``name`` is a public parameter AWS publishes for ``group`` (its value is one
    of the group's layer ARNs, e.g. /aws/service/powertools/python/arm64/python3.13/latest)."""
    return any(name.startswith(item["prefix"]) for spec in _expand(group) for item in spec.get("ssm_prefixes", ()))


class LayersAllowed(Rule):
    """Layers come from allowed accounts, allowed groups of AWS-published layers, or match allowed
    ARN patterns; at most ``max_layers``.

    ``allowed_groups`` names groups of layers AWS publishes (``hook/data/aws_layers.json``, with
    the AWS page each publisher account comes from): ``aws-powertools`` (Powertools for AWS Lambda,
    Python and TypeScript, in the commercial, China and GovCloud (US) partitions; on by default),
    ``aws-parameters-and-secrets``, ``aws-appconfig``, ``aws-lambda-insights`` (CloudWatch Lambda
    Insights, x86_64 and arm64), and ``aws-extensions``, which is all three extensions. A group
    matches the layer's name *and* its publisher account in the ARN's partition, so a look-alike
    layer name in another account, or a commercial publisher's id in ``aws-cn``, is not allowed.
    ``{{resolve:ssm:/aws/service/powertools/...}}`` (the public parameter Powertools documents) is
    the Powertools layer.

    Publisher accounts come from AWS's pages: Powertools
    https://docs.aws.amazon.com/powertools/python/latest/getting-started/install/ and
    https://docs.aws.amazon.com/powertools/typescript/latest/getting-started/lambda-layers/;
    Parameters and Secrets
    https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda_ARNs.html;
    AppConfig
    https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-integration-lambda-extensions-versions.html;
    Lambda Insights
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Lambda-Insights-extension-versionsx86-64.html
    and https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Lambda-Insights-extension-versionsARM.html.

    - PASS when every layer ARN's account is in ``allowed_accounts`` (the function's own account
      always is), the layer is in one of ``allowed_groups``, or the ARN matches one of
      ``allowed_patterns``, and there are at most ``max_layers``.
    - FAIL for a layer from another account that is not allowed, or too many layers.
    - SKIP when the Layers list itself is unresolved, or when a layer is not known before deployment
      (a parameter without a default, an import) and no other layer fails. A layer of the same
      stack (``!Ref MyLayer``) is in the stack's own account and passes.
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
            "allowed_groups": {
                "type": "array",
                "items": {"type": "string", "enum": ["aws-powertools", "aws-parameters-and-secrets", "aws-appconfig",
                                                     "aws-lambda-insights", "aws-extensions"]},
                "default": ["aws-powertools"],
                "description": "Groups of AWS-published layers that may be used: aws-powertools (default), "
                               "aws-parameters-and-secrets, aws-appconfig, aws-lambda-insights, aws-extensions "
                               "(the three extensions).",
            },
            "allowed_patterns": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Glob patterns of layer ARNs that may be used.",
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
        unknown: list[str] = []
        violated = len(layers) > params["max_layers"]
        for i, layer in enumerate(layers):
            if is_unresolved(layer):
                # A layer of this stack is in its account; any other value (a parameter without a
                # default, an import) could come from anywhere: not known, never passed.
                if isinstance(layer, Unresolved) and layer.resource_type != "AWS::Lambda::LayerVersion":
                    unknown.append(f"/Layers/{i}")
                continue
            arn = str(layer)
            if any(fnmatch.fnmatchcase(arn, p) for p in params["allowed_patterns"]):
                continue
            ssm = _SSM_REF.match(arn)
            if ssm and any(published_parameter(g, ssm.group(1)) for g in params["allowed_groups"]):
                continue
            match = _LAYER_ARN.match(arn)
            account = match.group(2) if match else None
            if account is not None and account in trusted:
                continue
            if match and any(published_by(g, match.group(1), match.group(2), match.group(3))
                             for g in params["allowed_groups"]):
                continue
            if match is None:
                who = "an SSM parameter that is not an AWS-published layer" if ssm else "an unrecognised ARN"
            elif match.group(1) == "aws":
                who = f"account {account}"
            else:
                who = f"account {account} in partition {match.group(1)}"
            yield Violation(
                f"layer {arn} comes from {who}, which is not allowed",
                path=f"/Layers/{i}",
                remediation="Use a layer from an allowed account, or add the account to allowed_accounts after review "
                            "(AWS-published extensions and Lambda Insights: allowed_groups: [aws-powertools, aws-extensions]).",
            )
            violated = True
        if unknown and not violated:
            raise NotApplicable(f"layer {', '.join(unknown)} is not known before deployment")

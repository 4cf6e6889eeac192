"""lambda.vpc-attached: functions run inside the organisation's VPCs."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import NotApplicable, Params, ResourceContext, Rule, Severity, Violation, is_unresolved


class VpcAttached(Rule):
    """Functions are attached to a VPC, on allowed subnets and security groups when listed.

    Off by default: it is the most-suppressed Lambda check in the peers' worlds, since most
    functions need no VPC. Enable it for accounts whose functions must reach private resources.

    - PASS when ``VpcConfig`` has at least ``min_subnets`` subnets and one security group, each
      in the allowed lists when those are given.
    - FAIL when there is no VpcConfig, too few subnets (one subnet is one Availability Zone), no
      security group, or a subnet or group that is not allowed.
    - SKIP when VpcConfig or its lists are unresolved. Unresolved individual ids are not judged
      against the allowed lists.
    """

    id = "lambda.vpc-attached"
    title = "Function is attached to a VPC"
    default_severity = Severity.MEDIUM
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html"
    params_schema = {
        "type": "object",
        "properties": {
            "min_subnets": {
                "type": "integer",
                "minimum": 1,
                "default": 2,
                "description": "At least this many subnets (two subnets in two AZs survive an AZ outage).",
            },
            "allowed_subnets": {"type": "array", "items": {"type": "string"}, "default": []},
            "allowed_security_groups": {"type": "array", "items": {"type": "string"}, "default": []},
        },
        "additionalProperties": False,
    }
    equivalents = {
        "checkov": ("CKV_AWS_117",),
        "cfn-nag": ("W89",),
        "control-tower": ("CT.LAMBDA.PR.3",),
        "aws-config": ("lambda-inside-vpc", "lambda-vpc-multi-az-check"),
        "security-hub": ("Lambda.3", "Lambda.5"),
        "guard-registry": ("LAMBDA_INSIDE_VPC",),
        "cdk-nag": ("LambdaInsideVPC",),
    }
    rationale = "Functions that reach private data stay on the organisation's network paths and controls."

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        vpc = ctx.get("/VpcConfig")
        if is_unresolved(vpc):
            raise NotApplicable("VpcConfig is not known before deployment")
        if not vpc:
            yield Violation(
                "the function is not attached to a VPC (no VpcConfig)",
                path="/VpcConfig",
                remediation="Add VpcConfig with SubnetIds and SecurityGroupIds.",
            )
            return
        subnets = ctx.get_list("/VpcConfig/SubnetIds")
        groups = ctx.get_list("/VpcConfig/SecurityGroupIds")
        if len(subnets) < params["min_subnets"]:
            yield Violation(
                f"VpcConfig has {len(subnets)} subnet(s); at least {params['min_subnets']} are required "
                "so the function survives an Availability Zone outage",
                path="/VpcConfig/SubnetIds",
                remediation="List subnets in at least two Availability Zones.",
            )
        if not groups:
            yield Violation(
                "VpcConfig has no security group",
                path="/VpcConfig/SecurityGroupIds",
                remediation="Add a security group that allows only the traffic the function needs.",
            )
        for name, values, allowed in (
            ("SubnetIds", subnets, params["allowed_subnets"]),
            ("SecurityGroupIds", groups, params["allowed_security_groups"]),
        ):
            if not allowed:
                continue
            for i, value in enumerate(values):
                if is_unresolved(value):
                    continue
                if str(value) not in allowed:
                    yield Violation(
                        f"{name} entry '{value}' is not allowed; allowed: {', '.join(allowed)}",
                        path=f"/VpcConfig/{name}/{i}",
                        remediation=f"Use only approved {name}.",
                    )

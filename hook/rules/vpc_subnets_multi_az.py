"""lambda.vpc-subnets-multi-az: a function in a VPC has subnets in several Availability Zones."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hook.sdk import (
    FUNCTION_TYPES,
    NotApplicable,
    Params,
    Severity,
    StackContext,
    StackRule,
    Violation,
    is_unresolved,
    json_pointer,
)


def _zone(ctx: StackContext, subnet_id: str) -> tuple[str, str] | None:
    """``(kind, zone)`` of a subnet declared in the template; None when its zone is not known.

    kind is ``name`` (us-east-1a), ``id`` (use1-az1) or ``index`` (the i-th of ``!GetAZs``, which
    in one Region and one stack is a distinct zone per index).
    """
    props = ctx.properties_of(subnet_id)
    name = props.get("AvailabilityZone")
    if isinstance(name, str):
        return ("name", name)
    if isinstance(props.get("AvailabilityZoneId"), str):
        return ("id", props["AvailabilityZoneId"])
    if isinstance(name, Mapping) and len(name) == 1 and isinstance(name.get("Fn::Select"), list):
        args = name["Fn::Select"]
        if len(args) == 2 and isinstance(args[1], Mapping) and "Fn::GetAZs" in args[1]:
            index = args[0]
            if isinstance(index, int) or (isinstance(index, str) and index.strip().isdigit()):
                return ("index", f"!GetAZs[{int(index)}]")
    return None


class VpcSubnetsMultiAz(StackRule):
    """A function attached to a VPC lists subnets in at least ``min_azs`` Availability Zones.

    The zone of a subnet is known when the subnet is an ``AWS::EC2::Subnet`` in the template with
    a literal ``AvailabilityZone`` or ``AvailabilityZoneId``, or ``!Select [i, !GetAZs '']``.
    A subnet id from a parameter, an import or a literal ``subnet-...`` needs an account lookup
    (subnet to zone) that the hook does not make, so its zone is unknown, never guessed.

    - PASS when the known zones of each function's subnets are at least ``min_azs``.
    - FAIL when every subnet's zone is known and there are fewer than ``min_azs`` of them.
    - SKIP when no function in the stack is attached to a VPC (an empty ``VpcConfig`` or empty
      ``SubnetIds`` is no VPC), or the zones that would decide it are not known.
    """

    id = "lambda.vpc-subnets-multi-az"
    title = "VPC functions span Availability Zones"
    default_severity = Severity.MEDIUM
    resource_types = FUNCTION_TYPES
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html"
    params_schema = {
        "type": "object",
        "properties": {"min_azs": {"type": "integer", "minimum": 1, "default": 2}},
        "additionalProperties": False,
    }
    equivalents = {"aws-config": ("lambda-vpc-multi-az-check",), "security-hub": ("Lambda.5",)}
    rationale = (
        "A function whose subnets are all in one Availability Zone stops when that zone has a "
        "problem; Lambda runs it in every zone its subnets cover."
    )

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        need = params["min_azs"]
        attached = judged = 0
        unknown: list[str] = []
        for fid, _ in ctx.resources_of_type(*FUNCTION_TYPES):
            vpc = ctx.function_property(fid, "VpcConfig")
            if vpc is None:
                continue
            subnets: Any = vpc.get("SubnetIds") if isinstance(vpc, Mapping) else None
            if isinstance(vpc, Mapping) and subnets in (None, []):
                continue  # ``VpcConfig: {}`` or no subnets: Lambda attaches no VPC (how one detaches it)
            attached += 1
            if is_unresolved(vpc) or is_unresolved(subnets) or not isinstance(subnets, list):
                unknown.append(fid)
                continue
            zones: dict[str, set[str]] = {"name": set(), "id": set(), "index": set()}
            named: list[str] = []
            missing = 0
            for item in subnets:
                sid = ctx.referenced_id(item)
                zone = _zone(ctx, sid) if sid and ctx.resources[sid].get("Type") == "AWS::EC2::Subnet" else None
                if zone is None:
                    missing += 1
                    continue
                zones[zone[0]].add(zone[1])
                named.append(f"{sid} ({zone[1]})")
            # Names, ids and !GetAZs indices may denote the same zone: count the least and the most.
            least = max(len(z) for z in zones.values())
            most = sum(len(z) for z in zones.values())
            if least >= need:
                judged += 1
                continue
            if missing or most >= need:
                unknown.append(fid)
                continue
            judged += 1
            listed = ", ".join(named) or "none"
            yield Violation(
                f"function {fid}'s subnets cover {most} Availability Zone{'s' if most != 1 else ''} "
                f"({listed}); at least {need} are required",
                json_pointer("Resources", fid, "Properties", "VpcConfig", "SubnetIds"),
                f"Add subnets in {need - most} more Availability Zone{'s' if need - most != 1 else ''} to VpcConfig.SubnetIds.",
                fid,
            )
        if attached == 0:
            raise NotApplicable("no function in this stack is attached to a VPC")
        if judged == 0:
            raise NotApplicable(
                f"the Availability Zones of the subnets of {', '.join(unknown)} are not known from the template "
                "(a subnet outside it needs an account lookup)"
            )

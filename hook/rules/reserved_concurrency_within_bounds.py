"""lambda.reserved-concurrency-within-bounds: reservations are set, capped, and never zero by accident."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import Params, ResourceContext, Rule, Severity, Violation


class ReservedConcurrencyWithinBounds(Rule):
    """``ReservedConcurrentExecutions`` is set when required, and within bounds (per tier).

    - PASS when it is absent and not ``required``, or within ``[min, max]`` (the tier's cap when the
      function's tag ``tiers.tag`` names a tier in ``tiers.caps``).
    - FAIL when it is required but absent, ``0`` without ``allow_zero`` (0 throttles every
      invocation), or outside the bounds.
    - SKIP when the value or the tier tag is not known before deployment.
    """

    id = "lambda.reserved-concurrency-within-bounds"
    title = "Reserved concurrency is within bounds"
    default_severity = Severity.HIGH
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html"
    params_schema = {
        "type": "object",
        "properties": {
            "required": {"type": "boolean", "default": False},
            "min": {"type": "integer", "minimum": 0, "default": 1},
            "max": {"type": "integer", "minimum": 1, "default": 100},
            "allow_zero": {"type": "boolean", "default": False},
            "tiers": {
                "type": "object",
                "properties": {
                    "tag": {"type": "string", "minLength": 1},
                    "caps": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "properties": {"min": {"type": "integer", "minimum": 0}, "max": {"type": "integer", "minimum": 1}},
                            "additionalProperties": False,
                        },
                    },
                },
                "required": ["tag", "caps"],
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    }
    equivalents = {
        "checkov": ("CKV_AWS_115",),
        "cfn-nag": ("W92",),
        "aws-config": ("lambda-concurrency-check",),
        "guard-registry": ("LAMBDA_CONCURRENCY_CHECK",),
        "cdk-nag": ("LambdaConcurrency",),
    }
    rationale = (
        "Reservations come out of the account pool (1,000 by default, at least 100 must stay "
        "unreserved): one generous reservation starves every other function; 0 throttles the "
        "function completely."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        path = "/ReservedConcurrentExecutions"
        value = ctx.get_int(path)
        if value is None:
            if params["required"]:
                yield Violation(
                    "ReservedConcurrentExecutions is not set: the function can take the whole account pool",
                    path=path,
                    remediation=f"Set ReservedConcurrentExecutions between {params['min']} and {params['max']}.",
                )
            return
        low, high, tier_text = params["min"], params["max"], ""
        tiers = params.get("tiers")
        if tiers:
            tier = ctx.tags.get(tiers["tag"])
            if tier is not None:
                from hook.sdk import as_str

                tier_name = as_str(tier, f"/Tags/{tiers['tag']}") or ""
                cap = tiers["caps"].get(tier_name)
                if cap:
                    low, high = cap.get("min", low), cap.get("max", high)
                    tier_text = f" for tier '{tier_name}'"
        if value == 0:
            if not params["allow_zero"]:
                yield Violation(
                    "ReservedConcurrentExecutions is 0: every invocation is throttled",
                    path=path,
                    remediation="Remove the reservation or set a positive value; use allow_zero for a deliberate kill switch.",
                )
            return
        if value < low:
            yield Violation(f"ReservedConcurrentExecutions is {value}; the minimum{tier_text} is {low}", path,
                            f"Raise it to at least {low}.")
        elif value > high:
            yield Violation(f"ReservedConcurrentExecutions is {value}; the maximum{tier_text} is {high}", path,
                            f"Lower it to {high} or less: reservations come out of the account's shared pool.")

"""lambda.unreserved-concurrency-headroom: a reservation leaves the account's unreserved pool healthy."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import NotApplicable, Params, ResourceContext, Rule, Severity, Violation


class UnreservedConcurrencyHeadroom(Rule):
    """The reservation this change adds leaves at least ``min_unreserved`` unreserved concurrency.

    Uses ``lambda:GetAccountSettings`` (the unreserved pool now) and ``lambda:GetFunctionConcurrency``
    (the function's current reservation, when it exists): added = new - current.

    - PASS when the function reserves nothing more, or the pool keeps ``min_unreserved``.
    - FAIL when the pool would drop below ``min_unreserved`` (AWS refuses below 100).
    - SKIP offline, without permission, or when the value is unresolved.
    """

    id = "lambda.unreserved-concurrency-headroom"
    title = "Unreserved concurrency keeps headroom"
    default_severity = Severity.HIGH
    resource_types = ("AWS::Lambda::Function",)
    iam_actions = ("lambda:GetAccountSettings", "lambda:GetFunctionConcurrency")
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html"
    params_schema = {
        "type": "object",
        "properties": {"min_unreserved": {"type": "integer", "minimum": 100, "default": 100}},
        "additionalProperties": False,
    }
    equivalents = {"aws-config": ("lambda-concurrency-check (Low/High)",)}
    rationale = (
        "Every function without a reservation shares the unreserved pool (1,000 by default, AWS keeps "
        "at least 100); reservations that drain it throttle everything else in the account."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        new = ctx.get_int("/ReservedConcurrentExecutions")
        if new is None:
            return
        settings = ctx.account.account_settings()
        name = ctx.get_str("/FunctionName")
        current = 0
        if ctx.action.value == "UPDATE":
            if name is None:
                raise NotApplicable("FunctionName is not set: the current reservation cannot be looked up")
            current = ctx.account.function_concurrency(name) or 0
        added = new - current
        left = settings.unreserved_concurrent_executions - added
        if added > 0 and left < params["min_unreserved"]:
            yield Violation(
                f"reserving {new} (adds {added}) leaves {left} unreserved concurrency of the account's "
                f"{settings.concurrent_executions_limit}; at least {params['min_unreserved']} must stay unreserved",
                "/ReservedConcurrentExecutions",
                "Lower the reservation, release reservations elsewhere, or request a higher concurrency quota.",
            )

"""lambda.sqs-maximum-concurrency-set: SQS event sources cap how many functions they start."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import (
    NotApplicable,
    Params,
    ResourceContext,
    Rule,
    Severity,
    Violation,
    event_source_kind,
    is_unresolved,
)


class SqsMaximumConcurrencySet(Rule):
    """An SQS event source mapping sets ``ScalingConfig.MaximumConcurrency`` within ``[2, max]``.

    - PASS when MaximumConcurrency is set and at most ``max``.
    - FAIL when it is absent (a busy queue scales the function to the account's limit) or above ``max``.
    - SKIP for sources that are not SQS, or whose source cannot be told before deployment.
    """

    id = "lambda.sqs-maximum-concurrency-set"
    title = "SQS sources cap their concurrency"
    default_severity = Severity.MEDIUM
    resource_types = ("AWS::Lambda::EventSourceMapping",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html"
    params_schema = {
        "type": "object",
        "properties": {"max": {"type": "integer", "minimum": 2, "maximum": 1000, "default": 100}},
        "additionalProperties": False,
    }
    rationale = "Without MaximumConcurrency a backlog scales the consumer up to 1,250 concurrent invocations, draining the account pool."

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        kind = event_source_kind(ctx)
        if kind is None and is_unresolved(ctx.get("/EventSourceArn")):
            raise NotApplicable("the event source is not known before deployment")
        if kind != "sqs":
            raise NotApplicable(f"the source is {kind or 'not an SQS queue'}")
        value = ctx.get_int("/ScalingConfig/MaximumConcurrency")
        if value is None:
            yield Violation("the SQS event source has no ScalingConfig.MaximumConcurrency: a backlog can take the account's concurrency",
                            "/ScalingConfig/MaximumConcurrency", f"Set ScalingConfig: {{MaximumConcurrency: {min(10, params['max'])}}}.")
        elif value > params["max"]:
            yield Violation(f"ScalingConfig.MaximumConcurrency is {value}; the maximum is {params['max']}",
                            "/ScalingConfig/MaximumConcurrency", f"Lower it to {params['max']} or less.")

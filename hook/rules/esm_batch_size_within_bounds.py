"""lambda.esm-batch-size-within-bounds: event source batches stay within bounds, SQS batches above 10 wait."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import (
    NotApplicable,
    Params,
    ResourceContext,
    Rule,
    Severity,
    Violation,
    describe_value,
    event_source_kind,
    is_unresolved,
)

#: AWS's BatchSize default when the property is absent: 10 for SQS, 100 for every other source.
DEFAULT_BATCH = {"sqs": 10}
OTHER_DEFAULT = 100
#: AWS's limits: 1 to 10,000 (an SQS FIFO queue: 10).
LIMITS = (1, 10000)
FIFO_MAX = 10
KINDS = ("sqs", "kinesis", "dynamodb", "kafka", "mq", "docdb")

_RANGE = {
    "type": "object",
    "properties": {"min": {"type": "integer", "minimum": 1}, "max": {"type": "integer", "minimum": 1}},
    "additionalProperties": False,
}


class EsmBatchSizeWithinBounds(Rule):
    """An event source mapping's ``BatchSize`` is within bounds for its kind of source.

    Bounds are ``min``/``max``, overridden per source kind in ``by_source`` (``sqs``, ``kinesis``,
    ``dynamodb``, ``kafka``, ``mq``, ``docdb``). An absent BatchSize is AWS's default: 10 for SQS,
    100 for the others.

    - PASS when the batch size is within the bounds and, for SQS with BatchSize above 10,
      ``MaximumBatchingWindowInSeconds`` is at least 1 (AWS requires it).
    - FAIL when the batch size is outside the bounds or AWS's limits (1 to 10,000; 10 for an SQS
      FIFO queue), or an SQS batch above 10 has no batching window of at least 1 s.
    - SKIP when the source kind, the batch size or the window is not known before deployment.
    """

    id = "lambda.esm-batch-size-within-bounds"
    title = "Event source batch sizes stay within bounds"
    default_severity = Severity.LOW
    resource_types = ("AWS::Lambda::EventSourceMapping",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html"
    params_schema = {
        "type": "object",
        "properties": {
            "min": {"type": "integer", "minimum": 1, "default": 1},
            "max": {"type": "integer", "minimum": 1, "default": 10000},
            "by_source": {
                "type": "object",
                "properties": {kind: _RANGE for kind in KINDS},
                "additionalProperties": False,
                "default": {},
                "description": "Bounds for one kind of source, e.g. {sqs: {max: 100}, kinesis: {min: 10}}.",
            },
            "require_batching_window": {
                "type": "boolean",
                "default": True,
                "description": "Fail an SQS BatchSize above 10 without MaximumBatchingWindowInSeconds >= 1.",
            },
        },
        "additionalProperties": False,
    }
    equivalents = {"cfn-lint": ("E3034 (1-10000 only)",)}
    rationale = (
        "One batch is one invocation: a large batch holds many records hostage to one failure and "
        "can run into the timeout or the 6 MB payload limit; AWS rejects an SQS BatchSize above 10 "
        "without a batching window of at least 1 s."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        kind = event_source_kind(ctx)
        if kind is None:
            arn = ctx.get("/EventSourceArn")
            if is_unresolved(arn):
                raise NotApplicable(f"the event source is not known before deployment: {describe_value(arn)}")
            raise NotApplicable("the kind of event source cannot be told from EventSourceArn")
        raw = ctx.get_int("/BatchSize")
        default = DEFAULT_BATCH.get(kind, OTHER_DEFAULT)
        size = default if raw is None else raw
        shown = f" (AWS's default for {kind})" if raw is None else ""
        override = params["by_source"].get(kind, {})
        low, high = override.get("min", params["min"]), override.get("max", params["max"])
        arn = ctx.get("/EventSourceArn")
        fifo = kind == "sqs" and isinstance(arn, str) and arn.endswith(".fifo")
        hi_aws = FIFO_MAX if fifo else LIMITS[1]
        where = f"the {kind}{' FIFO' if fifo else ''} source"
        if not LIMITS[0] <= size <= hi_aws:
            yield Violation(f"BatchSize is {size} for {where}; AWS accepts {LIMITS[0]} to {hi_aws}",
                            "/BatchSize", f"Set BatchSize between {max(low, LIMITS[0])} and {min(high, hi_aws)}.")
            return
        found: list[Violation] = []
        if size < low:
            found.append(Violation(f"BatchSize is {size}{shown} for {where}; the minimum is {low}",
                            "/BatchSize", f"Raise BatchSize to at least {low}."))
        elif size > high:
            found.append(Violation(f"BatchSize is {size}{shown} for {where}; the maximum is {high}",
                            "/BatchSize", f"Lower BatchSize to {high} or less."))
        if kind == "sqs" and size > 10 and params["require_batching_window"]:
            try:
                window = ctx.get_int("/MaximumBatchingWindowInSeconds", 0)
            except NotApplicable:
                if found:  # a known violation is not hidden by an unknown window
                    yield from found
                    return
                raise
            if window is not None and window < 1:
                found.append(Violation(
                    f"BatchSize is {size} for the SQS source and MaximumBatchingWindowInSeconds is {window} s; "
                    "AWS requires a batching window of at least 1 s for an SQS batch larger than 10",
                    "/MaximumBatchingWindowInSeconds",
                    "Set MaximumBatchingWindowInSeconds to 1 or more (up to 300), or BatchSize to 10 or less."))
        yield from found

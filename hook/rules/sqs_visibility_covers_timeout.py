"""lambda.sqs-visibility-covers-timeout: a queue's visibility timeout outlasts its consumer's retries."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import (
    FUNCTION_TYPES,
    NotApplicable,
    Params,
    Severity,
    StackContext,
    StackRule,
    Violation,
    as_int,
    function_timeout,
    is_unresolved,
    json_pointer,
    referenced_ids,
    sam_events,
)


class SqsVisibilityCoversTimeout(StackRule):
    """An SQS queue feeding a function has ``VisibilityTimeout`` >= ``factor`` x the function's timeout.

    - PASS when every queue in the stack that feeds a function (an event source mapping or a SAM
      ``SQS`` event) has a long enough visibility timeout (30 s when absent).
    - FAIL for each that does not: messages reappear and are processed twice.
    - SKIP when the pairs found have unresolved values (or the queue is outside the stack).
    """

    id = "lambda.sqs-visibility-covers-timeout"
    title = "Queue visibility covers the function timeout"
    default_severity = Severity.MEDIUM
    resource_types = ("AWS::Lambda::EventSourceMapping", "AWS::Serverless::Function")
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html"
    params_schema = {
        "type": "object",
        "properties": {"factor": {"type": "number", "minimum": 1, "default": 6}},
        "additionalProperties": False,
    }
    equivalents = {"cfn-lint": ("E3505",), "cdk-nag": ("LambdaEventSourceSQSVisibilityTimeout",)}
    rationale = "AWS recommends a visibility timeout of at least six times the function timeout, or messages are delivered again while still being processed."

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        pairs: list[tuple[str, str]] = []
        for eid, _ in ctx.resources_of_type("AWS::Lambda::EventSourceMapping"):
            props = ctx.properties_of(eid)
            queues = [q for q in referenced_ids(ctx, props.get("EventSourceArn")) if ctx.resources[q].get("Type") == "AWS::SQS::Queue"]
            fns = [f for f in referenced_ids(ctx, props.get("FunctionName")) if ctx.resources[f].get("Type") in FUNCTION_TYPES]
            pairs += [(q, f) for q in queues for f in fns]
        for fid, _ in ctx.resources_of_type("AWS::Serverless::Function"):
            for _name, ev in sam_events(ctx, fid, "SQS"):
                pairs += [(q, fid) for q in referenced_ids(ctx, ev.get("Queue")) if ctx.resources[q].get("Type") == "AWS::SQS::Queue"]
        if not pairs:
            raise NotApplicable("no SQS queue in this stack feeds a function in it")
        judged = 0
        for qid, fid in sorted(set(pairs)):
            raw = ctx.properties_of(qid).get("VisibilityTimeout", 30)
            timeout = function_timeout(ctx, fid)
            if timeout is None or is_unresolved(raw):
                continue
            judged += 1
            visibility = as_int(raw, f"/Resources/{qid}/Properties/VisibilityTimeout")
            if visibility is None:  # VisibilityTimeout: null; 0 is a real (and the shortest) setting
                visibility = 30
            need = params["factor"] * timeout
            if visibility < need:
                yield Violation(
                    f"queue {qid} has VisibilityTimeout {visibility} s but feeds {fid} (Timeout {timeout} s); "
                    f"it needs at least {need:g} s ({params['factor']:g}x)",
                    json_pointer("Resources", qid, "Properties", "VisibilityTimeout"),
                    f"Set VisibilityTimeout to {need:g} or more, or shorten the function's Timeout.", fid)
        if judged == 0:
            raise NotApplicable("the queue or function timeouts are not known before deployment")

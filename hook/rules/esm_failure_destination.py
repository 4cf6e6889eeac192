"""lambda.esm-failure-destination: stream and Kafka sources keep records that fail."""

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


class EsmFailureDestination(Rule):
    """Kinesis, DynamoDB Streams and Kafka event source mappings set ``DestinationConfig.OnFailure``.

    - PASS when an on-failure destination is configured.
    - FAIL when it is not: a poison record blocks the shard until it expires, then is lost.
    - SKIP for SQS (the queue's redrive policy is the dead-letter path) and unknown sources, and when
      ``DestinationConfig`` or its ``OnFailure`` is unresolved (an ``Fn::If`` may leave none).
    """

    id = "lambda.esm-failure-destination"
    title = "Stream sources have an on-failure destination"
    default_severity = Severity.MEDIUM
    resource_types = ("AWS::Lambda::EventSourceMapping",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html"
    params_schema = {"type": "object", "properties": {}, "additionalProperties": False}
    equivalents = {"cfn-lint": ("E3633", "E3634 (correctness only)"), "serverless-rules": ("ES1001",),
                   "cdk-nag": ("LambdaEventSourceMappingDestination",)}
    rationale = "Without a destination, records that keep failing are retried until they expire and are then dropped silently."

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        kind = event_source_kind(ctx)
        if kind == "sqs":
            raise NotApplicable("SQS sources use the queue's redrive policy for failed messages")
        if kind not in ("kinesis", "dynamodb", "kafka"):
            raise NotApplicable("not a stream or Kafka source (or not known before deployment)")
        for pointer in ("/DestinationConfig", "/DestinationConfig/OnFailure"):
            # DestinationConfig: !If [Cond, {OnFailure: ...}, !Ref AWS::NoValue] may set none.
            if is_unresolved(ctx.get(pointer)):
                raise NotApplicable(f"{pointer[1:].replace('/', '.')} is not known before deployment: "
                                    f"{describe_value(ctx.get(pointer))}")
        if ctx.get("/DestinationConfig/OnFailure/Destination"):
            return
        yield Violation(f"the {kind} event source has no DestinationConfig.OnFailure: failed records are lost",
                        "/DestinationConfig/OnFailure", "Set DestinationConfig: {OnFailure: {Destination: <SQS or SNS ARN>}}.")

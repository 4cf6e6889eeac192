"""What kind of source an ``AWS::Lambda::EventSourceMapping`` reads (SQS, Kinesis, DynamoDB, Kafka...)."""

from __future__ import annotations

from hook.sdk.context import ResourceContext
from hook.sdk.values import Unresolved

__all__ = ["event_source_kind"]

#: (resource type, GetAtt attribute) -> kind, for a source in the same template (!GetAtt Queue.Arn).
_KIND_OF_ATTRIBUTE = {
    ("AWS::SQS::Queue", "Arn"): "sqs",
    ("AWS::Kinesis::Stream", "Arn"): "kinesis",
    ("AWS::Kinesis::StreamConsumer", "ConsumerARN"): "kinesis",
    ("AWS::DynamoDB::Table", "StreamArn"): "dynamodb",
    ("AWS::MSK::Cluster", "Arn"): "kafka",
    ("AWS::MSK::ServerlessCluster", "Arn"): "kafka",
    ("AWS::AmazonMQ::Broker", "Arn"): "mq",
    ("AWS::DocDB::DBCluster", "Arn"): "docdb",
}


def _attribute_kind(arn: object) -> str | None:
    """The kind of a source the CLI cannot resolve but whose resource is in the template."""
    if not isinstance(arn, Unresolved) or arn.resource_type is None or not isinstance(arn.expr, dict):
        return None
    arg = arn.expr.get("Fn::GetAtt")
    attribute = arg[1] if isinstance(arg, list) and len(arg) == 2 else arg.split(".", 1)[-1] if isinstance(arg, str) else None
    return _KIND_OF_ATTRIBUTE.get((arn.resource_type, str(attribute)))


def event_source_kind(ctx: ResourceContext) -> str | None:
    """sqs, kinesis, dynamodb, kafka, mq, docdb... from the mapping's ARN or its other properties."""
    arn = ctx.get("/EventSourceArn")
    kind = _attribute_kind(arn)
    if kind is not None:
        return kind
    text = arn if isinstance(arn, str) else ""  # a GetAtt is never guessed from the resource's name
    for needle, kind in ((":sqs:", "sqs"), (":kinesis:", "kinesis"), (":dynamodb:", "dynamodb"), (":kafka:", "kafka"),
                         (":mq:", "mq"), (":docdb", "docdb")):
        if needle in text:
            return kind
    if ctx.get("/SelfManagedEventSource") is not None:
        return "kafka"
    return None

"""lambda.async-failure-handled: events a function receives asynchronously are not dropped on failure."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from hook.sdk import (
    FUNCTION_TYPES,
    NotApplicable,
    Params,
    Severity,
    StackContext,
    StackRule,
    Violation,
    describe_value,
    is_unresolved,
    json_pointer,
    referenced_ids,
    tags_of,
)

#: SAM event types whose service invokes the function asynchronously.
SAM_ASYNC_EVENTS = ("S3", "SNS", "EventBridgeRule", "CloudWatchEvent", "Schedule", "ScheduleV2",
                    "CloudWatchLogs", "IoTRule")

#: Service principals that invoke Lambda asynchronously (AWS::Lambda::Permission).
_ASYNC_PRINCIPAL = re.compile(
    r"^(s3|sns|events|logs(\.[a-z0-9-]+)?|iot|ses|scheduler|codecommit|config|lambda\.alarms\.cloudwatch)"
    r"\.amazonaws\.com(\.cn)?$"
)


class _Wiring:
    """Which functions are invoked asynchronously, by what, and what could not be known.

    A plain class: a ``@dataclass`` costs the CLI the ``dataclasses`` import at start-up."""

    __slots__ = ("callers", "unknown")

    def __init__(self) -> None:
        self.callers: dict[str, list[str]] = {}
        self.unknown: list[str] = []

    def add(self, fid: str, who: str) -> None:
        self.callers.setdefault(fid, [])
        if who not in self.callers[fid]:
            self.callers[fid].append(who)


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _principal_text(value: Any) -> str | None:
    """A principal as text; ``!Sub logs.${AWS::Region}.${AWS::URLSuffix}`` is read, other intrinsics are not."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and len(value) == 1 and "Fn::Sub" in value:
        text = value["Fn::Sub"]
        if isinstance(text, str):
            text = text.replace("${AWS::URLSuffix}", "amazonaws.com").replace("${AWS::Region}", "region")
            return None if "${" in text else text
    return None


class AsyncFailureHandled(StackRule):
    """A function invoked asynchronously has a dead-letter queue or an on-failure destination.

    "Invoked asynchronously" means, in the template: an S3 bucket notification, an SNS topic or
    subscription with protocol ``lambda``, an EventBridge rule target, an EventBridge Scheduler
    schedule, a CloudWatch Logs subscription filter, an IoT topic rule, an SES receipt rule with
    ``InvocationType: Event``, a CloudWatch alarm action, an EventBridge pipe with
    ``InvocationType: FIRE_AND_FORGET``, a CodeCommit trigger, an ``AWS::Lambda::Permission`` for
    one of those services' principals,
    a SAM event of type S3, SNS (without ``SqsSubscription``), EventBridgeRule, CloudWatchEvent,
    Schedule, ScheduleV2, CloudWatchLogs or IoTRule, or the tag ``async_tag`` (default
    ``invocation: async``) on the function. A target that is an alias or version counts for its
    function (the qualifier is not compared). CloudFormation custom resources are not counted: a
    failed one fails or times out its stack, which is seen.

    Handled means ``DeadLetterConfig.TargetArn`` (SAM ``DeadLetterQueue``), or an
    ``AWS::Lambda::EventInvokeConfig`` for the function with ``DestinationConfig.OnFailure``
    (SAM ``EventInvokeConfig.DestinationConfig.OnFailure``, ``Globals`` included). With
    ``destination_required`` only the on-failure destination counts.

    - PASS when every asynchronously invoked function is handled.
    - FAIL for each one that is not (named with what invokes it).
    - SKIP when no function in the stack is invoked asynchronously, or when whether it is handled
      cannot be known (an intrinsic ``DeadLetterConfig``, an EventInvokeConfig for an unresolved
      function). Sources whose target is not known before deployment are listed, never guessed.
    """

    id = "lambda.async-failure-handled"
    title = "Asynchronous invocations keep failed events"
    default_severity = Severity.MEDIUM
    resource_types = FUNCTION_TYPES
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html"
    params_schema = {
        "type": "object",
        "properties": {
            "async_tag": {
                "type": "object",
                "properties": {"key": {"type": "string"}, "value": {"type": "string"}},
                "required": ["key", "value"],
                "additionalProperties": False,
                "default": {"key": "invocation", "value": "async"},
                "description": "A function tag that declares asynchronous invocation by callers outside the template.",
            },
            "destination_required": {
                "type": "boolean",
                "default": False,
                "description": "Only an on-failure destination counts, not a dead-letter queue.",
            },
            "all_functions": {
                "type": "boolean",
                "default": False,
                "description": "Require it of every function, as Checkov CKV_AWS_116 and Config lambda-dlq-check do.",
            },
        },
        "additionalProperties": False,
    }
    equivalents = {
        "checkov": ("CKV_AWS_116",),
        "aws-config": ("lambda-dlq-check",),
        "guard-registry": ("LAMBDA_DLQ_CHECK",),
        "serverless-rules": ("ES1007",),
        "cdk-nag": ("LambdaDLQ", "LambdaAsyncFailureDestination"),
    }
    rationale = (
        "Lambda retries a failed asynchronous event twice and keeps it at most 6 hours; then, without "
        "a dead-letter queue or an on-failure destination, the event is dropped and nobody knows. "
        "Synchronous and polled callers see errors themselves, so only asynchronous targets need this."
    )

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        functions = [fid for fid, _ in ctx.resources_of_type(*FUNCTION_TYPES)]
        wiring = self._wiring(ctx, functions, params["async_tag"])
        if params["all_functions"]:
            for fid in functions:
                wiring.callers.setdefault(fid, [])
        note = f"; targets not known before deployment: {', '.join(wiring.unknown)}" if wiring.unknown else ""
        if not wiring.callers:
            raise NotApplicable("no function in this stack is invoked asynchronously" + note)
        handled, unsure = self._handled(ctx, functions, bool(params["destination_required"]))
        undecided = sorted(unsure & set(wiring.callers))
        if undecided:
            note += f"; not known before deployment whether failed events are kept for {', '.join(undecided)}"
        judged = 0
        what = "no on-failure destination" if params["destination_required"] else "neither a dead-letter queue nor an on-failure destination"
        for fid, callers in wiring.callers.items():
            if fid in handled:
                judged += 1
                continue
            if fid in unsure:
                continue
            judged += 1
            by = f" by {', '.join(callers)}" if callers else ""
            yield Violation(
                f"function {fid} is invoked asynchronously{by} and has {what}: an event that fails 3 "
                f"attempts (or waits 6 hours) is dropped{note}",
                json_pointer("Resources", fid),
                "Add an AWS::Lambda::EventInvokeConfig for the function with DestinationConfig.OnFailure "
                "(SQS, SNS, EventBridge or Lambda)"
                + ("" if params["destination_required"] else ", or DeadLetterConfig.TargetArn (SQS or SNS)")
                + "; in SAM, EventInvokeConfig.DestinationConfig.OnFailure or DeadLetterQueue.",
                fid,
            )
        if judged == 0:
            raise NotApplicable(note.lstrip("; "))

    # -- who invokes whom ------------------------------------------------------------------------

    def _targets(self, ctx: StackContext, functions: list[str], value: Any) -> set[str] | None:
        """The functions of the stack a target value names; None when it cannot be known."""
        found: set[str] = set()
        refs = referenced_ids(ctx, value) | self._dotted_ref(ctx, value)
        for rid in refs:
            rtype = ctx.resources[rid].get("Type")
            if rtype in FUNCTION_TYPES:
                found.add(rid)
            elif rtype in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                inner = ctx.properties_of(rid).get("FunctionName")
                found |= {f for f in referenced_ids(ctx, inner) if f in functions}
                if not found and isinstance(inner, str):
                    found |= self._by_name(ctx, functions, inner)
        if found or refs:
            return found  # a queue, topic or state machine of the stack is not a function
        if isinstance(value, str):
            return self._by_name(ctx, functions, value)  # a literal outside the stack is not ours
        if value is None:
            return set()
        return None if is_unresolved(value) else set()

    @staticmethod
    def _dotted_ref(ctx: StackContext, value: Any) -> set[str]:
        """SAM's ``!Ref Fn.Alias`` / ``!Ref Fn.Version``."""
        if isinstance(value, Mapping) and isinstance(value.get("Ref"), str) and "." in value["Ref"]:
            head = value["Ref"].split(".", 1)[0]
            return {head} if head in ctx.resources else set()
        return set()

    @staticmethod
    def _by_name(ctx: StackContext, functions: list[str], text: str) -> set[str]:
        match = re.search(r":function:([^:]+)", text)
        name = match.group(1) if match else text
        return {f for f in functions if ctx.properties_of(f).get("FunctionName") == name}

    def _wiring(self, ctx: StackContext, functions: list[str], tag: Mapping[str, str]) -> _Wiring:
        w = _Wiring()

        def link(value: Any, who: str) -> None:
            targets = self._targets(ctx, functions, value)
            if targets is None:
                w.unknown.append(f"{who} ({describe_value(value)})")
                return
            for fid in sorted(targets):
                w.add(fid, who)

        for rid, res in ctx.resources.items():
            rtype = res.get("Type")
            props = ctx.properties_of(rid)
            if rtype == "AWS::S3::Bucket":
                cfg = props.get("NotificationConfiguration")
                lambdas = cfg.get("LambdaConfigurations") if isinstance(cfg, Mapping) else None
                if is_unresolved(cfg) or is_unresolved(lambdas):
                    w.unknown.append(f"S3 bucket {rid} notifications")
                for item in _items(lambdas):
                    if isinstance(item, Mapping):
                        link(item.get("Function"), f"S3 bucket {rid}")
            elif rtype == "AWS::SNS::Subscription":
                self._sns(props, f"SNS subscription {rid}", link, w)
            elif rtype == "AWS::SNS::Topic":
                for item in _items(props.get("Subscription")):
                    if isinstance(item, Mapping):
                        self._sns(item, f"SNS topic {rid}", link, w)
            elif rtype == "AWS::Events::Rule":
                for item in _items(props.get("Targets")):
                    if isinstance(item, Mapping):
                        link(item.get("Arn"), f"EventBridge rule {rid}")
            elif rtype == "AWS::Scheduler::Schedule":
                target = props.get("Target")
                if isinstance(target, Mapping):
                    link(target.get("Arn"), f"schedule {rid}")
            elif rtype == "AWS::Logs::SubscriptionFilter":
                link(props.get("DestinationArn"), f"log subscription filter {rid}")
            elif rtype == "AWS::IoT::TopicRule":
                payload = props.get("TopicRulePayload")
                for item in _items(payload.get("Actions") if isinstance(payload, Mapping) else None):
                    action = item.get("Lambda") if isinstance(item, Mapping) else None
                    if isinstance(action, Mapping):
                        link(action.get("FunctionArn"), f"IoT topic rule {rid}")
            elif rtype == "AWS::SES::ReceiptRule":
                rule = props.get("Rule")
                for item in _items(rule.get("Actions") if isinstance(rule, Mapping) else None):
                    action = item.get("LambdaAction") if isinstance(item, Mapping) else None
                    if isinstance(action, Mapping) and action.get("InvocationType", "Event") == "Event":
                        link(action.get("FunctionArn"), f"SES receipt rule {rid}")
            elif rtype == "AWS::CloudWatch::Alarm":
                for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
                    for item in _items(props.get(key)):
                        link(item, f"alarm {rid}")
            elif rtype == "AWS::Pipes::Pipe":
                params = props.get("TargetParameters")
                lam = params.get("LambdaFunctionParameters") if isinstance(params, Mapping) else None
                mode = lam.get("InvocationType") if isinstance(lam, Mapping) else None
                if is_unresolved(mode):
                    w.unknown.append(f"pipe {rid} (invocation type {describe_value(mode)})")
                elif mode == "FIRE_AND_FORGET":
                    link(props.get("Target"), f"pipe {rid}")
            elif rtype == "AWS::CodeCommit::Repository":
                for item in _items(props.get("Triggers")):
                    if isinstance(item, Mapping):
                        link(item.get("DestinationArn"), f"CodeCommit repository {rid}")
            elif rtype == "AWS::Lambda::Permission":
                principal = _principal_text(props.get("Principal"))
                if principal is None:
                    if props.get("Principal") is not None:
                        w.unknown.append(f"permission {rid} (principal {describe_value(props.get('Principal'))})")
                elif _ASYNC_PRINCIPAL.match(principal):
                    link(props.get("FunctionName"), f"permission {rid} for {principal}")
            elif rtype == "AWS::Serverless::Function":
                events = props.get("Events")
                for name, event in (events.items() if isinstance(events, Mapping) else ()):
                    if not isinstance(event, Mapping) or event.get("Type") not in SAM_ASYNC_EVENTS:
                        continue
                    eprops = event.get("Properties")
                    if event.get("Type") == "SNS" and isinstance(eprops, Mapping) and eprops.get("SqsSubscription"):
                        continue  # delivered through a queue: polled, not asynchronous
                    w.add(rid, f"SAM {event.get('Type')} event {name}")
        for fid in functions:
            tags = tags_of(ctx.function_property(fid, "Tags"))
            value = tags.get(tag["key"])
            if isinstance(value, str) and value.lower() == tag["value"].lower():
                w.add(fid, f"tag {tag['key']}: {value}")
        return w

    @staticmethod
    def _sns(item: Mapping[str, Any], who: str, link: Callable[[Any, str], None], w: _Wiring) -> None:
        protocol = item.get("Protocol")
        if is_unresolved(protocol):
            w.unknown.append(f"{who} (protocol {describe_value(protocol)})")
        elif isinstance(protocol, str) and protocol.lower() == "lambda":
            link(item.get("Endpoint"), who)

    # -- what keeps failed events ----------------------------------------------------------------

    def _handled(self, ctx: StackContext, functions: list[str], destination_required: bool) -> tuple[set[str], set[str]]:
        handled: set[str] = set()
        unsure: set[str] = set()
        for fid in functions:
            sam = ctx.resources[fid].get("Type") == "AWS::Serverless::Function"
            if not destination_required:
                dlq = ctx.function_property(fid, "DeadLetterQueue" if sam else "DeadLetterConfig")
                if is_unresolved(dlq):
                    unsure.add(fid)
                elif isinstance(dlq, Mapping) and dlq.get("TargetArn"):
                    handled.add(fid)
            if sam:
                state = _on_failure(ctx.function_property(fid, "EventInvokeConfig"), sam=True)
                if state is None:
                    unsure.add(fid)
                elif state:
                    handled.add(fid)
        for eid, _ in ctx.resources_of_type("AWS::Lambda::EventInvokeConfig"):
            props = ctx.properties_of(eid)
            targets = self._targets(ctx, functions, props.get("FunctionName"))
            state = _on_failure(props, sam=False)
            if targets is None:
                if state is not False:
                    unsure |= set(functions)  # it may be any of them
                continue
            for fid in targets:
                if state is None:
                    unsure.add(fid)
                elif state:
                    handled.add(fid)
        return handled, unsure - handled


def _on_failure(config: Any, *, sam: bool) -> bool | None:
    """Whether an EventInvokeConfig sets an on-failure destination; None when not known."""
    if config is None:
        return False
    if is_unresolved(config):
        return None
    if not isinstance(config, Mapping):
        return False
    dest = config.get("DestinationConfig")
    if is_unresolved(dest):
        return None
    on_failure = dest.get("OnFailure") if isinstance(dest, Mapping) else None
    if is_unresolved(on_failure):
        return None
    if not isinstance(on_failure, Mapping):
        return False
    # SAM creates the queue or topic itself when OnFailure has a Type and no Destination.
    return bool(on_failure.get("Destination") or (sam and on_failure.get("Type")))

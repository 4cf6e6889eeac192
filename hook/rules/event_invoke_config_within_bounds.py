"""lambda.event-invoke-config-within-bounds: asynchronous retries and event age stay within policy."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from hook.sdk import NotApplicable, Params, ResourceContext, Rule, Severity, Violation, is_unresolved

#: Lambda's own limits and defaults (AWS::Lambda::EventInvokeConfig).
RETRY_LIMITS, RETRY_DEFAULT = (0, 2), 2
AGE_LIMITS, AGE_DEFAULT = (60, 21600), 21600


class EventInvokeConfigWithinBounds(Rule):
    """An ``AWS::Lambda::EventInvokeConfig`` keeps retries and event age within the policy's bounds.

    Absent values are Lambda's defaults: 2 retries, 21600 s (6 hours) maximum event age.

    - PASS when ``MaximumRetryAttempts`` is at most ``max_retry_attempts``,
      ``MaximumEventAgeInSeconds`` is within ``[min_event_age, max_event_age]`` and, with
      ``require_on_failure``, ``DestinationConfig.OnFailure.Destination`` is set.
    - FAIL for each value outside its bounds (or outside Lambda's 0-2 and 60-21600), and for a
      missing on-failure destination when one is required.
    - SKIP when a value that decides it is not known before deployment (an intrinsic) and nothing
      else fails.
    """

    id = "lambda.event-invoke-config-within-bounds"
    title = "Asynchronous retries and event age stay within bounds"
    default_severity = Severity.MEDIUM
    resource_types = ("AWS::Lambda::EventInvokeConfig",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html"
    params_schema = {
        "type": "object",
        "properties": {
            "max_retry_attempts": {"type": "integer", "minimum": 0, "maximum": 2, "default": 2},
            "min_event_age": {"type": "integer", "minimum": 60, "maximum": 21600, "default": 60},
            "max_event_age": {"type": "integer", "minimum": 60, "maximum": 21600, "default": 21600},
            "require_on_failure": {
                "type": "boolean",
                "default": False,
                "description": "Also require DestinationConfig.OnFailure.Destination.",
            },
        },
        "additionalProperties": False,
    }
    equivalents = {
        "cfn-lint": ("E3034 (0-2 and 60-21600 only)",),
        "serverless-rules": ("ES1007",),
        "cdk-nag": ("LambdaAsyncFailureDestination",),
    }
    rationale = (
        "Each retry of a non-idempotent function repeats its side effects, and an event kept 6 hours "
        "may be processed long after it stopped mattering; an on-failure destination keeps what is "
        "finally given up."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        unknown: list[str] = []

        def read(pointer: str, default: int) -> int | None:
            try:
                return ctx.get_int(pointer, default)
            except NotApplicable as exc:
                unknown.append(exc.reason)
                return None

        found: list[Violation] = []
        retries = read("/MaximumRetryAttempts", RETRY_DEFAULT)
        if retries is not None:
            shown = "" if ctx.has("/MaximumRetryAttempts") else " (the default)"
            found += _bounded(retries, shown, "/MaximumRetryAttempts", "MaximumRetryAttempts", "",
                              RETRY_LIMITS, (0, params["max_retry_attempts"]),
                              lambda hi: f"Set MaximumRetryAttempts to {hi} or less; make the function idempotent before allowing retries.")
        age = read("/MaximumEventAgeInSeconds", AGE_DEFAULT)
        if age is not None:
            shown = "" if ctx.has("/MaximumEventAgeInSeconds") else " (the default)"
            low, high = params["min_event_age"], params["max_event_age"]
            found += _bounded(age, shown, "/MaximumEventAgeInSeconds", "MaximumEventAgeInSeconds", " s",
                              AGE_LIMITS, (low, high),
                              lambda _hi: f"Set MaximumEventAgeInSeconds between {low} and {high}.")
        if params["require_on_failure"]:
            destination = ctx.get("/DestinationConfig/OnFailure/Destination")
            if is_unresolved(ctx.get("/DestinationConfig")) or is_unresolved(ctx.get("/DestinationConfig/OnFailure")):
                unknown.append("DestinationConfig is not known before deployment")
            elif not destination:
                found.append(Violation(
                    "the EventInvokeConfig has no DestinationConfig.OnFailure.Destination: events given up after "
                    "the retries are dropped; the policy requires an on-failure destination",
                    "/DestinationConfig/OnFailure",
                    "Set DestinationConfig: {OnFailure: {Destination: <SQS, SNS, EventBridge bus or function ARN>}}."))
        if found:
            yield from found
        elif unknown:
            raise NotApplicable("; ".join(unknown))


def _bounded(value: int, shown: str, pointer: str, label: str, unit: str, limits: tuple[int, int],
             bounds: tuple[int, int], fix: Callable[[int], str]) -> list[Violation]:
    lo_p, hi_p = limits
    low, high = bounds
    if not lo_p <= value <= hi_p:
        return [Violation(f"{label} is {value}{unit}; Lambda accepts {lo_p} to {hi_p}{unit}", pointer, fix(high))]
    if value < low:
        return [Violation(f"{label} is {value}{unit}{shown}; the minimum is {low}{unit}", pointer, fix(high))]
    if value > high:
        return [Violation(f"{label} is {value}{unit}{shown}; the maximum is {high}{unit}", pointer, fix(high))]
    return []

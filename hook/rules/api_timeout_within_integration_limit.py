"""lambda.api-timeout-within-integration-limit: functions behind API Gateway answer in time."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hook.sdk import (
    FUNCTION_TYPES,
    InvalidValue,
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

_UNKNOWN = -1  # an integration TimeoutInMillis that is set but not known before deployment


def _millis(value: Any, path: str) -> int | None:
    """An integration's ``TimeoutInMillis``: None when absent, ``_UNKNOWN`` when unresolved."""
    if is_unresolved(value):
        return _UNKNOWN
    millis = as_int(value, path)
    if millis is not None and millis < 1:
        raise InvalidValue(f"{path} must be a positive number of milliseconds, got {value!r}", path)
    return millis


def _seconds(millis: int) -> str:
    return f"{millis / 1000:g} s"


class ApiTimeoutWithinIntegrationLimit(StackRule):
    """A function behind API Gateway (REST or HTTP API, SAM ``Api``/``HttpApi`` events) has a timeout at
    or under the integration's timeout.

    The integration's timeout is its own ``TimeoutInMillis`` when set (``AWS::ApiGateway::Method``
    ``Integration.TimeoutInMillis``, ``AWS::ApiGatewayV2::Integration``, a SAM event's
    ``TimeoutInMillis``), capped by ``max_seconds``; else ``max_seconds`` (29 s, REST's default;
    HTTP APIs allow 30 s, and Regional or private REST APIs more with a quota increase: raise
    ``max_seconds`` for those). With several integrations, the shortest one counts.

    - PASS when every such function's Timeout (3 s when absent) is within that limit.
    - FAIL for each function whose timeout is longer: API Gateway answers 504 while it still runs;
      the message says which limit it used.
    - SKIP when the only such functions have unresolved timeouts, or an unresolved
      ``TimeoutInMillis`` that the function's timeout does not already exceed.
    """

    id = "lambda.api-timeout-within-integration-limit"
    title = "API-backed functions fit the integration timeout"
    default_severity = Severity.MEDIUM
    resource_types = (*FUNCTION_TYPES, "AWS::ApiGateway::Method", "AWS::ApiGatewayV2::Integration")
    remediation_url = "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"
    params_schema = {
        "type": "object",
        "properties": {"max_seconds": {"type": "integer", "minimum": 1, "maximum": 900, "default": 29}},
        "additionalProperties": False,
    }
    equivalents = {"cfn-lint": ("(none: integration timeout not related to function timeout)",)}
    rationale = "API Gateway integrations time out at 29 s by default; the client gets a 504 while the function keeps running and billing."

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        # function -> [(how it is reached, the integration's TimeoutInMillis or None)]
        behind: dict[str, list[tuple[str, int | None]]] = {}
        for fid, res in ctx.resources_of_type(*FUNCTION_TYPES):
            if res.get("Type") == "AWS::Serverless::Function":
                for name, props in sam_events(ctx, fid, "Api", "HttpApi"):
                    millis = _millis(props.get("TimeoutInMillis"),
                                     json_pointer("Resources", fid, "Properties", "Events", name, "Properties", "TimeoutInMillis"))
                    behind.setdefault(fid, []).append((f"its {name} event", millis))
        for mid, _ in ctx.resources_of_type("AWS::ApiGateway::Method"):
            integration = ctx.properties_of(mid).get("Integration")
            if not isinstance(integration, Mapping):
                continue
            for fid in referenced_ids(ctx, integration.get("Uri")):
                if ctx.resources[fid].get("Type") in FUNCTION_TYPES:
                    millis = _millis(integration.get("TimeoutInMillis"),
                                     json_pointer("Resources", mid, "Properties", "Integration", "TimeoutInMillis"))
                    behind.setdefault(fid, []).append((f"REST method {mid}", millis))
        for iid, _ in ctx.resources_of_type("AWS::ApiGatewayV2::Integration"):
            props = ctx.properties_of(iid)
            for fid in referenced_ids(ctx, props.get("IntegrationUri")):
                if ctx.resources[fid].get("Type") in FUNCTION_TYPES:
                    millis = _millis(props.get("TimeoutInMillis"),
                                     json_pointer("Resources", iid, "Properties", "TimeoutInMillis"))
                    behind.setdefault(fid, []).append((f"HTTP API integration {iid}", millis))
        if not behind:
            return
        cap = params["max_seconds"] * 1000
        judged = 0
        for fid, routes in behind.items():
            timeout = function_timeout(ctx, fid)
            if timeout is None:
                continue
            # The shortest integration timeout counts; max_seconds caps it and stands in when none is set.
            known = sorted((millis, route) for route, millis in routes if millis is not None and millis != _UNKNOWN)
            if known and known[0][0] <= cap:
                limit, via = known[0]
                why = f"the TimeoutInMillis {limit} of {via}"
            elif known:
                limit, via = cap, known[0][1]
                why = f"max_seconds, which caps the TimeoutInMillis {known[0][0]} of {via}"
            else:
                limit, via = cap, routes[0][0]
                why = "max_seconds; no TimeoutInMillis is set"
            if timeout * 1000 <= limit and any(millis == _UNKNOWN for _, millis in routes):
                continue  # an integration timeout from a parameter may be shorter: not guessed
            judged += 1
            if timeout * 1000 > limit:
                fix = "raise the integration's TimeoutInMillis, " if why.startswith("the TimeoutInMillis") else ""
                yield Violation(
                    f"function {fid} is behind API Gateway ({via}) with Timeout {timeout} s; the integration gives up "
                    f"after {_seconds(limit)} ({why})",
                    json_pointer("Resources", fid, "Properties", "Timeout"),
                    f"Set Timeout to {max(1, limit // 1000)} s or less, {fix}or make the work asynchronous.", fid)
        if judged == 0:
            raise NotApplicable("the timeouts of the functions behind API Gateway, or of their integrations, "
                                "are not known before deployment")

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
    """A function behind API Gateway (REST, HTTP or WebSocket API) has a timeout at or under the
    integration's timeout.

    Integrations are found wherever a template wires them: ``AWS::ApiGateway::Method``,
    ``AWS::ApiGatewayV2::Integration``, SAM ``Api``/``HttpApi`` events, HTTP API quick create
    (``AWS::ApiGatewayV2::Api`` ``Target``), and ``x-amazon-apigateway-integration`` entries of
    type ``aws_proxy``/``aws`` in an inline OpenAPI definition (``Body``, SAM ``DefinitionBody``).
    The integration's timeout is its own ``TimeoutInMillis`` (``timeoutInMillis`` in OpenAPI) when
    set, capped by its kind's maximum; else that maximum: ``max_seconds`` (29 s) for REST and
    WebSocket APIs (Regional or private REST APIs allow more with a quota increase: raise
    ``max_seconds`` for those), ``http_api_max_seconds`` (30 s) for HTTP APIs. With several
    integrations, the shortest one counts.

    - PASS when every such function's Timeout (3 s when absent) is within that limit.
    - FAIL for each function whose timeout is longer: API Gateway answers 504 while it still runs;
      the message says which limit it used.
    - SKIP when the only such functions have unresolved timeouts, or an unresolved
      ``TimeoutInMillis`` that the function's timeout does not already exceed.
    """

    id = "lambda.api-timeout-within-integration-limit"
    title = "API-backed functions fit the integration timeout"
    default_severity = Severity.MEDIUM
    resource_types = (*FUNCTION_TYPES, "AWS::ApiGateway::Method", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Api",
                      "AWS::ApiGateway::RestApi", "AWS::Serverless::Api", "AWS::Serverless::HttpApi")
    remediation_url = "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"
    params_schema = {
        "type": "object",
        "properties": {
            "max_seconds": {"type": "integer", "minimum": 1, "maximum": 900, "default": 29,
                            "description": "REST and WebSocket APIs: 29 s by default (more with a quota increase)."},
            "http_api_max_seconds": {"type": "integer", "minimum": 1, "maximum": 30, "default": 30,
                                     "description": "HTTP APIs: integrations time out at 30 s at most."},
        },
        "additionalProperties": False,
    }
    equivalents = {"cfn-lint": ("(none: integration timeout not related to function timeout)",)}
    rationale = "API Gateway integrations time out at 29 s by default; the client gets a 504 while the function keeps running and billing."

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        # function -> [(how it is reached, the integration's TimeoutInMillis or None, the cap in ms)]
        behind: dict[str, list[tuple[str, int | None, int]]] = {}
        rest_cap = params["max_seconds"] * 1000
        http_cap = params["http_api_max_seconds"] * 1000

        def add(fid: str, route: str, millis: int | None, cap: int) -> None:
            if ctx.resources.get(fid, {}).get("Type") in FUNCTION_TYPES:
                behind.setdefault(fid, []).append((route, millis, cap))

        for fid, res in ctx.resources_of_type(*FUNCTION_TYPES):
            if res.get("Type") == "AWS::Serverless::Function":
                for name, props, etype in _sam_api_events(ctx, fid):
                    millis = _millis(props.get("TimeoutInMillis"),
                                     json_pointer("Resources", fid, "Properties", "Events", name, "Properties", "TimeoutInMillis"))
                    add(fid, f"its {name} event", millis,
                        http_cap if etype == "HttpApi" else rest_cap)
        for mid, _ in ctx.resources_of_type("AWS::ApiGateway::Method"):
            integration = ctx.properties_of(mid).get("Integration")
            if not isinstance(integration, Mapping):
                continue
            for fid in referenced_ids(ctx, integration.get("Uri")):
                millis = _millis(integration.get("TimeoutInMillis"),
                                 json_pointer("Resources", mid, "Properties", "Integration", "TimeoutInMillis"))
                add(fid, f"REST method {mid}", millis, rest_cap)
        for iid, _ in ctx.resources_of_type("AWS::ApiGatewayV2::Integration"):
            props = ctx.properties_of(iid)
            websocket = _protocol(ctx, props.get("ApiId")) == "WEBSOCKET"
            for fid in referenced_ids(ctx, props.get("IntegrationUri")):
                millis = _millis(props.get("TimeoutInMillis"), json_pointer("Resources", iid, "Properties", "TimeoutInMillis"))
                if websocket:
                    add(fid, f"WebSocket API integration {iid}", millis, rest_cap)
                else:
                    add(fid, f"HTTP API integration {iid}", millis, http_cap)
        for aid, _ in ctx.resources_of_type("AWS::ApiGatewayV2::Api"):
            props = ctx.properties_of(aid)
            # Quick create: Target makes the route and integration (HTTP APIs only, 30 s, not configurable).
            for fid in referenced_ids(ctx, props.get("Target")):
                add(fid, f"HTTP API {aid} (quick create Target)", None, http_cap)
        # OpenAPI definitions: x-amazon-apigateway-integration of type aws_proxy (or aws) on a function.
        for aid, res in ctx.resources_of_type(*_OPENAPI_BODIES):
            rtype = str(res.get("Type"))
            body_key, http = _OPENAPI_BODIES[rtype]
            body = ctx.properties_of(aid).get(body_key)
            for where, integration in _openapi_integrations(body):
                for fid in referenced_ids(ctx, integration.get("uri")):
                    millis = _millis(integration.get("timeoutInMillis"),
                                     json_pointer("Resources", aid, "Properties", body_key, *where, "timeoutInMillis"))
                    kind = "HTTP API" if http else "REST API"
                    add(fid, f"{kind} {aid}, {where[2].upper()} {where[1]} in its OpenAPI definition", millis,
                        http_cap if http else rest_cap)
        if not behind:
            return
        judged = 0
        for fid, routes in behind.items():
            timeout = function_timeout(ctx, fid)
            if timeout is None:
                continue
            # Each route's limit: its own TimeoutInMillis capped by its API kind's maximum (29 s REST and
            # WebSocket, 30 s HTTP API), else that maximum. The shortest route counts.
            limits = []
            for route, millis, cap in routes:
                cap_name = "max_seconds" if cap == rest_cap else "http_api_max_seconds"
                if millis is not None and millis != _UNKNOWN and millis <= cap:
                    limits.append((millis, route, f"the TimeoutInMillis {millis} of {route}"))
                elif millis is not None and millis != _UNKNOWN:
                    limits.append((cap, route, f"{cap_name}, which caps the TimeoutInMillis {millis} of {route}"))
                else:  # not set, or set from a value known only at deployment: the kind's maximum bounds it
                    limits.append((cap, route, f"{cap_name}; no TimeoutInMillis is set"))
            limit, via, why = min(limits)
            if timeout * 1000 <= limit and any(millis == _UNKNOWN for _, millis, _ in routes):
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


#: Resource type -> (the property holding an inline OpenAPI definition, is it an HTTP API).
_OPENAPI_BODIES = {
    "AWS::ApiGateway::RestApi": ("Body", False),
    "AWS::Serverless::Api": ("DefinitionBody", False),
    "AWS::ApiGatewayV2::Api": ("Body", True),
    "AWS::Serverless::HttpApi": ("DefinitionBody", True),
}
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "x-amazon-apigateway-any-method")


def _openapi_integrations(body: Any) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any]]]:
    """``(JSON pointer parts below the body, integration)`` for each Lambda integration in an OpenAPI body."""
    paths = body.get("paths") if isinstance(body, Mapping) else None
    if not isinstance(paths, Mapping):
        return
    for path, item in paths.items():
        if not isinstance(item, Mapping):
            continue
        for method, op in item.items():
            if str(method).lower() not in _METHODS or not isinstance(op, Mapping):
                continue
            integration = op.get("x-amazon-apigateway-integration")
            if isinstance(integration, Mapping) and str(integration.get("type", "")).lower() in ("aws_proxy", "aws"):
                yield ("paths", str(path), str(method), "x-amazon-apigateway-integration"), integration


def _protocol(ctx: StackContext, api: Any) -> str | None:
    """The ProtocolType (HTTP or WEBSOCKET) of the AWS::ApiGatewayV2::Api an ApiId points at."""
    for aid in referenced_ids(ctx, api):
        if ctx.resources.get(aid, {}).get("Type") == "AWS::ApiGatewayV2::Api":
            value = ctx.properties_of(aid).get("ProtocolType")
            return str(value).upper() if isinstance(value, str) else None
    return None


def _sam_api_events(ctx: StackContext, fid: str) -> Iterator[tuple[str, Mapping[str, Any], str]]:
    events = ctx.properties_of(fid).get("Events")
    if isinstance(events, Mapping):
        for name, event in events.items():
            if isinstance(event, Mapping) and event.get("Type") in ("Api", "HttpApi"):
                props = event.get("Properties")
                yield name, props if isinstance(props, Mapping) else {}, str(event["Type"])

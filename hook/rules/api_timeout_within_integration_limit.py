"""lambda.api-timeout-within-integration-limit: functions behind API Gateway answer in time."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from hook.rules._wiring import FUNCTION_TYPES, function_timeout, referenced_ids, sam_events
from hook.sdk import NotApplicable, Params, Severity, StackContext, StackRule, Violation, json_pointer


class ApiTimeoutWithinIntegrationLimit(StackRule):
    """A function behind API Gateway (REST or HTTP API, SAM ``Api``/``HttpApi`` events) has a timeout at
    or under the integration limit (29 s by default).

    - PASS when every such function's Timeout (3 s when absent) is within ``max_seconds``.
    - FAIL for each function whose timeout is longer: API Gateway answers 504 while it still runs.
    - SKIP when the only such functions have unresolved timeouts.
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
        behind: dict[str, str] = {}
        for fid, res in ctx.resources_of_type(*FUNCTION_TYPES):
            if res.get("Type") == "AWS::Serverless::Function":
                for name, _ in sam_events(ctx, fid, "Api", "HttpApi"):
                    behind.setdefault(fid, f"its {name} event")
        for mid, _ in ctx.resources_of_type("AWS::ApiGateway::Method"):
            integration = ctx.properties_of(mid).get("Integration")
            uri = integration.get("Uri") if isinstance(integration, Mapping) else None
            for fid in referenced_ids(ctx, uri):
                if ctx.resources[fid].get("Type") in FUNCTION_TYPES:
                    behind.setdefault(fid, f"REST method {mid}")
        for iid, _ in ctx.resources_of_type("AWS::ApiGatewayV2::Integration"):
            for fid in referenced_ids(ctx, ctx.properties_of(iid).get("IntegrationUri")):
                if ctx.resources[fid].get("Type") in FUNCTION_TYPES:
                    behind.setdefault(fid, f"HTTP API integration {iid}")
        if not behind:
            return
        judged = 0
        for fid, via in behind.items():
            timeout = function_timeout(ctx, fid)
            if timeout is None:
                continue
            judged += 1
            if timeout > params["max_seconds"]:
                yield Violation(
                    f"function {fid} is behind API Gateway ({via}) with Timeout {timeout} s; the integration gives up "
                    f"after {params['max_seconds']} s",
                    json_pointer("Resources", fid, "Properties", "Timeout"),
                    f"Set Timeout to {params['max_seconds']} s or less, or make the work asynchronous.", fid)
        if judged == 0:
            raise NotApplicable("the timeouts of the functions behind API Gateway are not known before deployment")

"""acme.function-name-convention: function names say team, service and stage."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hook.sdk import Params, ResourceContext, Rule, Severity, Violation


class FunctionNameConvention(Rule):
    """``FunctionName`` follows ACME's convention ``<team>-<service>-<stage>``.

    - PASS when FunctionName matches ``pattern`` (and its stage is one of ``stages``).
    - FAIL when it does not, or when FunctionName is absent and ``require_name`` is true
      (CloudFormation would generate an unreadable name).
    - SKIP when FunctionName is not known before deployment (``!Sub ${AWS::StackName}-...``).
    """

    id = "acme.function-name-convention"
    title = "Function names follow the ACME convention"
    default_severity = Severity.LOW
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://wiki.acme.example/platform/naming"
    params_schema = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "default": r"^(?P<team>[a-z]+)-(?P<service>[a-z0-9-]+)-(?P<stage>[a-z]+)$"},
            "stages": {"type": "array", "items": {"type": "string"}, "default": ["dev", "staging", "prod"]},
            "require_name": {"type": "boolean", "default": True},
        },
        "additionalProperties": False,
    }

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        name = ctx.get_str("/FunctionName")
        if name is None:
            if params["require_name"]:
                yield Violation(
                    "FunctionName is not set: CloudFormation will generate a name nobody can read",
                    path="/FunctionName",
                    remediation="Set FunctionName to <team>-<service>-<stage>, e.g. payments-refunds-prod.",
                )
            return
        match = re.match(params["pattern"], name)
        if match is None:
            yield Violation(
                f"FunctionName '{name}' does not follow <team>-<service>-<stage> ({params['pattern']})",
                path="/FunctionName",
                remediation="Rename it, e.g. payments-refunds-prod.",
            )
            return
        stage = match.groupdict().get("stage")
        if stage is not None and stage not in params["stages"]:
            yield Violation(
                f"FunctionName '{name}' has stage '{stage}'; stages are {', '.join(params['stages'])}",
                path="/FunctionName",
                remediation=f"End the name with one of: {', '.join(params['stages'])}.",
            )



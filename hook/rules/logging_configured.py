"""lambda.logging-configured: structured logs at a sensible level."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import Params, ResourceContext, Rule, Severity, Violation

_APP_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
_SYSTEM_LEVELS = ["DEBUG", "INFO", "WARN"]


class LoggingConfigured(Rule):
    """Functions log in JSON, at levels no more verbose than the policy allows.

    - PASS when ``LoggingConfig.LogFormat`` is ``JSON`` (when ``require_json``) and the
      application and system log levels are no more verbose than ``most_verbose_application_level``
      and ``most_verbose_system_level``.
    - FAIL when the format is Text (or absent: Lambda's default is Text) while JSON is required,
      or a level is more verbose than allowed (``DEBUG`` in production floods CloudWatch Logs).
    - SKIP when a value is not known before deployment.
    """

    id = "lambda.logging-configured"
    title = "Logs are structured and levels bounded"
    default_severity = Severity.LOW
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html"
    params_schema = {
        "type": "object",
        "properties": {
            "require_json": {"type": "boolean", "default": True},
            "most_verbose_application_level": {"enum": _APP_LEVELS, "default": "INFO"},
            "most_verbose_system_level": {"enum": _SYSTEM_LEVELS, "default": "INFO"},
        },
        "additionalProperties": False,
    }
    equivalents = {
        "cfn-lint": ("E3696 (level vs Text format)",),
        "serverless-rules": ("WS1004",),
        "cdk-nag": ("LambdaLogging", "LambdaLogLevel"),
    }
    rationale = (
        "JSON logs can be queried and filtered by level in CloudWatch Logs Insights; DEBUG or TRACE "
        "in production multiplies log ingestion cost (billed per GB)."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        fmt = ctx.get_str("/LoggingConfig/LogFormat", "Text")
        if params["require_json"] and fmt != "JSON":
            yield Violation(
                f"LoggingConfig.LogFormat is {fmt}{' (the default)' if not ctx.has('/LoggingConfig/LogFormat') else ''}; "
                "JSON is required",
                path="/LoggingConfig/LogFormat",
                remediation="Set LoggingConfig: {LogFormat: JSON, ApplicationLogLevel: INFO, SystemLogLevel: INFO}.",
            )
        if fmt != "JSON":
            return  # levels apply to the JSON format only
        for key, levels, limit in (
            ("ApplicationLogLevel", _APP_LEVELS, params["most_verbose_application_level"]),
            ("SystemLogLevel", _SYSTEM_LEVELS, params["most_verbose_system_level"]),
        ):
            level = ctx.get_str(f"/LoggingConfig/{key}")
            if level is None or level not in levels:
                continue
            if levels.index(level) < levels.index(limit):
                yield Violation(
                    f"LoggingConfig.{key} is {level}; the most verbose level allowed is {limit}",
                    path=f"/LoggingConfig/{key}",
                    remediation=f"Set {key} to {limit} or less verbose; raise it temporarily while debugging.",
                )

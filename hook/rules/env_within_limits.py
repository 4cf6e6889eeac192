"""lambda.env-within-limits: environment variables use no reserved key and fit Lambda's 4 KB."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from hook.sdk import (
    NotApplicable,
    Params,
    ResourceContext,
    Rule,
    Severity,
    Violation,
    is_unresolved,
    json_pointer,
)

#: Keys the Lambda runtime sets itself; a function configuration may not set them.
RESERVED_KEYS = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
#: Lambda's limit on all environment variables together (keys and values).
LIMIT_BYTES = 4096


class EnvWithinLimits(Rule):
    """``Environment.Variables`` sets no reserved key and stays within ``max_bytes`` (at most 4 KB).

    The size is the UTF-8 length of every key and value, as Lambda counts it. Values are never
    printed: messages give names and byte counts only.

    - PASS when no key is reserved and the known size is within ``max_bytes``.
    - FAIL for each reserved key, and when the size of the known keys and values alone is over
      ``max_bytes``.
    - SKIP when Variables is unresolved, or the size is not known (an unresolved value or a
      dynamic reference) and nothing else fails.
    """

    id = "lambda.env-within-limits"
    title = "Environment variables fit Lambda's limits"
    default_severity = Severity.MEDIUM
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html"
    params_schema = {
        "type": "object",
        "properties": {"max_bytes": {"type": "integer", "minimum": 1, "maximum": LIMIT_BYTES, "default": LIMIT_BYTES}},
        "additionalProperties": False,
    }
    equivalents = {"cfn-lint": ("E3663", "E3697")}
    rationale = (
        "Lambda rejects a reserved key or more than 4 KB of variables, so the deployment fails halfway; "
        "caught before deploying, and at the hook for teams without cfn-lint. Large configuration belongs "
        "in SSM Parameter Store or AppConfig."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        variables = ctx.get("/Environment/Variables")
        if variables is None:
            return
        if is_unresolved(variables) or is_unresolved(ctx.get("/Environment")):
            raise NotApplicable("Environment.Variables is not known before deployment")
        if not isinstance(variables, Mapping):
            raise NotApplicable("Environment.Variables is not a mapping")
        found: list[Violation] = []
        size, unknown = 0, []
        for key, value in variables.items():
            name = str(key)
            if name in RESERVED_KEYS:
                found.append(Violation(
                    f"environment variable {name} is reserved: the Lambda runtime sets it and AWS rejects it",
                    json_pointer("Environment", "Variables", name),
                    f"Rename {name} (for example APP_{name.lstrip('_')}) and read that name in the code."))
            size += len(name.encode())
            if isinstance(value, bool):
                size += len(str(value).lower())
            elif isinstance(value, str | int | float) and not str(value).startswith("{{resolve:"):
                size += len(str(value).encode())
            else:
                unknown.append(name)
        limit = params["max_bytes"]
        if size > limit:
            more = f" plus {len(unknown)} not known before deployment" if unknown else ""
            found.append(Violation(
                f"environment variables take {size} bytes{more} ({len(variables)} variable{'s' if len(variables) != 1 else ''}); "
                f"the limit is {limit} bytes",
                "/Environment/Variables",
                "Move large or numerous settings to SSM Parameter Store or AppConfig and read them at init."))
        if found:
            yield from found
        elif unknown:
            raise NotApplicable(
                f"the size of {', '.join(sorted(unknown))} is not known before deployment; the known part is {size} bytes")

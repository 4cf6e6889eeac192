"""lambda.runtime-allowed: the runtime is on the organisation's allow-list."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import NotApplicable, Params, ResourceContext, Rule, Severity, Violation


class RuntimeAllowed(Rule):
    """Functions use a runtime from the organisation's allow-list.

    - PASS when ``Runtime`` is exactly one of ``allowed`` (an SSM StringList is split on commas
      and stripped; ``python3.1`` does not match ``python3.11``).
    - FAIL when ``Runtime`` is set to anything else.
    - SKIP for container-image functions (``PackageType: Image`` has no runtime), and when
      ``Runtime`` is not known before deployment (an unresolved intrinsic).
    """

    id = "lambda.runtime-allowed"
    title = "Runtime is on the allow-list"
    default_severity = Severity.HIGH
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
    params_schema = {
        "type": "object",
        "properties": {
            "allowed": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "minItems": 1,
                "description": "Runtime identifiers that may be used, e.g. python3.13, nodejs22.x.",
                "default": ["python3.13", "python3.12", "nodejs22.x", "nodejs20.x", "java21"],
            }
        },
        "required": ["allowed"],
        "additionalProperties": False,
    }
    equivalents = {"aws-config": ("lambda-function-settings-check",), "security-hub": ("Lambda.2",)}
    rationale = (
        "Platform teams support, patch and monitor a short list of runtimes; anything else is a "
        "runtime nobody owns."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        package_type = ctx.get_str("/PackageType", "Zip")
        if package_type == "Image":
            raise NotApplicable("container-image function: it has no Runtime")
        runtime = ctx.get_str("/Runtime")
        if runtime is None:
            raise NotApplicable("Runtime is not set (CloudFormation requires it for a ZIP function)")
        allowed = [str(a).strip() for a in params["allowed"]]
        if runtime.strip() in allowed:
            return
        yield Violation(
            message=f"runtime '{runtime}' is not allowed; allowed runtimes: {', '.join(allowed)}",
            path="/Runtime",
            remediation=f"Set Runtime to one of: {', '.join(allowed)}.",
        )

"""lambda.provisioned-concurrency-within-bounds: provisioned concurrency stays within bounds."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import NotApplicable, Params, ResourceContext, Rule, Severity, Violation


class ProvisionedConcurrencyWithinBounds(Rule):
    """Provisioned concurrency on an alias or version stays within ``[min, max]``.

    - PASS when ``ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions`` is within bounds.
    - FAIL when it is below ``min`` or above ``max``.
    - SKIP when no provisioned concurrency is configured, or the value is unresolved.
    """

    id = "lambda.provisioned-concurrency-within-bounds"
    title = "Provisioned concurrency is within bounds"
    default_severity = Severity.MEDIUM
    resource_types = ("AWS::Lambda::Alias", "AWS::Lambda::Version")
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html"
    params_schema = {
        "type": "object",
        "properties": {
            "min": {"type": "integer", "minimum": 1, "default": 1},
            "max": {"type": "integer", "minimum": 1, "default": 100},
        },
        "additionalProperties": False,
    }
    rationale = (
        "Provisioned concurrency is billed every second it exists, whether used or not, and it is "
        "taken from the account's concurrency pool."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        path = "/ProvisionedConcurrencyConfig/ProvisionedConcurrentExecutions"
        value = ctx.get_int(path)
        if value is None:
            raise NotApplicable("no provisioned concurrency configured")
        if value < params["min"]:
            yield Violation(
                f"ProvisionedConcurrentExecutions is {value}; the minimum is {params['min']}",
                path=path,
                remediation=f"Set it to at least {params['min']} or remove ProvisionedConcurrencyConfig.",
            )
        elif value > params["max"]:
            yield Violation(
                f"ProvisionedConcurrentExecutions is {value}; the maximum is {params['max']}",
                path=path,
                remediation=f"Lower it to {params['max']} or less, or ask for an exemption with the load figures.",
            )

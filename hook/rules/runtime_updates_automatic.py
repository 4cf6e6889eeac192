"""lambda.runtime-updates-automatic: functions keep receiving runtime security patches."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import NotApplicable, Params, ResourceContext, Rule, Severity, Violation

MODES = ("Auto", "FunctionUpdate", "Manual")


class RuntimeUpdatesAutomatic(Rule):
    """``RuntimeManagementConfig.UpdateRuntimeOn`` is one of ``allowed_modes`` (default: not ``Manual``).

    - PASS when RuntimeManagementConfig is absent (Lambda's default is ``Auto``) or its mode is allowed.
    - FAIL when the mode is not allowed: ``Manual`` pins one runtime version, which then gets no
      security patches until someone moves the pin.
    - SKIP for container-image functions (no managed runtime) and when the mode is not known
      before deployment.
    """

    id = "lambda.runtime-updates-automatic"
    title = "Runtime versions are not pinned"
    default_severity = Severity.MEDIUM
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
    params_schema = {
        "type": "object",
        "properties": {
            "allowed_modes": {
                "type": "array",
                "items": {"enum": list(MODES)},
                "minItems": 1,
                "default": ["Auto", "FunctionUpdate"],
                "description": "UpdateRuntimeOn modes that may be used.",
            },
        },
        "additionalProperties": False,
    }
    equivalents = {"cfn-lint": ("E3030 (enum only)",)}
    rationale = (
        "Lambda patches managed runtimes in place; a function pinned with UpdateRuntimeOn: Manual "
        "keeps the pinned version, and its vulnerabilities, until someone moves the pin. Pin only "
        "briefly, to roll back a runtime update that broke the function, with an exemption that expires."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        if ctx.get_str("/PackageType", "Zip") == "Image":
            raise NotApplicable("container-image function: the image carries its own runtime")
        mode = ctx.get_str("/RuntimeManagementConfig/UpdateRuntimeOn", "Auto") or "Auto"
        allowed = list(params["allowed_modes"])
        if mode in allowed:
            return
        what = " (one runtime version, pinned)" if mode == "Manual" else ""
        yield Violation(
            f"RuntimeManagementConfig.UpdateRuntimeOn is {mode}{what}; allowed: {', '.join(allowed)}",
            "/RuntimeManagementConfig/UpdateRuntimeOn",
            f"Set UpdateRuntimeOn to {allowed[0]} (or remove RuntimeManagementConfig); to roll back a "
            "runtime update, pin briefly under an exemption with an expiry date.",
        )

"""lambda.architecture-allowed: functions run on an allowed architecture (arm64 by default)."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import Params, ResourceContext, Rule, Severity, Violation, as_str


class ArchitectureAllowed(Rule):
    """``Architectures`` is one of ``allowed`` (x86_64 when absent).

    - PASS when the architecture is allowed.
    - FAIL when it is not (the default x86_64 included).
    - SKIP when it is not known before deployment.
    """

    id = "lambda.architecture-allowed"
    title = "Architecture is allowed"
    default_severity = Severity.LOW
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html"
    params_schema = {
        "type": "object",
        "properties": {"allowed": {"type": "array", "items": {"enum": ["arm64", "x86_64"]}, "minItems": 1, "default": ["arm64"]}},
        "additionalProperties": False,
    }
    equivalents = {"cfn-lint": ("E3030 (enum only)",)}
    rationale = "Graviton (arm64) costs about 20% less per GB-second than x86_64, and is usually as fast or faster."

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        archs = ctx.get_list("/Architectures") or ["x86_64"]
        default = "" if ctx.has("/Architectures") else " (the default)"
        for index, item in enumerate(archs):
            # Architectures: [!If [IsArm, arm64, x86_64]] or [!Ref Arch]: the element, not the list, is unknown.
            arch = as_str(item, f"/Architectures/{index}")
            if arch not in params["allowed"]:
                yield Violation(
                    f"architecture {arch}{default} is not allowed; allowed: {', '.join(params['allowed'])}"
                    + ("; arm64 costs about 20% less per GB-second" if "arm64" in params["allowed"] else ""),
                    path="/Architectures",
                    remediation=f"Set Architectures: [{params['allowed'][0]}] and rebuild native dependencies for it.",
                )

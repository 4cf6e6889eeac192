"""lambda.recursive-loop-terminate: Lambda stops recursive invocation loops."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import Params, ResourceContext, Rule, Severity, Violation


class RecursiveLoopTerminate(Rule):
    """Recursive loop detection stays on (``RecursiveLoop: Terminate``, the default).

    - PASS when ``RecursiveLoop`` is absent or ``Terminate``.
    - FAIL when it is ``Allow`` and the function is not in ``allowed_functions``.
    - SKIP when the value is not known before deployment.
    """

    id = "lambda.recursive-loop-terminate"
    title = "Recursive loops are terminated"
    default_severity = Severity.HIGH
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html"
    params_schema = {
        "type": "object",
        "properties": {
            "allowed_functions": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Logical ids (globs) of functions that intentionally recurse.",
            }
        },
        "additionalProperties": False,
    }
    equivalents = {"cfn-lint": ("E3030 (enum only)",)}
    rationale = (
        "A function that writes to the queue, topic or bucket that invokes it can loop forever; "
        "Lambda stops such loops after about 16 invocations unless RecursiveLoop is Allow."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        import fnmatch

        value = ctx.get_str("/RecursiveLoop", "Terminate")
        if value == "Terminate":
            return
        if any(fnmatch.fnmatchcase(ctx.logical_id, p) for p in params["allowed_functions"]):
            return
        yield Violation(
            f"RecursiveLoop is '{value}'; recursive loop detection must stay on (Terminate)",
            path="/RecursiveLoop",
            remediation="Remove RecursiveLoop or set it to Terminate; list intentional recursion in allowed_functions.",
        )

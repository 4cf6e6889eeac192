"""lambda.reserved-concurrency-stack-budget: one stack's reservations stay within a budget."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import (
    FUNCTION_TYPES,
    Params,
    Severity,
    StackContext,
    StackRule,
    Violation,
    as_int,
    is_unresolved,
)


class ReservedConcurrencyStackBudget(StackRule):
    """The sum of ``ReservedConcurrentExecutions`` over a template's functions stays within ``budget``.

    - PASS when the known reservations add up to at most ``budget``.
    - FAIL when they exceed it (named functions and their shares), and, with
      ``fail_on_unresolved``, when a reservation cannot be known.
    - SKIP when no function reserves concurrency, or every reservation is unresolved.
    Unresolved reservations are reported in the message, never guessed.
    """

    id = "lambda.reserved-concurrency-stack-budget"
    title = "A stack's reservations fit its budget"
    default_severity = Severity.MEDIUM
    resource_types = FUNCTION_TYPES
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html"
    params_schema = {
        "type": "object",
        "properties": {
            "budget": {"type": "integer", "minimum": 0, "default": 200},
            "fail_on_unresolved": {"type": "boolean", "default": False},
        },
        "additionalProperties": False,
    }
    rationale = "Reservations come out of one account pool; a stack that reserves hundreds takes it from every other team."

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        from hook.sdk import NotApplicable

        known: dict[str, int] = {}
        unknown: list[str] = []
        for fid, _ in ctx.resources_of_type(*FUNCTION_TYPES):
            raw = ctx.function_property(fid, "ReservedConcurrentExecutions")
            if raw is None:
                continue
            if is_unresolved(raw):
                unknown.append(fid)
                continue
            known[fid] = as_int(raw, f"/Resources/{fid}/Properties/ReservedConcurrentExecutions") or 0
        if not known and not unknown:
            raise NotApplicable("no function in the stack reserves concurrency")
        total = sum(known.values())
        note = f"; not known before deployment: {', '.join(unknown)}" if unknown else ""
        if total > params["budget"]:
            shares = ", ".join(f"{f} {n}" for f, n in sorted(known.items(), key=lambda kv: -kv[1]))
            yield Violation(f"the stack reserves {total} concurrency ({shares}); its budget is {params['budget']}{note}",
                            "/Resources", "Lower reservations, or raise the stack's budget with the platform team.")
        elif unknown and params["fail_on_unresolved"]:
            yield Violation(f"reservations of {', '.join(unknown)} are not known before deployment; the budget cannot be checked",
                            "/Resources", "Use literal reservations, or pass --param values.")
        elif not known:
            raise NotApplicable(f"every reservation is unresolved ({', '.join(unknown)})")

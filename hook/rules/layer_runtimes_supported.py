"""lambda.layer-runtimes-supported: a layer does not declare runtimes AWS has retired."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from hook.sdk import (
    NotApplicable,
    Params,
    ResourceContext,
    Rule,
    Severity,
    Violation,
    is_unresolved,
    runtime_lifecycle,
)

_PHASES = {"deprecated": "deprecated", "create_blocked": "blocked for creates", "update_blocked": "blocked for updates"}


class LayerRuntimesSupported(Rule):
    """An ``AWS::Lambda::LayerVersion``'s ``CompatibleRuntimes`` lists no retired runtime.

    Dates come from ``hook/data/runtimes.json`` (the same data as ``lambda.runtime-supported``),
    compared with today's date.

    - PASS when every listed runtime is before the ``block_from`` phase of AWS's schedule.
    - FAIL for each listed runtime that has reached it (named with the date and its successor).
    - SKIP when CompatibleRuntimes is absent or unresolved, or lists only unresolved entries or
      runtimes the data file does not know.
    """

    id = "lambda.layer-runtimes-supported"
    title = "Layers declare only supported runtimes"
    default_severity = Severity.LOW
    resource_types = ("AWS::Lambda::LayerVersion",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
    params_schema = {
        "type": "object",
        "properties": {
            "block_from": {"enum": list(_PHASES), "default": "deprecated",
                           "description": "The phase from which a listed runtime fails."},
        },
        "additionalProperties": False,
    }
    equivalents = {"cfn-lint": ("E3030 (enum only; feature request #4427)",)}
    rationale = (
        "A layer published for a retired runtime invites functions to stay on it, and a layer built "
        "for it may not load on the successor: the listed runtimes are the layer's support promise."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        if not ctx.has("/CompatibleRuntimes"):
            raise NotApplicable("the layer declares no CompatibleRuntimes")
        runtimes = ctx.get_list("/CompatibleRuntimes")
        judged = 0
        for i, runtime in enumerate(runtimes):
            info = runtime_lifecycle().get(runtime) if isinstance(runtime, str) else None
            if is_unresolved(runtime) or info is None:
                continue
            judged += 1
            raw = info.get(params["block_from"])
            since = date.fromisoformat(raw) if isinstance(raw, str) else None
            if since is None or ctx.today < since:
                continue
            successor = info.get("successor")
            yield Violation(
                f"CompatibleRuntimes lists {runtime}, {_PHASES[params['block_from']]} since {since.isoformat()}"
                + (f"; its successor is {successor}" if successor else ""),
                f"/CompatibleRuntimes/{i}",
                f"Remove {runtime} from CompatibleRuntimes"
                + (f" and build the layer for {successor}." if successor else "."),
            )
        if judged == 0:
            raise NotApplicable("no listed runtime is known before deployment or in hook/data/runtimes.json")

"""lambda.runtime-supported: runtimes follow AWS's deprecation schedule, by date."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from hook.sdk import (
    Action,
    NotApplicable,
    Params,
    ResourceContext,
    Rule,
    Severity,
    Violation,
    expand_allowed_runtimes,
    newest_runtime_successor,
    runtime_lifecycle,
)

#: The shape of a runtime AWS could add after the data was retrieved (python3.15, nodejs26.x, java29,
#: dotnet12, ruby4.1, provided.al2027): not yet known, so not judged. Anything else is not a runtime.
_PLAUSIBLE = re.compile(r"(?:python\d{1,2}\.\d{1,2}|nodejs\d{1,3}\.x|java\d{1,3}|dotnet\d{1,3}|ruby\d{1,2}\.\d{1,2}"
                        r"|provided\.al20\d\d)")

__all__ = ["RuntimeSupported"]

_PHASES = {"deprecated": "deprecated", "create_blocked": "creates are blocked", "update_blocked": "updates are blocked"}


def _d(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


class RuntimeSupported(Rule):
    """The runtime is not past the phase of AWS's deprecation schedule that the policy blocks.

    Dates come from ``hook/data/runtimes.json`` (or the ``GOVHOOK_RUNTIMES`` override) and are
    compared with today's date, so findings follow AWS's schedule without a release. The advice
    names the newest successor that ``lambda.runtime-allowed``'s list allows and this rule does not
    block (``allowed`` is taken from that rule's entry), or says the allow-list needs it.

    - PASS when the runtime has not reached ``block_from`` (``deprecated``, ``create_blocked`` or
      ``update_blocked``), and is not within ``warn_days_before`` days of deprecation.
    - FAIL when it has reached ``block_from``; on CREATE also when AWS already blocks creates, on
      UPDATE when AWS blocks updates. Within ``warn_days_before`` days of deprecation the finding
      is advisory: reported as a warning, never blocking.
    - FAIL, with a did-you-mean, for a string that is not a runtime at all (``provided.al2023023``).
    - SKIP for container images, unresolved runtimes and runtimes the data file does not list yet
      but that have the shape of one (``python3.15``: newer than the data).
    """

    id = "lambda.runtime-supported"
    title = "Runtime is supported by AWS"
    default_severity = Severity.HIGH
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
    params_schema = {
        "type": "object",
        "properties": {
            "block_from": {"enum": list(_PHASES), "default": "deprecated",
                           "description": "The phase from which the rule fails."},
            "warn_days_before": {"type": "integer", "minimum": 0, "default": 90,
                                 "description": "Days before deprecation to start warning (advisory)."},
            "allowed": {"type": "array", "items": {"type": "string", "minLength": 1},
                        "description": "Taken from lambda.runtime-allowed: the successor advised is one it allows."},
        },
        "additionalProperties": False,
    }
    borrows = {"allowed": "lambda.runtime-allowed"}
    equivalents = {
        "checkov": ("CKV_AWS_363 (static list)",),
        "cfn-lint": ("W2531", "E2531", "E2533"),
        "security-hub": ("Lambda.2",),
        "cdk-nag": ("LambdaLatestVersion",),
    }
    rationale = (
        "A deprecated runtime gets no security patches; after AWS's create-block and update-block "
        "dates a deployment fails halfway. Blocking at deprecation gives teams months of margin."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        if ctx.get_str("/PackageType", "Zip") == "Image":
            raise NotApplicable("container-image function: it has no managed runtime")
        runtime = ctx.get_str("/Runtime")
        if runtime is None:
            raise NotApplicable("Runtime is not set")
        info = runtime_lifecycle().get(runtime)
        if info is None and _PLAUSIBLE.fullmatch(runtime[:64]) is None:
            close = difflib.get_close_matches(runtime[:64], list(runtime_lifecycle()), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            yield Violation(f"runtime '{runtime[:64]}' is not a Lambda runtime{hint} (Lambda rejects the function)",
                            path="/Runtime",
                            remediation=f"Set Runtime to {close[0] if close else 'a supported runtime'} "
                                        "(docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).")
            return
        if info is None:
            raise NotApplicable(f"no lifecycle data for runtime '{runtime}' in hook/data/runtimes.json")
        today = ctx.today
        dates = {k: _d(info.get(k)) for k in _PHASES}
        allowed = params.get("allowed")
        successor, ok = newest_runtime_successor(
            runtime, expand_allowed_runtimes(allowed, today, params["block_from"]) if allowed is not None else None,
            today, params["block_from"])
        if successor and not ok:
            move = f"; move to {successor} (lambda.runtime-allowed does not allow it yet: the allow-list needs it)"
        else:
            move = f"; move to {successor}" if successor else ""
        schedule = "; ".join(f"{_PHASES[k]} from {v.isoformat()}" for k, v in dates.items() if v and k != "deprecated")
        deprecated = dates["deprecated"]
        block = dates[params["block_from"]]
        aws_block = dates["create_blocked"] if ctx.action is Action.CREATE else dates["update_blocked"]
        reached = [d for d in (block, aws_block) if d is not None and today >= d]
        if reached:
            when = f"was deprecated on {deprecated.isoformat()}" if deprecated and today >= deprecated else "is past its support dates"
            yield Violation(
                f"{runtime} {when}" + (f"; {schedule}" if schedule else "") + move,
                path="/Runtime",
                remediation=(f"Upgrade the runtime to {successor} and test the function." if successor and ok else
                             f"Add {successor} to lambda.runtime-allowed's list (the platform team), then upgrade "
                             "the runtime to it and test the function." if successor else
                             "Move to another runtime (no newer runtime of this language is supported today, "
                             "per hook/data/runtimes.json) and test the function."),
            )
            return
        if deprecated is not None and 0 <= (deprecated - today).days <= params["warn_days_before"]:
            yield Violation(
                f"{runtime} will be deprecated on {deprecated.isoformat()}, in {(deprecated - today).days} days"
                + (f"; {schedule}" if schedule else "") + move,
                path="/Runtime",
                remediation=f"Plan the upgrade{' to ' + successor if successor else ''} now.",
                advisory=True,
            )

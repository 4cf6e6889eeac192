"""The Lambda entry point CloudFormation invokes: ``hook.handler.lambda_handler``.

It never raises: anything it cannot evaluate answers FAILED + InternalFailure naming the cause
(or SUCCESS saying what was not checked, when the policy's on_error is warn). It answers before a
deadline taken from the Lambda context, well inside CloudFormation's 30 s.

Environment: ``GOVHOOK_POLICY`` (bundled path, ``ssm:/name`` or ``s3://bucket/key``; default the
bundled ``policies/default.policy.yaml``), ``GOVHOOK_CACHE_SECONDS``, ``GOVHOOK_STALE_SECONDS``,
``GOVHOOK_DEADLINE_MARGIN_MS`` (default 2000), ``GOVHOOK_ALLOW_LOOPBACK_PAYLOAD`` (tests only),
``GOVHOOK_STACK_METADATA`` (``1``: a RESOURCE invocation whose decision depends on the resource's
Metadata reads it from the stack's template, ``cloudformation:GetTemplate``).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from typing import Any

__all__ = ["lambda_handler", "handle"]

_MAX_SECONDS = 25.0
_observer: Any = None


def _deadline(context: Any) -> float:
    margin = float(os.environ.get("GOVHOOK_DEADLINE_MARGIN_MS", "2000")) / 1000
    budget = _MAX_SECONDS
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        with contextlib.suppress(TypeError, ValueError):
            budget = min(budget, float(remaining()) / 1000 - margin)
    return time.monotonic() + max(budget, 0.5)


def _token(event: Any) -> tuple[str | None, str]:
    if isinstance(event, dict):
        if "clientRequestToken" in event:
            value = event["clientRequestToken"]
            return (value if isinstance(value, str) else None), "clientRequestToken"
        if "clientRequesttoken" in event:
            value = event["clientRequesttoken"]
            return (value if isinstance(value, str) else None), "clientRequesttoken"
    return None, "clientRequestToken"


def handle(
    event: Any,
    context: Any = None,
    *,
    fetch: Callable[[str], bytes] | None = None,
    values: Any = None,
    account: Any = None,
    observe: bool = True,
    stack_template: Callable[[str], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Evaluate one invocation; returns the response and never raises."""
    from hook.handler.response import failure

    started = time.monotonic()
    token, token_key = _token(event)
    cloud_control = False
    record: dict[str, Any] = {"outcome": "error"}
    try:
        response, record, cloud_control = _evaluate(event, context, fetch, token, token_key, values, account,
                                                    stack_template)
    except Exception as exc:  # the hook never raises: CloudFormation's reaction is undocumented
        reason = _reason(exc)
        response = failure(reason, token, token_key, cloud_control=cloud_control)
        record["error"] = reason
    record["duration_ms"] = round((time.monotonic() - started) * 1000, 2)
    record["hookStatus"] = response["hookStatus"]
    if observe:
        _observe(token, record)
    return response


def _reason(exc: BaseException) -> str:
    """What the response says: a govhook error's own message; anything else is a bug, named."""
    from hook.core.engine import DeadlineExceeded
    from hook.core.errors import GovhookError

    if isinstance(exc, DeadlineExceeded):
        return "the evaluation ran out of time before CloudFormation's deadline"
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, GovhookError) else f"{type(exc).__name__}: {text}"


def _evaluate(event: Any, context: Any, fetch: Callable[[str], bytes] | None, token: str | None,
              token_key: str, values: Any, account: Any,
              stack_template: Callable[[str], dict[str, Any]] | None = None,
              ) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """Parse the event, call the pipeline, render the response (and the decision record)."""
    from hook.core.pipeline import Invocation, Level, hook_pipeline
    from hook.handler.response import response
    from hook.inputs.event import parse_event

    deadline = _deadline(context)
    if fetch is None:
        allow = os.environ.get("GOVHOOK_ALLOW_LOOPBACK_PAYLOAD") == "1"

        def fetch(url: str) -> bytes:
            from hook.sources.fetch import fetch_payload  # STACK and CHANGE_SET only: urllib.request, TLS

            return fetch_payload(url, timeout=max(0.5, min(10.0, deadline - time.monotonic() - 1)), allow_loopback=allow)

    parsed = parse_event(event, fetch)
    cloud_control = parsed.kind == "CLOUD_CONTROL"
    record: dict[str, Any] = {"target": parsed.target_name, "logical_id": parsed.logical_id, "kind": parsed.kind,
                              "action": parsed.action.value, "stack": parsed.stack_name}
    pipeline = hook_pipeline(os.environ.get("GOVHOOK_POLICY", "policies/default.policy.yaml"),
                             values=values, account=account, deadline=deadline)
    verdict = pipeline.evaluate(parsed.targets, Invocation(Level(parsed.kind),
                                                           stack_template=_template_reader(event, stack_template)))
    out = response(verdict, token, token_key, cloud_control=cloud_control)
    if verdict.not_evaluated is not None:
        return out, record | {"outcome": verdict.not_evaluated.kind}, cloud_control
    counts = verdict.counts()
    record |= {"outcome": "blocked" if verdict.is_blocking else "allowed", "rules_run": list(verdict.rules_run),
               "counts": counts, "violations": sorted({f.rule_id for f in verdict.blocking})}
    return out, record, cloud_control


def _template_reader(event: Any, read: Callable[[str], dict[str, Any]] | None) -> Callable[[], dict[str, Any]] | None:
    """How the pipeline reads the stack's template for a RESOURCE invocation (which carries no
    Metadata): the given reader, else ``cloudformation:GetTemplate`` when GOVHOOK_STACK_METADATA=1."""
    stack_id = event.get("stackId") if isinstance(event, dict) else None
    if not (isinstance(stack_id, str) and stack_id):
        return None
    if read is None:
        if os.environ.get("GOVHOOK_STACK_METADATA") != "1":
            return None
        from hook.sources.stack_template import get_stack_template

        read = get_stack_template
    reader = read
    return lambda: reader(stack_id)


def _observe(token: str | None, record: dict[str, Any]) -> None:
    """One JSON decision record and EMF metrics per invocation (Powertools, loaded on first use)."""
    global _observer
    try:
        if _observer is None:
            from hook.handler.observability import Observer

            _observer = Observer()
        _observer.record(token, record)
    except Exception:  # observability must never change the decision
        pass


_cold = True


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    global _cold
    if not _cold:
        return handle(event, context)
    _cold = False
    # The first invocation imports boto3, the rules and the policy, and every object it makes
    # stays alive: the garbage collector, run every 2,000 allocations, walks them again and again
    # (~5% of the cold start) to free a few hundred objects. It waits until this invocation has
    # answered; warm invocations run with the collector as configured.
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return handle(event, context)
    finally:
        if enabled:
            gc.enable()

"""The Lambda entry point CloudFormation invokes: ``hook.handler.lambda_handler``.

It never raises: anything it cannot evaluate answers FAILED + InternalFailure naming the cause
(or SUCCESS saying what was not checked, when the policy's on_error is warn). It answers before a
deadline taken from the Lambda context, well inside CloudFormation's 30 s.

Environment: ``GOVHOOK_POLICY`` (bundled path, ``ssm:/name`` or ``s3://bucket/key``; default the
bundled ``policies/default.policy.yaml``), ``GOVHOOK_CACHE_SECONDS``, ``GOVHOOK_STALE_SECONDS``,
``GOVHOOK_DEADLINE_MARGIN_MS`` (default 2000), ``GOVHOOK_ALLOW_LOOPBACK_PAYLOAD`` (tests only); each
validated once per container (:mod:`hook.handler.config`): a bad value fails closed, naming it.
Every network call gets what is left of the deadline as its total timeout (:mod:`hook.sources.budget`).
``GOVHOOK_STACK_METADATA`` (``1``: a RESOURCE invocation whose decision depends on the resource's
Metadata reads it from the stack's template, ``cloudformation:GetTemplate``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

__all__ = ["lambda_handler", "handle"]

_MAX_SECONDS = 25.0
_observer: Any = None


def _deadline(context: Any, margin: float) -> float:
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
    from hook.handler.limits import MAX_MESSAGE_CLOUD_CONTROL, finalize, message_limit, url_secrets
    from hook.handler.response import failure

    started = time.monotonic()
    token, token_key = _token(event)
    limit = message_limit(event)
    secrets = url_secrets(event)
    cloud_control = limit == MAX_MESSAGE_CLOUD_CONTROL
    record: dict[str, Any] = {"outcome": "error"}
    try:
        response, record, _ = _evaluate(event, context, fetch, token, token_key, values, account, stack_template)
    except Exception as exc:  # the hook never raises: CloudFormation's reaction is undocumented
        reason = _reason(exc)
        response = failure(reason, token, token_key, cloud_control=cloud_control)
        record["error"] = reason
    # Every path: encodable, within the limits of this event's target, no part of the payload URL.
    response = finalize(response, token_key, token, limit, secrets)
    if record.get("error"):
        record["error"] = finalize({"message": record["error"]}, token_key, None, 1024, secrets)["message"]
    record["duration_ms"] = round((time.monotonic() - started) * 1000, 2)
    record["hookStatus"] = response["hookStatus"]
    if observe:
        _observe(response[token_key], record)  # the encodable token: a lone surrogate would lose the log line
    return response


def _reason(exc: BaseException) -> str:
    """What the response says: a govhook error's own message; anything else is a bug, named."""
    from hook.core.engine import DeadlineExceeded
    from hook.core.errors import GovhookError

    if isinstance(exc, DeadlineExceeded):
        slow = str(exc) if str(exc).startswith(";") else ""
        return "the evaluation ran out of time before CloudFormation's deadline" + slow
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, GovhookError) else f"{type(exc).__name__}: {text}"


def _evaluate(event: Any, context: Any, fetch: Callable[[str], bytes] | None, token: str | None,
              token_key: str, values: Any, account: Any,
              stack_template: Callable[[str], dict[str, Any]] | None = None) -> tuple[dict[str, Any], dict[str, Any], bool]:
    from hook.core.engine import DeadlineExceeded
    from hook.handler.config import settings
    from hook.sources.budget import Budget, use

    config = settings()  # a bad GOVHOOK_* setting fails closed, naming the variable
    deadline = _deadline(context, config.margin_seconds)
    with use(Budget(deadline)) as budget:
        try:
            return _evaluate_within(event, deadline, config.policy, config.allow_loopback, fetch, token, token_key,
                                    values, account, stack_template)
        except DeadlineExceeded as exc:
            raise DeadlineExceeded(budget.slowest()) from exc


def _evaluate_within(event: Any, deadline: float, policy_location: str, allow_loopback: bool,
                     fetch: Callable[[str], bytes] | None, token: str | None, token_key: str, values: Any,
                     account: Any, stack_template: Callable[[str], dict[str, Any]] | None = None,
                     ) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """Parse the event, call the pipeline, render the response (and the decision record)."""
    from hook.core.pipeline import Invocation, Level, hook_pipeline
    from hook.handler.limits import ident
    from hook.handler.response import response
    from hook.inputs.event import parse_event

    if fetch is None:

        def fetch(url: str) -> bytes:
            from hook.sources.budget import current
            from hook.sources.fetch import fetch_payload  # STACK and CHANGE_SET only: urllib3, TLS

            started = time.monotonic()
            try:
                return fetch_payload(url, timeout=current().for_call("the payload fetch", 15.0),
                                     allow_loopback=allow_loopback)
            finally:
                current().spent("the payload fetch", time.monotonic() - started)

    parsed = parse_event(event, fetch)
    cloud_control = parsed.kind == "CLOUD_CONTROL"
    record: dict[str, Any] = {"target": ident(parsed.target_name), "logical_id": ident(parsed.logical_id),
                              "kind": parsed.kind, "action": parsed.action.value,
                              "stack": None if parsed.stack_name is None else ident(parsed.stack_name)}
    if parsed.kind == "STACK" and not parsed.targets:
        return {"hookStatus": "SUCCESS", "message": f"stack {ident(parsed.stack_name)}: DELETE is not blocked "
                "(the payload has no template to check)", token_key: token}, record | {"outcome": "delete"}, False
    pipeline = hook_pipeline(policy_location, values=values, account=account, deadline=deadline)
    # A RESOURCE event carries no Metadata: the pipeline reads the stack's template when it matters.
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
        import os

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
    # Every object the first invocation makes (boto3, the rules, the policy) stays alive, so the
    # collector waits until it has answered; warm invocations run with the collector as configured.
    from hook.core.gc_tuning import collector_paused

    with collector_paused():
        return handle(event, context)

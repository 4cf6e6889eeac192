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
    """Evaluate one invocation; returns the response and never raises.

    ``stack_template``: reads a stack's template by stack id (default ``cloudformation:GetTemplate``),
    for a RESOURCE invocation whose decision depends on the resource's Metadata."""
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
    from hook.core.engine import DeadlineExceeded

    if isinstance(exc, DeadlineExceeded):
        return "the evaluation ran out of time before CloudFormation's deadline"
    text = str(exc) or type(exc).__name__
    name = type(exc).__name__
    known = ("EventError", "PayloadError", "PolicyError", "TemplateError", "SourceError", "ValueSourceError", "RegistryError")
    return text if name in known else f"{name}: {text}"


def _evaluate(event: Any, context: Any, fetch: Callable[[str], bytes] | None, token: str | None,
              token_key: str, values: Any, account: Any,
              stack_template: Callable[[str], dict[str, Any]] | None = None,
              ) -> tuple[dict[str, Any], dict[str, Any], bool]:
    from hook.core.engine import Engine
    from hook.core.model import ResourceTarget, StackTarget, Verdict
    from hook.core.registry import default_registry
    from hook.handler.response import response
    from hook.inputs.event import parse_event
    from hook.sdk import Action
    from hook.sources import AwsAccount, SSMValues, get_policy

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
    registry = default_registry()
    policy, notes = get_policy(os.environ.get("GOVHOOK_POLICY", "policies/default.policy.yaml"), registry)
    engine = Engine(registry, policy, account=account or AwsAccount(), values=values or SSMValues(), deadline=deadline)
    targets = parsed.targets
    if parsed.kind == "STACK":
        targets = [t for t in targets if isinstance(t, StackTarget)]  # resource rules ran per resource
    if parsed.kind in ("RESOURCE", "CLOUD_CONTROL"):
        target = targets[0]
        assert isinstance(target, ResourceTarget)
        if not engine.governs(target.resource_type):
            verdict = Verdict((), (f"{target.resource_type} is not governed by this policy",))
            return response(verdict, token, token_key, cloud_control=cloud_control) | {
                "message": f"{target.resource_type} {target.logical_id}: not governed by any enabled rule"
            }, record | {"outcome": "not-governed"}, cloud_control
        if target.action is Action.DELETE and not any(
            target.action in r.actions for _, r in engine.enabled_rules() if target.resource_type in r.resource_types
        ):
            return {"hookStatus": "SUCCESS", "message": f"{target.logical_id}: DELETE is not governed", token_key: token}, \
                record | {"outcome": "delete"}, cloud_control
    verdict = engine.evaluate(targets)
    # Exemption requests in the template's resource Metadata (STACK and CHANGE_SET payloads carry
    # the template; a RESOURCE event carries the properties only): the policy accepts or refuses them.
    from hook.core.requests import apply_requests, needs_stack_template, requests_from_targets

    requests = requests_from_targets(parsed.targets)
    stack_id = event.get("stackId") if isinstance(event, dict) else None
    metadata_lookup = stack_template is not None or os.environ.get("GOVHOOK_STACK_METADATA") == "1"
    if (parsed.kind == "RESOURCE" and metadata_lookup and isinstance(stack_id, str) and stack_id
            and needs_stack_template(policy, verdict)):
        verdict, requests = _with_template_metadata(engine, targets, verdict, stack_id, parsed.stack_name,
                                                    stack_template)
    verdict = apply_requests(verdict, requests, policy, None,
                             {rid: tuple(getattr(registry.get(rid), "aliases", ())) for rid in policy.rules})
    if notes:
        verdict = Verdict(verdict.findings, tuple(notes) + verdict.notes, verdict.targets, verdict.rules_run)
    out = response(verdict, token, token_key, cloud_control=cloud_control)
    counts = verdict.counts()
    record |= {"outcome": "blocked" if verdict.is_blocking else "allowed", "rules_run": list(verdict.rules_run),
               "counts": counts, "violations": sorted({f.rule_id for f in verdict.blocking})}
    return out, record, cloud_control


def _with_template_metadata(engine: Any, targets: list[Any], verdict: Any, stack_id: str, stack_name: str | None,
                            stack_template: Callable[[str], dict[str, Any]] | None) -> tuple[Any, list[Any]]:
    """A RESOURCE invocation re-decided with what its stack's template says of the resource: the
    construct path (``aws:cdk:path``) and ``govhook.exempt`` requests. CloudFormation does not send
    Metadata with a resource; a template that cannot be read leaves the decision as it was, noted."""
    from hook.core.model import ResourceTarget, Verdict
    from hook.core.requests import resource_metadata
    from hook.sources.stack_template import StackTemplateError, get_stack_template

    target = targets[0]
    try:
        template = (stack_template or get_stack_template)(stack_id)
    except (StackTemplateError, OSError, ValueError) as exc:
        note = (f"{exc}: the resource's Metadata (construct path, exemption requests) could not be read; "
                "decided without it")
        return Verdict(verdict.findings, (*verdict.notes, note), verdict.targets, verdict.rules_run), []
    path, requests = resource_metadata(template, target.logical_id, stack_name)
    if path and path != target.construct_path:
        target = ResourceTarget(target.resource_type, target.logical_id, target.action, target.properties,
                                target.previous_properties, target.stack_name, target.account_id, target.region,
                                construct_path=path)
        verdict = engine.evaluate([target])
    return verdict, requests


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

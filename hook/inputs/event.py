"""A CloudFormation Lambda Hook event -> targets (see shared/reference/hook-contract.md)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from hook.core._record import Record
from hook.core.errors import InputError
from hook.core.model import ResourceTarget, StackTarget, Target
from hook.sdk import Action

__all__ = ["EventError", "ParsedEvent", "parse_event"]


class EventError(InputError):
    """The event is not a hook invocation we can read."""


class ParsedEvent(Record):
    _fields = ("token", "token_key", "kind", "action", "target_name", "logical_id", "stack_name", "account_id",
               "region", "targets", "payload_url")

    def __init__(
        self,
        token: str | None,
        token_key: str,
        kind: str,  # RESOURCE | CLOUD_CONTROL | STACK | CHANGE_SET
        action: Action,
        target_name: str,
        logical_id: str,
        stack_name: str | None,
        account_id: str | None,
        region: str | None,
        targets: list[Target] | None = None,
        payload_url: str | None = None,
    ) -> None:
        self.token = token
        self.token_key = token_key
        self.kind = kind
        self.action = action
        self.target_name = target_name
        self.logical_id = logical_id
        self.stack_name = stack_name
        self.account_id = account_id
        self.region = region
        self.targets: list[Target] = [] if targets is None else targets
        self.payload_url = payload_url


def _stack_name(stack_id: Any) -> str | None:
    # arn:aws:cloudformation:us-east-1:123456789012:stack/app/1a2b...
    if isinstance(stack_id, str) and ":stack/" in stack_id:
        return stack_id.split(":stack/", 1)[1].split("/", 1)[0] or None
    return None


def _region(stack_id: Any) -> str | None:
    if isinstance(stack_id, str) and stack_id.startswith("arn:"):
        parts = stack_id.split(":")
        return parts[3] if len(parts) > 3 and parts[3] else None
    return None


def _action(point: Any) -> Action:
    text = str(point or "").upper()
    for a in Action:
        if text.startswith(a.value):
            return a
    return Action.CREATE


def parse_event(event: Any, fetch: Callable[[str], bytes] | None = None) -> ParsedEvent:
    """Read the envelope; for STACK and CHANGE_SET, ``fetch`` gets the payload bytes."""
    if not isinstance(event, Mapping):
        raise EventError(f"the event is a {type(event).__name__}, not a JSON object")
    token_key = "clientRequestToken" if "clientRequestToken" in event else "clientRequesttoken"
    token = event.get(token_key)
    data = event.get("requestData")
    if not isinstance(data, Mapping):
        raise EventError("the event has no requestData object")
    stack_id = event.get("stackId", event.get("stackID"))
    target_name = data.get("targetName")
    target_type = data.get("targetType")
    if not isinstance(target_name, str) or not target_name:
        raise EventError("requestData.targetName is missing")
    account = event.get("awsAccountId") if isinstance(event.get("awsAccountId"), str) else None
    action = _action(event.get("actionInvocationPoint"))
    logical_id = str(data.get("targetLogicalId") or target_name)
    stack_name = _stack_name(stack_id)
    region = _region(stack_id)
    if target_type == "STACK" or target_name == "STACK":
        kind = "STACK"
        stack_name = stack_name or logical_id
    elif target_type == "CHANGE_SET" or target_name == "CHANGE_SET":
        kind = "CHANGE_SET"
    elif not stack_id:
        kind = "CLOUD_CONTROL"
    else:
        kind = "RESOURCE"
    parsed = ParsedEvent(token if isinstance(token, str) else None, token_key, kind, action, target_name,
                         logical_id, stack_name, account, region)
    if kind in ("STACK", "CHANGE_SET"):
        url = data.get("payload")
        if not isinstance(url, str) or not url:
            raise EventError(f"a {kind} invocation needs requestData.payload (a presigned S3 URL)")
        parsed.payload_url = url
        if fetch is None:
            raise EventError("no payload fetcher")
        parsed.targets = _payload_targets(kind, fetch(url), parsed)
        return parsed
    model = data.get("targetModel") or {}
    if not isinstance(model, Mapping):
        raise EventError("requestData.targetModel is not an object")
    props = model.get("resourceProperties") or {}
    prev = model.get("previousResourceProperties")
    if not isinstance(props, Mapping) or (prev is not None and not isinstance(prev, Mapping)):
        raise EventError("targetModel.resourceProperties must be an object")
    parsed.targets = [
        ResourceTarget(target_name, logical_id, action, props, prev, stack_name, account, region)
    ]
    return parsed


def _template(text: Any, what: str) -> dict[str, Any] | None:
    from hook.inputs.yamlcfn import load_template_text

    if text in (None, ""):
        return None
    if isinstance(text, Mapping):
        return dict(text)
    if not isinstance(text, str):
        raise EventError(f"payload {what} is not a string")
    return _complete(load_template_text(text, f"payload {what}"), what)


def _complete(template: dict[str, Any], what: str) -> dict[str, Any]:
    """A template CloudFormation could have accepted: a ``Resources`` map of at least one resource,
    each a map with a string ``Type``. Anything less is a truncated or damaged payload, and judging
    what is left of it would pass resources nobody looked at."""
    resources = template.get("Resources")
    if not isinstance(resources, Mapping) or not resources:
        raise EventError(f"the payload {what} has no Resources (truncated or not a CloudFormation template)")
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping) or not isinstance(resource.get("Type"), str) or not resource["Type"]:
            shown = str(logical_id)[:200]
            raise EventError(f"the payload {what}'s resource {shown} has no Type (truncated or not a CloudFormation template)")
    return template


def _payload_targets(kind: str, body: bytes, ev: ParsedEvent) -> list[Target]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EventError(f"the {kind} payload is not JSON: {exc}") from exc
    if not isinstance(payload, Mapping):
        raise EventError(f"the {kind} payload is not a JSON object")
    template = _template(payload.get("template"), "template")
    if template is None:
        if kind == "STACK" and ev.action is Action.DELETE:
            return []  # a delete carries an empty template (hook-contract.md section 3): nothing to judge
        raise EventError(f"the {kind} payload has no template")
    previous = _template(payload.get("previousTemplate"), "previousTemplate")
    targets: list[Target] = []
    if kind == "CHANGE_SET":
        changes = payload.get("changedResources") or []
        if not isinstance(changes, list):
            raise EventError("changedResources is not a list")
        for change in changes:
            if not isinstance(change, Mapping):
                continue
            action = _action(change.get("action"))
            after = _context(change.get("afterContext"))
            before = _context(change.get("beforeContext"))
            rtype = change.get("resourceType")
            if not isinstance(rtype, str):
                continue
            logical_id = str(change.get("logicalResourceId"))
            targets.append(
                ResourceTarget(rtype, logical_id, action, after or {}, before,
                               ev.stack_name, ev.account_id, ev.region,
                               construct_path=_construct_path(template, logical_id))
            )
    targets.append(StackTarget(template, previous, ev.stack_name, ev.account_id, ev.region))
    return targets


def _construct_path(template: Mapping[str, Any], logical_id: str) -> str | None:
    """The CDK construct path the template's Metadata gives the resource (``aws:cdk:path``)."""
    resources = template.get("Resources")
    res = resources.get(logical_id) if isinstance(resources, Mapping) else None
    meta = res.get("Metadata") if isinstance(res, Mapping) else None
    path = meta.get("aws:cdk:path") if isinstance(meta, Mapping) else None
    return path if isinstance(path, str) and path else None


def _context(raw: Any) -> dict[str, Any] | None:
    if raw in (None, ""):
        return None
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as exc:
        raise EventError(f"a change's context is not JSON: {exc}") from exc
    if not isinstance(data, Mapping):
        raise EventError("a change's context is not a JSON object")
    props = data.get("Properties", data.get("properties", {}))
    return dict(props) if isinstance(props, Mapping) else {}

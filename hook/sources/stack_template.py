"""The template of the stack a RESOURCE hook invocation belongs to (``cloudformation:GetTemplate``).

A RESOURCE invocation carries the resource's properties only (``targetModel.resourceProperties``
and ``previousResourceProperties``; AWS's Lambda Hooks guide, "Lambda Hook resource input syntax"),
never its ``Metadata``. The hook reads the resource's CDK construct path (``aws:cdk:path``) and its
exemption requests (``govhook.exempt``) from the stack's template instead, and only when the policy
needs them: a rule scoped or overridden by construct path, or a failed rule that accepts requests.
``TemplateStage=Original`` is the template as submitted (before transforms), the one whose
Metadata the developer wrote.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hook.core.errors import GovhookError

__all__ = ["StackTemplateError", "get_stack_template"]


class StackTemplateError(GovhookError):
    """The stack's template could not be read (denied, throttled, not found)."""


def get_stack_template(stack_id: str, cfn: Any = None) -> dict[str, Any]:
    """The stack's submitted template as data (JSON or YAML)."""
    if cfn is None:
        from hook.sources import client

        cfn = client("cloudformation")
    try:
        body = cfn.get_template(StackName=stack_id, TemplateStage="Original")["TemplateBody"]
    except Exception as exc:  # botocore errors, endpoint errors: all the same to the caller
        code = getattr(exc, "response", {}).get("Error", {}).get("Code") if hasattr(exc, "response") else None
        raise StackTemplateError(f"cloudformation:GetTemplate failed: {code or type(exc).__name__}") from exc
    if isinstance(body, Mapping):  # boto3 decodes a JSON body
        return dict(body)
    if isinstance(body, str):
        text = body.lstrip()
        if text.startswith("{"):
            try:
                data = json.loads(body)
            except ValueError as exc:
                raise StackTemplateError("cloudformation:GetTemplate returned a template that is not JSON") from exc
        else:
            from hook.inputs.yamlcfn import load_template_text

            data = load_template_text(body, "stack template")
        if isinstance(data, dict):
            return data
    raise StackTemplateError("cloudformation:GetTemplate returned no template body")

"""The one check every handler test applies to every response (shared/reference/hook-contract.md).

``assert_contract(event, response)``: hookStatus in the enum, errorCode exactly when FAILED (and in
its enum), the token echoed under the key that came (and its value, made encodable), ``message``
within its target's limit (4,096; 1,024 for Cloud Control and for events that do not say they come
from a stack) with the first 1,000 characters saying what failed, annotation fields within their
limits, no unknown fields, UTF-8 encodable and JSON-serializable; and none of ``secrets``
anywhere in it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA = json.loads((Path(__file__).parent / "contract" / "hook-response.schema.json").read_text())
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)  # built once: validate() re-checks the schema every call

_FAILED_HEAD = re.compile(r"govhook could not evaluate: \S|\d+ violations?[,:]")


def expected_limit(event: Any) -> int:
    """4,096 for an event that comes from a stack (a stack id, a STACK or CHANGE_SET target);
    otherwise 1,024 (Cloud Control, or an event too broken to tell), which is valid for both."""
    if not isinstance(event, Mapping):
        return 1024
    data = event.get("requestData")
    if isinstance(data, Mapping) and (data.get("targetName") in ("STACK", "CHANGE_SET")
                                      or data.get("targetType") in ("STACK", "CHANGE_SET")):
        return 4096
    stack_id = event.get("stackId", event.get("stackID"))
    return 4096 if isinstance(stack_id, str) and stack_id else 1024


def _token_key(event: Any) -> str:
    if isinstance(event, Mapping) and "clientRequestToken" not in event and "clientRequesttoken" in event:
        return "clientRequesttoken"
    return "clientRequestToken"


def _encodable(text: str) -> str:
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def assert_contract(event: Any, response: Any, secrets: Iterable[str] = ()) -> dict[str, Any]:
    assert isinstance(response, dict), f"response is a {type(response).__name__}"
    text = json.dumps(response, ensure_ascii=False)  # serializable
    text.encode("utf-8")  # and encodable: raises on a lone surrogate anywhere
    _VALIDATOR.validate(response)  # enums, required fields, annotation field limits
    status = response["hookStatus"]
    assert status in ("SUCCESS", "FAILED"), status  # the handler never asks to be called back
    assert ("errorCode" in response) == (status == "FAILED")
    key = _token_key(event)
    other = "clientRequesttoken" if key == "clientRequestToken" else "clientRequestToken"
    assert key in response and other not in response, f"token echoed under the wrong key: {list(response)}"
    sent = event.get(key) if isinstance(event, Mapping) else None
    assert response[key] == (_encodable(sent) if isinstance(sent, str) else None)
    message = response["message"]
    assert 0 < len(message) <= expected_limit(event), f"message of {len(message)} characters"
    if status == "FAILED":
        assert _FAILED_HEAD.match(message[:1000]), f"the message does not start with what failed: {message[:200]!r}"
    for ann in response.get("annotations", []):
        assert 1 <= len(ann["annotationName"]) <= 1024
        assert 1 <= len(ann["statusMessage"]) <= 16384
        assert 1 <= len(ann.get("remediationMessage", "x")) <= 16384
        assert 1 <= len(ann.get("remediationLink", "https://x")) <= 5120
    for secret in secrets:
        assert secret not in text, f"{secret!r} is in the response"
    return response

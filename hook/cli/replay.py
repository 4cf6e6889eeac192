"""``govhook replay EVENT.json``: the real handler on a captured event.

``--payload FILE`` stands in for the presigned URL of STACK and CHANGE_SET events.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hook.core.errors import InputError


def replay(event_path: str, *, payload_path: str | None = None, policy_path: str | None = None,
           aws: bool = False) -> dict[str, Any]:
    """Without ``aws``, SSM references use their policy defaults and account facts are unknown."""
    try:
        with open(event_path, encoding="utf-8") as fh:
            event = json.load(fh)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read event: {exc}", event_path) from exc
    request = event.get("requestData") if isinstance(event, dict) else None
    if payload_path is None and isinstance(request, dict) and request.get("payload"):
        kind = request.get("targetType") or request.get("targetName") or "this"
        raise InputError(f"a {kind} event carries its template at a presigned URL: pass --payload FILE "
                         "(the template or payload JSON it stands for)", event_path)

    def fetch(url: str) -> bytes:
        if payload_path is None:
            raise InputError("this event has a payload URL: pass --payload FILE", event_path)
        with open(payload_path, "rb") as fh:
            return fh.read()

    from hook.handler import handle
    from hook.sources import clear_caches

    old = os.environ.get("GOVHOOK_POLICY")
    if policy_path:
        os.environ["GOVHOOK_POLICY"] = os.path.abspath(policy_path)
    try:
        clear_caches()
        if aws:
            return handle(event, None, fetch=fetch, observe=False)
        from hook.core.values import OfflineValues
        from hook.sdk import OfflineAccount

        return handle(event, None, fetch=fetch, values=OfflineValues(), account=OfflineAccount(), observe=False)
    finally:
        if policy_path:
            if old is None:
                os.environ.pop("GOVHOOK_POLICY", None)
            else:
                os.environ["GOVHOOK_POLICY"] = old

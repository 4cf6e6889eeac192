"""Issue 11 items 1-4: hostile events still get a valid response, within limits, fail-closed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hook.core.values import OfflineValues
from hook.handler import handle
from hook.sdk import OfflineAccount
from hook.sources import clear_caches
from tests.hookcontract import assert_contract

ROOT = Path(__file__).resolve().parents[2]
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/app/1a2b3c"
GOOD = {"Runtime": "nodejs22.x", "Handler": "index.handler", "MemorySize": "128", "Timeout": "30",
        "Tags": [{"Key": "team", "Value": "platform"}], "LoggingConfig": {"LogFormat": "JSON"},
        "TracingConfig": {"Mode": "Active"}, "Architectures": ["arm64"]}
LAMBDA = {"Type": "AWS::Lambda::Function", "Properties": {**GOOD, "Runtime": "nodejs18.x"}}


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHOOK_POLICY", str(ROOT / "policies" / "default.policy.yaml"))
    clear_caches()


def event(props: Any = None, *, token: Any = "tok", target: str = "AWS::Lambda::Function", logical_id: str = "Fn",
          stack_id: str | None = STACK_ID, point: str = "CREATE_PRE_PROVISION") -> dict[str, Any]:
    out: dict[str, Any] = {
        "clientRequestToken": token, "actionInvocationPoint": point,
        "requestData": {"targetName": target, "targetType": target, "targetLogicalId": logical_id,
                        "targetModel": {"resourceProperties": GOOD if props is None else props}},
    }
    if stack_id is not None:
        out["stackId"] = stack_id
    else:
        out["requestData"]["targetType"] = "RESOURCE"
    return out


def stack_event(kind: str = "STACK", point: str = "CREATE_PRE_PROVISION") -> dict[str, Any]:
    return {"clientRequestToken": "tok", "stackId": STACK_ID, "actionInvocationPoint": point,
            "requestData": {"targetName": kind, "targetType": kind, "targetLogicalId": "app",
                            "payload": "https://b.s3.amazonaws.com/p?X-Amz-Signature=sig"}}


def call(ev: Any, body: bytes | None = None) -> dict[str, Any]:
    fetch = (lambda url: body) if body is not None else None
    return assert_contract(ev, handle(ev, None, fetch=fetch, values=OfflineValues(), account=OfflineAccount(),
                                      observe=False))


@pytest.mark.parametrize("where", ["token", "logical_id", "value", "type", "key"])
def test_a_lone_surrogate_anywhere_still_gets_an_encodable_response(where: str) -> None:
    bad = "x\ud800y"
    props = {**GOOD, "Runtime": bad} if where == "value" else ({**GOOD, bad: 1} if where == "key" else GOOD)
    ev = event(props, token=bad if where == "token" else "tok", logical_id=bad if where == "logical_id" else "Fn",
               target=bad if where == "type" else "AWS::Lambda::Function")
    r = call(ev)
    json.dumps(r, ensure_ascii=False).encode("utf-8")
    if where == "token":
        assert r["clientRequestToken"] == "x\ufffdy"
    if where == "value":
        assert r["hookStatus"] == "FAILED" and "x\ufffdy" in r["message"]


def test_an_unknown_type_name_of_10000_characters_is_not_echoed_whole() -> None:
    r = call(event(target="AWS::" + "X" * 10000))
    assert r["hookStatus"] == "SUCCESS" and len(r["message"]) <= 4096
    assert "not governed by any enabled rule" in r["message"][:1000]


def test_cloud_control_not_governed_message_stays_within_1024() -> None:
    r = call(event(target="AWS::" + "Q" * 1500, logical_id="L" * 1500, stack_id=None))
    assert len(r["message"]) <= 1024 and "not governed" in r["message"]


def test_a_malformed_cloud_control_event_is_cut_at_1024() -> None:
    ev = event(stack_id=None)
    ev["requestData"]["targetModel"] = {"resourceProperties": "x" * 3000}
    r = call(ev)
    assert r["errorCode"] == "InternalFailure" and len(r["message"]) <= 1024


def test_a_long_logical_id_leaves_room_for_every_violation_in_the_first_part() -> None:
    r = call(event({**GOOD, "Runtime": "nodejs18.x", "MemorySize": "999999"}, logical_id="F" * 5000))
    assert r["hookStatus"] == "FAILED" and len(r["message"]) <= 4096
    for ann in r["annotations"]:
        assert len(ann["statusMessage"]) <= 16384


def _payload(template: Any, previous: Any = "") -> bytes:
    return json.dumps({"template": template, "previousTemplate": previous}).encode()


FULL = json.dumps({"Resources": {"Fn": LAMBDA}})


@pytest.mark.parametrize("body, needle", [
    (_payload(FULL)[: len(_payload(FULL)) // 2], "not JSON"),
    (b"[]", "not a JSON object"),
    (_payload("{}"), "no Resources"),
    (_payload("Resources: 3"), "no Resources"),
    (_payload("Resources:\n  Fn:\n"), "has no Type"),
    (_payload(json.dumps({"Resources": {"Fn": {"Properties": {}}}})), "has no Type"),
])
@pytest.mark.parametrize("kind", ["STACK", "CHANGE_SET"])
def test_a_truncated_or_damaged_payload_fails_closed(body: bytes, needle: str, kind: str) -> None:
    r = call(stack_event(kind), body)
    assert (r["hookStatus"], r["errorCode"]) == ("FAILED", "InternalFailure")
    assert needle in r["message"][:1000]


def test_a_complete_payload_is_judged() -> None:
    r = call(stack_event(), _payload(FULL))
    assert r["hookStatus"] == "SUCCESS" and "warning" in r["message"]


def test_stack_delete_with_the_documented_empty_template_succeeds() -> None:
    r = call(stack_event(point="DELETE_PRE_PROVISION"), _payload("", ""))
    assert r["hookStatus"] == "SUCCESS" and "DELETE" in r["message"]


def test_stack_create_with_an_empty_template_still_fails() -> None:
    r = call(stack_event(), _payload("", ""))
    assert r["errorCode"] == "InternalFailure" and "no template" in r["message"]


def test_the_decision_log_line_of_a_hostile_token_is_encodable(monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    import logging

    import hook.handler as handler

    monkeypatch.setattr(handler, "_observer", None)
    ev = event(token="t\ud800")
    handle(ev, None, values=OfflineValues(), account=OfflineAccount())
    decisions = [r for r in caplog.records if r.getMessage() == "govhook decision"]
    assert decisions
    formatters = [h.formatter for h in logging.getLogger("govhook").handlers if h.formatter is not None]
    assert formatters
    for formatter in formatters:
        formatter.format(decisions[-1]).encode("utf-8")  # what Lambda's log stream receives

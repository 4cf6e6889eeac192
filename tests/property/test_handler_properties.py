"""The property tier: generated events and payloads through the handler, each answer checked by the
one contract validator (tests/hookcontract.py).

Seeded and bounded: hypothesis runs derandomized with no example database, about 3,000 examples in
all by default; ``GOVHOOK_FUZZ_EXAMPLES=N`` multiplies each test's share (N / 3000), for a
longer hunt: ``GOVHOOK_FUZZ_EXAMPLES=100000 pytest tests/property``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hook.core.values import OfflineValues
from hook.handler import handle
from hook.sdk import OfflineAccount
from hook.sources import clear_caches
from tests.hookcontract import assert_contract

ROOT = Path(__file__).resolve().parents[2]
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/app/1a2b3c"
_TOTAL = 3000
_SCALE = max(1, int(os.environ.get("GOVHOOK_FUZZ_EXAMPLES", _TOTAL))) / _TOTAL


def budget(share: int) -> Any:
    return settings(max_examples=max(1, int(share * _SCALE)), derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


@pytest.fixture(autouse=True, scope="module")
def _policy() -> Any:
    old = os.environ.get("GOVHOOK_POLICY")
    os.environ["GOVHOOK_POLICY"] = str(ROOT / "policies" / "default.policy.yaml")
    clear_caches()
    yield
    if old is None:
        os.environ.pop("GOVHOOK_POLICY", None)
    else:
        os.environ["GOVHOOK_POLICY"] = old


def call(event: Any, body: bytes | None = None) -> dict[str, Any]:
    fetch = (lambda url: body) if body is not None else None
    return assert_contract(event, handle(event, None, fetch=fetch, values=OfflineValues(), account=OfflineAccount(),
                                         observe=False), secrets=["X-Amz-Signature=s3cr3t"])


# -- strategies --------------------------------------------------------------------------------------

hostile_text = st.one_of(
    st.text(max_size=12),
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3),  # lone surrogates
    st.text(st.characters(), max_size=3).map(lambda s: s + "\ud800"),
    st.sampled_from(["", " ", "128", "-1", "1e9", "true", "null", "nodejs18.x", "python3.13", "AWS::NoValue",
                     "arn:aws:lambda:us-east-1:123456789012:layer:x:1", "${ssm:/x}", "\x00", "é" * 3]),
    st.integers(min_value=1000, max_value=12000).map(lambda n: "x" * n),  # longer than any limit
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(allow_nan=False), hostile_text)
json_values = st.recursive(scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(hostile_text, c, max_size=4),
                           max_leaves=12)
# Property values: two levels at most (generation, not the handler, is what costs time here).
shallow = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(st.sampled_from(
    ["Key", "Value", "Mode", "Variables", "LogFormat", "SubnetIds", "Size", "Ref", "Fn::If", "Fn::Sub"]) | hostile_text,
    scalars | st.lists(scalars, max_size=2), max_size=3))

PROPS = ["Runtime", "Handler", "MemorySize", "Timeout", "Tags", "Layers", "Environment", "Architectures",
         "TracingConfig", "LoggingConfig", "VpcConfig", "ReservedConcurrentExecutions", "EphemeralStorage",
         "KmsKeyArn", "CodeSigningConfigArn", "PackageType", "Code", "Role", "DeadLetterConfig", "SnapStart"]
properties = st.dictionaries(st.sampled_from(PROPS) | hostile_text, shallow, max_size=6)
TYPES = ["AWS::Lambda::Function", "AWS::Lambda::Version", "AWS::Lambda::Permission", "AWS::Lambda::Url",
         "AWS::Lambda::EventSourceMapping", "AWS::Lambda::Alias", "AWS::SQS::Queue", "STACK", "CHANGE_SET"]
POINTS = ["CREATE_PRE_PROVISION", "UPDATE_PRE_PROVISION", "DELETE_PRE_PROVISION", "", "BOGUS"]


@st.composite
def events(draw: Any) -> dict[str, Any]:
    target = draw(st.sampled_from(TYPES) | hostile_text)
    model: dict[str, Any] = {"resourceProperties": draw(properties)}
    if draw(st.booleans()):
        model["previousResourceProperties"] = draw(properties)
    data: dict[str, Any] = {"targetName": target, "targetType": draw(st.sampled_from([target, "RESOURCE"])),
                            "targetLogicalId": draw(hostile_text), "targetModel": model}
    event: dict[str, Any] = {"actionInvocationPoint": draw(st.sampled_from(POINTS)), "requestData": data}
    event[draw(st.sampled_from(["clientRequestToken", "clientRequesttoken"]))] = draw(hostile_text | st.none())
    stack = draw(st.sampled_from(["stackId", "stackID", None]))
    if stack:
        event[stack] = draw(st.sampled_from([STACK_ID, "", None]) | hostile_text)
    if target in ("STACK", "CHANGE_SET"):
        data["payload"] = "https://b.s3.amazonaws.com/p?X-Amz-Signature=s3cr3t"
    return event


resources = st.dictionaries(
    st.text("ABCFnx0123", min_size=1, max_size=6),
    st.fixed_dictionaries({"Type": st.sampled_from(TYPES[:7])}, optional={"Properties": properties}),
    min_size=1, max_size=4,
)


def stack_event(kind: str, point: str = "CREATE_PRE_PROVISION") -> dict[str, Any]:
    return {"clientRequestToken": "t", "stackId": STACK_ID, "actionInvocationPoint": point,
            "requestData": {"targetName": kind, "targetType": kind, "targetLogicalId": "app",
                            "payload": "https://b.s3.amazonaws.com/p?X-Amz-Signature=s3cr3t"}}


def payload(template: dict[str, Any], kind: str, changes: list[dict[str, Any]]) -> bytes:
    body: dict[str, Any] = {"template": json.dumps(template), "previousTemplate": ""}
    if kind == "CHANGE_SET":
        body["changedResources"] = changes
    return json.dumps(body).encode()


changes = st.lists(st.fixed_dictionaries({
    "action": st.sampled_from(["CREATE", "UPDATE", "DELETE"]), "logicalResourceId": hostile_text,
    "resourceType": st.sampled_from(TYPES[:7]),
    "afterContext": st.one_of(st.none(), properties.map(lambda p: json.dumps({"Properties": p})), hostile_text)}),
    max_size=3)


# -- properties --------------------------------------------------------------------------------------


@budget(500)
@given(json_values)
def test_any_json_value_as_an_event_gets_a_valid_answer(event: Any) -> None:
    call(event)


@budget(1300)
@given(events())
def test_generated_events_get_a_valid_answer(event: dict[str, Any]) -> None:
    r = call(event)
    if r["hookStatus"] == "SUCCESS" and event["requestData"]["targetName"] in ("STACK", "CHANGE_SET"):
        pytest.fail("a STACK/CHANGE_SET event with no payload fetcher answered SUCCESS")


@budget(600)
@given(st.sampled_from(["STACK", "CHANGE_SET"]), resources, changes, st.data())
def test_generated_payloads_get_a_valid_answer_and_a_cut_one_never_succeeds(
        kind: str, template: dict[str, Any], changed: list[dict[str, Any]], data: Any) -> None:
    body = payload({"Resources": template}, kind, changed)
    call(stack_event(kind), body)
    cut = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    r = call(stack_event(kind), body[:cut])
    assert (r["hookStatus"], r.get("errorCode")) == ("FAILED", "InternalFailure"), (cut, r["message"][:200])


@budget(500)
@given(st.sampled_from(["STACK", "CHANGE_SET"]), st.binary(max_size=64) | json_values.map(lambda v: json.dumps(v).encode()))
def test_payload_bytes_that_are_not_a_template_fail_closed(kind: str, body: bytes) -> None:
    r = call(stack_event(kind), body)
    assert (r["hookStatus"], r.get("errorCode")) == ("FAILED", "InternalFailure"), r["message"][:200]


@budget(100)
@given(st.sampled_from(["", None]), st.sampled_from(["", None]))
def test_stack_delete_with_no_template_succeeds(template: str | None, previous: str | None) -> None:
    body = json.dumps({"template": template, "previousTemplate": previous}).encode()
    assert call(stack_event("STACK", "DELETE_PRE_PROVISION"), body)["hookStatus"] == "SUCCESS"

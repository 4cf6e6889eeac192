"""The Lambda handler: every invocation kind, answered per the contract, never raising."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hook.core.values import OfflineValues
from hook.handler import handle, lambda_handler
from hook.sdk import OfflineAccount
from hook.sources import clear_caches
from tests.hookcontract import assert_contract

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "f8da6d11-b23f-48f4-814c-0fb6a667f50e"
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/app/1a2b3c"


def run(event: Any, context: Any) -> dict[str, Any]:
    """lambda_handler, its response checked against the contract."""
    return assert_contract(event, lambda_handler(event, context))


def resource_event(props: dict[str, Any], *, point: str = "CREATE_PRE_PROVISION", previous: dict[str, Any] | None = None,
                   target: str = "AWS::Lambda::Function", stack_id: str | None = STACK_ID) -> dict[str, Any]:
    model: dict[str, Any] = {"resourceProperties": props}
    if previous is not None:
        model["previousResourceProperties"] = previous
    return {
        "clientRequestToken": TOKEN, "awsAccountId": "123456789012", "stackId": stack_id, "changeSetId": None,
        "hookTypeName": "Private::Lambda::Governance", "hookTypeVersion": "00000001",
        "hookModel": {"LambdaFunction": "arn:aws:lambda:us-east-1:123456789012:function:govhook"},
        "actionInvocationPoint": point,
        "requestData": {"targetName": target, "targetType": target, "targetLogicalId": "MyFunction", "targetModel": model},
        "requestContext": {"invocation": 1, "callbackContext": None},
    }


COMPLIANT = {"Runtime": "nodejs22.x", "Handler": "index.handler", "MemorySize": "128", "Timeout": "30",
             "Tags": [{"Key": "team", "Value": "platform"}], "LoggingConfig": {"LogFormat": "JSON"},
             "TracingConfig": {"Mode": "Active"}, "Architectures": ["arm64"]}


def offline(event: Any, **kw: Any) -> dict[str, Any]:
    return assert_contract(event, handle(event, None, values=OfflineValues(), account=OfflineAccount(), observe=False, **kw))


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHOOK_POLICY", str(ROOT / "policies" / "default.policy.yaml"))
    clear_caches()


class Ctx:
    def __init__(self, ms: int = 30000) -> None:
        self.ms = ms

    def get_remaining_time_in_millis(self) -> int:
        return self.ms


def test_compliant_function_succeeds_without_error_code() -> None:
    r = offline(resource_event(COMPLIANT))
    assert r["hookStatus"] == "SUCCESS" and "errorCode" not in r
    assert r["clientRequestToken"] == TOKEN
    assert r["message"].startswith("compliant:")


def test_retired_runtime_fails_non_compliant_with_what_blocked_first() -> None:
    r = offline(resource_event({**COMPLIANT, "Runtime": "nodejs18.x"}))
    assert (r["hookStatus"], r["errorCode"]) == ("FAILED", "NonCompliant")
    assert r["message"].startswith("2 violations: [lambda.runtime-allowed] MyFunction: runtime 'nodejs18.x' is not allowed")
    assert "[lambda.runtime-supported] MyFunction: nodejs18.x was deprecated on 2025-09-01" in r["message"][:1000]
    ann = {a["annotationName"]: a for a in r["annotations"]}
    assert ann["lambda.runtime-allowed"]["status"] == "FAILED"
    assert ann["lambda.runtime-allowed"]["severityLevel"] == "HIGH"
    assert ann["lambda.recursive-loop-terminate"]["status"] == "PASSED"


def test_update_keeping_a_retired_runtime_is_preexisting_debt_and_warns() -> None:
    kept = offline(resource_event({**COMPLIANT, "Runtime": "nodejs18.x", "MemorySize": "256"}, point="UPDATE_PRE_PROVISION",
                                  previous={**COMPLIANT, "Runtime": "nodejs18.x"}))
    assert kept["hookStatus"] == "SUCCESS"
    assert "warning [lambda.runtime-allowed]" in kept["message"]
    introduced = offline(resource_event({**COMPLIANT, "Runtime": "nodejs18.x"}, point="UPDATE_PRE_PROVISION",
                                        previous=COMPLIANT))
    assert introduced["hookStatus"] == "FAILED"


def test_container_image_skips_the_runtime_rule() -> None:
    props = {"PackageType": "Image", "Code": {"ImageUri": "1.dkr.ecr.us-east-1.amazonaws.com/a:1"},
             "Tags": [{"Key": "team", "Value": "x"}], "LoggingConfig": {"LogFormat": "JSON"}}
    r = offline(resource_event(props))
    assert r["hookStatus"] == "SUCCESS"
    ann = {a["annotationName"]: a for a in r["annotations"]}
    assert ann["lambda.runtime-allowed"]["status"] == "SKIPPED"
    assert "container-image" in ann["lambda.runtime-allowed"]["statusMessage"]


def test_delete_succeeds_and_ungoverned_types_succeed() -> None:
    r = offline(resource_event({}, point="DELETE_PRE_PROVISION"))
    assert r["hookStatus"] == "SUCCESS" and "DELETE" in r["message"]
    r = offline(resource_event({"QueueName": "q"}, target="AWS::SQS::Queue"))
    assert r["hookStatus"] == "SUCCESS" and "not governed" in r["message"]


def test_cloud_control_message_is_cut_at_1024() -> None:
    props = {**COMPLIANT, "Runtime": "nodejs18.x", "Layers": [f"arn:aws:lambda:us-east-1:99999999999{i}:layer:x:1" for i in range(5)]}
    event = resource_event(props, stack_id=None)
    event["requestData"]["targetType"] = "RESOURCE"
    event.pop("stackId")
    r = offline(event)
    assert r["hookStatus"] == "FAILED" and len(r["message"]) <= 1024


def test_documented_misspelling_is_echoed_as_it_came() -> None:
    event = resource_event(COMPLIANT)
    event["clientRequesttoken"] = event.pop("clientRequestToken")
    event["stackID"] = event.pop("stackId")
    r = offline(event)
    assert r["clientRequesttoken"] == TOKEN and "clientRequestToken" not in r


@pytest.mark.parametrize("event", [None, [], "text", {}, {"requestData": "x"}, {"requestData": {}},
                                   {"clientRequestToken": "t", "requestData": {"targetName": "STACK", "targetType": "STACK"}}])
def test_malformed_events_answer_internal_failure_naming_the_problem(event: Any) -> None:
    r = offline(event)
    assert (r["hookStatus"], r["errorCode"]) == ("FAILED", "InternalFailure")
    assert r["message"].startswith("govhook could not evaluate: ")


def test_invalid_policy_answers_internal_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.policy.yaml"
    bad.write_text("version: 1\nrules:\n  lambda.runtime-alowed: {}\n")
    monkeypatch.setenv("GOVHOOK_POLICY", str(bad))
    r = offline(resource_event(COMPLIANT))
    assert r["errorCode"] == "InternalFailure"
    assert "unknown rule 'lambda.runtime-alowed'; did you mean 'lambda.runtime-allowed'?" in r["message"]


def test_ssm_reference_without_default_offline_is_an_internal_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pol = tmp_path / "p.yaml"
    pol.write_text("version: 1\nrules:\n  lambda.runtime-allowed:\n    params: {allowed: {ssm: /govhook/runtimes}}\n")
    monkeypatch.setenv("GOVHOOK_POLICY", str(pol))
    r = offline(resource_event(COMPLIANT))
    assert (r["hookStatus"], r["errorCode"]) == ("FAILED", "InternalFailure")
    assert "ssm:/govhook/runtimes has no default" in r["message"]
    pol.write_text("version: 1\ndefaults: {on_error: warn}\nrules:\n  lambda.runtime-allowed:\n"
                   "    params: {allowed: {ssm: /govhook/runtimes}}\n")
    clear_caches()
    r = offline(resource_event(COMPLIANT))
    assert r["hookStatus"] == "SUCCESS" and "could not run" in r["message"]


def test_lambda_handler_reads_ssm_from_moto(aws_client: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # GIVEN the allow-list in SSM (moto's server over HTTP) and a policy with no default
    aws_client("ssm").put_parameter(Name="/govhook/allowed-runtimes", Type="StringList", Value="python3.13, nodejs18.x")
    pol = tmp_path / "p.yaml"
    pol.write_text("version: 1\nrules:\n  lambda.runtime-allowed:\n    params: {allowed: {ssm: /govhook/allowed-runtimes}}\n")
    monkeypatch.setenv("GOVHOOK_POLICY", str(pol))
    # WHEN the real entry point runs
    r = run(resource_event({"Runtime": "nodejs18.x"}), Ctx())
    # THEN the SSM list decides: nodejs18.x is allowed there
    assert r["hookStatus"] == "SUCCESS", r


def test_warm_invocations_fetch_ssm_once_per_cache_age(aws_client: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import hook.sources as sources

    aws_client("ssm").put_parameter(Name="/govhook/rt", Type="StringList", Value="nodejs22.x")
    pol = tmp_path / "p.yaml"
    pol.write_text("version: 1\nrules:\n  lambda.runtime-allowed:\n    params: {allowed: {ssm: /govhook/rt}}\n")
    monkeypatch.setenv("GOVHOOK_POLICY", str(pol))
    calls = []
    client = sources.client("ssm")
    client.meta.events.register("before-call.ssm.GetParameter", lambda **kw: calls.append(1))
    for _ in range(1000):
        assert lambda_handler(resource_event(COMPLIANT), Ctx())["hookStatus"] == "SUCCESS"
    assert len(calls) == 1


def _presigned(aws_client: Any, body: dict[str, Any]) -> str:
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="hook-payloads")
    s3.put_object(Bucket="hook-payloads", Key="p.json", Body=json.dumps(body).encode())
    return str(s3.generate_presigned_url("get_object", Params={"Bucket": "hook-payloads", "Key": "p.json"}, ExpiresIn=60))


def stack_event(url: str, kind: str = "STACK") -> dict[str, Any]:
    return {"clientRequestToken": TOKEN, "awsAccountId": "123456789012", "stackId": STACK_ID,
            "actionInvocationPoint": "CREATE_PRE_PROVISION",
            "requestData": {"targetName": kind, "targetType": kind, "targetLogicalId": "app", "payload": url}}


def test_stack_payload_fetched_over_http_from_moto(aws_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHOOK_ALLOW_LOOPBACK_PAYLOAD", "1")
    template = (ROOT / "sample" / "templates" / "hello-noncompliant.yaml").read_text()
    shared = template.replace("  HelloLogs:", "  Other:\n    Type: AWS::Lambda::Function\n    Properties:\n"
                              "      Role: !GetAtt HelloRole.Arn\n      Runtime: nodejs22.x\n  HelloLogs:")
    url = _presigned(aws_client, {"template": shared, "previousTemplate": ""})
    r = run(stack_event(url), Ctx())
    # stack rules only: the shared role blocks, the runtime (a resource rule) is not judged twice
    assert r["hookStatus"] == "FAILED"
    assert "lambda.role-least-privilege" in r["message"] and "lambda.runtime-allowed" not in r["message"]
    assert "X-Amz" not in json.dumps(r)


def test_change_set_runs_resource_rules_on_stringified_after_context(aws_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHOOK_ALLOW_LOOPBACK_PAYLOAD", "1")
    after = json.dumps({"Properties": {"Runtime": "nodejs18.x", "MemorySize": "256", "Tags": [{"Key": "team", "Value": "a"}]}})
    body = {"template": (ROOT / "sample" / "templates" / "hello-compliant.yaml").read_text(),
            "changedResources": [{"action": "CREATE", "logicalResourceId": "HelloFunction",
                                  "resourceType": "AWS::Lambda::Function", "lineNumber": 14,
                                  "beforeContext": None, "afterContext": after}]}
    url = _presigned(aws_client, body)
    r = run(stack_event(url, "CHANGE_SET"), Ctx())
    assert r["hookStatus"] == "FAILED"
    assert r["message"].startswith("2 violations")
    assert r["message"].split(": ", 1)[1].startswith("[lambda.runtime-allowed] HelloFunction: runtime 'nodejs18.x'")
    assert "ssm:/govhook/allowed-runtimes does not exist; the policy's default was used" in r["message"]


def test_payload_from_a_non_s3_host_is_refused() -> None:
    r = run(stack_event("https://example.com/p.json?X-Amz-Signature=secret"), Ctx())
    assert r["errorCode"] == "InternalFailure" and "not an S3 endpoint" in r["message"]
    assert "secret" not in r["message"]


def test_deadline_passed_answers_internal_failure() -> None:
    r = run(resource_event(COMPLIANT), Ctx(ms=0))
    assert r["hookStatus"] in ("SUCCESS", "FAILED")  # 0.5 s floor still evaluates a resource
    assert "errorCode" not in r or r["errorCode"] in ("NonCompliant", "InternalFailure")


SAMPLES = [resource_event(COMPLIANT), resource_event({**COMPLIANT, "Runtime": "nodejs18.x"})]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c, max_size=4), max_leaves=20))
def test_any_json_value_gets_a_contract_valid_response(event: Any) -> None:
    assert_contract(event, handle(event, None, values=OfflineValues(), account=OfflineAccount(), observe=False))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLES), st.lists(st.tuples(st.sampled_from(["requestData", "targetModel", "resourceProperties", "Runtime", "MemorySize", "Tags", "stackId", "actionInvocationPoint"]),
                                                  st.none() | st.integers() | st.text(max_size=8) | st.lists(st.integers(), max_size=2)), max_size=4))
def test_mutated_sample_events_never_raise(base: dict[str, Any], mutations: list[tuple[str, Any]]) -> None:
    event = copy.deepcopy(base)
    for key, value in mutations:
        for node in (event, event.get("requestData"), (event.get("requestData") or {}).get("targetModel") if isinstance(event.get("requestData"), dict) else None):
            if isinstance(node, dict) and key in node:
                node[key] = value
        props = ((event.get("requestData") or {}).get("targetModel") or {}) if isinstance(event.get("requestData"), dict) else {}
        if isinstance(props, dict) and isinstance(props.get("resourceProperties"), dict):
            props["resourceProperties"][key] = value
    assert_contract(event, handle(event, None, values=OfflineValues(), account=OfflineAccount(), observe=False))

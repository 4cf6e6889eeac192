"""The Lambda handler reading SSM parameters and S3 payloads from moto's server on loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hook.handler import lambda_handler
from hook.sources import clear_caches
from tests.helpers import COMPLIANT, ROOT, Ctx, resource_event, stack_event, valid


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHOOK_POLICY", str(ROOT / "policies" / "default.policy.yaml"))
    clear_caches()


def test_lambda_handler_reads_ssm_from_moto(aws_client: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # GIVEN the allow-list in SSM (moto's server over HTTP) and a policy with no default
    aws_client("ssm").put_parameter(Name="/govhook/allowed-runtimes", Type="StringList", Value="python3.13, nodejs18.x")
    pol = tmp_path / "p.yaml"
    pol.write_text("version: 1\nrules:\n  lambda.runtime-allowed:\n    params: {allowed: {ssm: /govhook/allowed-runtimes}}\n")
    monkeypatch.setenv("GOVHOOK_POLICY", str(pol))
    # WHEN the real entry point runs
    r = valid(lambda_handler(resource_event({"Runtime": "nodejs18.x"}), Ctx()))
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


def test_stack_payload_fetched_over_http_from_moto(aws_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHOOK_ALLOW_LOOPBACK_PAYLOAD", "1")
    template = (ROOT / "sample" / "templates" / "hello-noncompliant.yaml").read_text()
    shared = template.replace("  HelloLogs:", "  Other:\n    Type: AWS::Lambda::Function\n    Properties:\n"
                              "      Role: !GetAtt HelloRole.Arn\n      Runtime: nodejs22.x\n  HelloLogs:")
    url = _presigned(aws_client, {"template": shared, "previousTemplate": ""})
    r = valid(lambda_handler(stack_event(url), Ctx()))
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
    r = valid(lambda_handler(stack_event(url, "CHANGE_SET"), Ctx()))
    assert r["hookStatus"] == "FAILED"
    assert r["message"].startswith("2 violations")
    assert r["message"].split(": ", 1)[1].startswith("[lambda.runtime-allowed] HelloFunction: runtime 'nodejs18.x'")
    assert "ssm:/govhook/allowed-runtimes does not exist; the policy's default was used" in r["message"]

"""The decision record and EMF metrics the deployed hook writes to CloudWatch Logs.

Run as Lambda runs it: a fresh interpreter calls ``lambda_handler`` and everything printed on
stdout is what CloudWatch Logs would hold. SSM comes from moto's server on loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "sample" / "events"
TOKEN = "f8da6d11-b23f-48f4-814c-0fb6a667f50e"

_DRIVER = """
import json, sys
from hook.handler import lambda_handler

class Context:
    function_name = "govhook"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:govhook"
    aws_request_id = "req-1"
    def get_remaining_time_in_millis(self):
        return 25000

for path in sys.argv[1:]:
    with open(path) as fh:
        response = lambda_handler(json.load(fh), Context())
    print("RESPONSE " + json.dumps(response))
"""


def _run(moto_endpoint: str, *events: Path, extra_env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    env = dict(os.environ)
    env.update({
        "AWS_ENDPOINT_URL": moto_endpoint,
        "GOVHOOK_POLICY": str(ROOT / "policies" / "default.policy.yaml"),
        "POWERTOOLS_SERVICE_NAME": "govhook",
        "POWERTOOLS_METRICS_NAMESPACE": "govhook",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    })
    env.update(extra_env or {})
    proc = subprocess.run([sys.executable, "-c", _DRIVER, *map(str, events)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    lines: list[dict[str, Any]] = []
    for line in proc.stdout.splitlines():
        if line.startswith("RESPONSE "):
            lines.append({"__response__": json.loads(line[len("RESPONSE "):])})
        elif line.strip():
            lines.append(json.loads(line))  # every other line CloudWatch gets is one JSON object
    return lines


def _decisions(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [x for x in lines if x.get("message") == "govhook decision"]


def _emf(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [x for x in lines if "_aws" in x]


@pytest.mark.moto
def test_one_decision_record_per_invocation_with_the_token_as_correlation_id(moto_endpoint: str) -> None:
    # GIVEN a non-compliant CREATE and a compliant one, in one warm container
    # WHEN the hook answers both
    lines = _run(moto_endpoint, EVENTS / "resource-create-noncompliant.json", EVENTS / "resource-create-compliant.json")
    # THEN there is exactly one JSON decision record per invocation
    decisions = _decisions(lines)
    assert len(decisions) == 2
    blocked, allowed = (d["decision"] for d in decisions)
    assert all(d["correlation_id"] == TOKEN and d["level"] == "INFO" and d["service"] == "govhook" for d in decisions)
    # AND the record says what was decided, on which target, by which rules, and how long it took
    assert blocked["outcome"] == "blocked" and allowed["outcome"] == "allowed"
    assert blocked["hookStatus"] == "FAILED" and allowed["hookStatus"] == "SUCCESS"
    assert blocked["target"] == "AWS::Lambda::Function" and blocked["logical_id"] == "MyFunction"
    assert blocked["action"] == "CREATE" and blocked["kind"] == "RESOURCE"
    assert "lambda.runtime-allowed" in blocked["violations"] and "lambda.runtime-allowed" in blocked["rules_run"]
    assert allowed["violations"] == []
    assert isinstance(blocked["duration_ms"], int | float) and blocked["duration_ms"] >= 0
    assert blocked["counts"]["blocking"] >= 1


@pytest.mark.moto
def test_emf_metrics_count_invocations_decisions_violations_and_duration(moto_endpoint: str) -> None:
    # GIVEN a non-compliant CREATE
    # WHEN the hook answers it
    lines = _run(moto_endpoint, EVENTS / "resource-create-noncompliant.json")
    # THEN one EMF blob carries the metrics under the configured namespace
    blobs = _emf(lines)
    assert len(blobs) == 1
    blob = blobs[0]
    directive = blob["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "govhook"
    names = {m["Name"]: m["Unit"] for m in directive["Metrics"]}
    assert names["Invocations"] == "Count" and names["Decision_blocked"] == "Count"
    assert names["Violations_lambda.runtime-allowed"] == "Count"
    assert names["DurationMs"] == "Milliseconds"
    assert "Errors" not in names
    assert blob["Invocations"] in (1.0, [1.0]) and blob["service"] == "govhook"


@pytest.mark.moto
def test_logs_never_hold_property_values_payload_urls_or_secrets(moto_endpoint: str, tmp_path: Path) -> None:
    # GIVEN a function whose environment holds a credential, and a STACK event whose payload URL is signed
    event = json.loads((EVENTS / "resource-create-noncompliant.json").read_text())
    props = event["requestData"]["targetModel"]["resourceProperties"]
    props["Environment"] = {"Variables": {"DB_PASSWORD": "hunter2-very-secret"}}
    secret_event = tmp_path / "secret.json"
    secret_event.write_text(json.dumps(event))
    stack_event = json.loads((EVENTS / "stack.json").read_text())
    stack_event["requestData"]["payload"] = "https://bucket.s3.amazonaws.com/p?X-Amz-Signature=SIGNATURE-abc123"
    stack_path = tmp_path / "stack.json"
    stack_path.write_text(json.dumps(stack_event))
    # WHEN the hook answers both (the payload host cannot be reached here: an internal failure)
    lines = _run(moto_endpoint, secret_event, stack_path)
    # THEN neither the value nor the signed URL appears anywhere in what CloudWatch would store
    logged = "\n".join(json.dumps(x) for x in lines if "__response__" not in x)
    assert "hunter2-very-secret" not in logged
    assert "SIGNATURE-abc123" not in logged and "X-Amz-Signature" not in logged
    # AND the failed fetch is still one decision record, counted as an error
    decisions = [d["decision"] for d in _decisions(lines)]
    assert len(decisions) == 2 and decisions[1]["outcome"] == "error" and decisions[1]["error"]
    assert any("Errors" in {m["Name"] for m in b["_aws"]["CloudWatchMetrics"][0]["Metrics"]} for b in _emf(lines))

"""serverless.yml: the CLI's verdict is the verdict the hook gives on the template the Framework deploys.

The hook never sees serverless.yml: it gets one RESOURCE event per generated resource and one STACK
event with the generated template (no govhook metadata). Both doors must block for the same rules.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hook.cli import main
from hook.cli.adapters.serverless import load_serverless
from hook.core.model import ResourceTarget, StackTarget
from hook.handler import lambda_handler
from hook.sources import clear_caches
from tests.integration.test_parity import Ctx, stringify

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample" / "serverless" / "serverless.yml"
POLICY = str(ROOT / "policies" / "default.policy.yaml")


def failed(response: dict[str, Any]) -> set[str]:
    return {a["annotationName"] for a in response.get("annotations", []) if a["status"] == "FAILED"
            and not a["statusMessage"].startswith(("warning", "exempted"))}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_cli_on_serverless_yml_and_hook_on_the_generated_template_agree(
    stage: str, aws_client: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GOVHOOK_POLICY", POLICY)
    monkeypatch.setenv("GOVHOOK_ALLOW_LOOPBACK_PAYLOAD", "1")
    clear_caches()
    # WHEN the CLI checks serverless.yml
    code = main(["check", "--policy", POLICY, "--format", "json", "--stage", stage, str(SAMPLE)])
    report = json.loads(capsys.readouterr().out)
    cli_failing = {f["rule_id"] for f in report["findings"] if f["disposition"] == "blocking"}
    # AND the hook receives each generated resource, then the generated template
    result = load_serverless(str(SAMPLE), options={"stage": stage})
    statuses: list[str] = []
    hook_failing: set[str] = set()
    for target in result.targets:
        if not isinstance(target, ResourceTarget):
            continue
        r = lambda_handler({
            "clientRequestToken": "parity", "awsAccountId": "123456789012",
            "stackId": f"arn:aws:cloudformation:eu-west-1:123456789012:stack/{target.stack_name}/x",
            "actionInvocationPoint": "CREATE_PRE_PROVISION",
            "requestData": {"targetName": target.resource_type, "targetType": target.resource_type,
                            "targetLogicalId": target.logical_id,
                            "targetModel": {"resourceProperties": stringify(dict(target.properties))}},
        }, Ctx())
        statuses.append(r["hookStatus"])
        hook_failing |= failed(r)
    stack = next(t for t in result.targets if isinstance(t, StackTarget))
    generated = dict(stack.template)
    assert stack.framework is not None and "Metadata" not in generated
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="payloads")
    s3.put_object(Bucket="payloads", Key="p.json",
                  Body=json.dumps({"template": json.dumps(stringify(generated)), "previousTemplate": ""}))
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "payloads", "Key": "p.json"})
    r = lambda_handler({"clientRequestToken": "parity",
                        "stackId": f"arn:aws:cloudformation:eu-west-1:1:stack/{stack.stack_name}/x",
                        "actionInvocationPoint": "CREATE_PRE_PROVISION",
                        "requestData": {"targetName": "STACK", "targetType": "STACK",
                                        "targetLogicalId": stack.stack_name, "payload": url}}, Ctx())
    statuses.append(r["hookStatus"])
    hook_failing |= failed(r)
    # THEN both doors block for the same rules (nodejs18.x, the Framework's shared role)
    assert (code == 1) == ("FAILED" in statuses)
    assert cli_failing == hook_failing == {
        "lambda.runtime-allowed", "lambda.runtime-supported", "lambda.role-least-privilege"}

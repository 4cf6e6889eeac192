"""The CLI reaches the same verdict as the deployed hook, for every sample stack.

The handler sees what CloudFormation would send: one RESOURCE event per resource with the
resolved properties (scalars stringified, as CloudFormation often sends them), plus one STACK
event whose payload moto's S3 serves over HTTP through a presigned URL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hook.cli import main
from hook.cli.adapters.template import load_targets
from hook.core.model import ResourceTarget
from hook.core.registry import default_registry
from hook.handler import lambda_handler
from hook.sdk import StackRule
from hook.sources import clear_caches
from tests.helpers import LambdaContext, deployed, stringified

ROOT = Path(__file__).resolve().parents[2]
#: The sample stacks, and small stacks written for one kind each (tests/parity: NoEcho defaults in
#: environment variables, AWS layers of every partition, secret-like variables set from parameters).
TEMPLATES = sorted((ROOT / "sample" / "templates").glob("*.yaml")) + sorted((ROOT / "tests" / "parity").glob("*.yaml"))


def stringify(value: Any) -> Any:
    """The properties as the RESOURCE hook gets them: scalars as strings, each intrinsic resolved to a
    realistic stand-in (a resource's ARN, name or URL; a Sub's text around its unknown parts)."""
    return stringified(value, deployed)


Ctx = LambdaContext


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_cli_and_handler_agree(path: Path, aws_client: Any, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GOVHOOK_POLICY", str(ROOT / "policies" / "default.policy.yaml"))
    monkeypatch.setenv("GOVHOOK_ALLOW_LOOPBACK_PAYLOAD", "1")
    clear_caches()
    # WHEN the CLI checks the template
    code = main(["check", "--policy", str(ROOT / "policies" / "default.policy.yaml"), "--format", "json", str(path)])
    report = json.loads(capsys.readouterr().out)
    cli_failing = {f["rule_id"] for f in report["findings"] if f["disposition"] == "blocking"}
    registry = default_registry()
    resource_rules = {r.id for r in registry if not issubclass(r, StackRule)}
    cli_by_resource: dict[str, set[str]] = {}
    for f in report["findings"]:
        if f["disposition"] == "blocking" and f["rule_id"] in resource_rules:
            cli_by_resource.setdefault(f["logical_id"], set()).add(f["rule_id"])
    # AND the handler receives each resource, then the stack
    result = load_targets(str(path))
    hook_failing: set[str] = set()
    hook_by_resource: dict[str, set[str]] = {}
    statuses = []
    for target in result.targets:
        if not isinstance(target, ResourceTarget):
            continue
        event = {
            "clientRequestToken": "parity", "awsAccountId": "123456789012",
            "stackId": f"arn:aws:cloudformation:us-east-1:123456789012:stack/{target.stack_name}/x",
            "actionInvocationPoint": "CREATE_PRE_PROVISION",
            "requestData": {"targetName": target.resource_type, "targetType": target.resource_type,
                            "targetLogicalId": target.logical_id,
                            "targetModel": {"resourceProperties": stringify(dict(target.properties))}},
        }
        r = lambda_handler(event, Ctx())
        statuses.append(r["hookStatus"])
        blocked = {a["annotationName"] for a in r.get("annotations", []) if a["status"] == "FAILED"
                   and not a["statusMessage"].startswith(("warning", "exempted"))}
        hook_failing |= blocked
        if blocked:
            hook_by_resource[target.logical_id] = blocked
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="payloads")
    s3.put_object(Bucket="payloads", Key="p.json", Body=json.dumps({"template": path.read_text(), "previousTemplate": ""}))
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "payloads", "Key": "p.json"})
    stack = lambda_handler({"clientRequestToken": "parity", "stackId": f"arn:aws:cloudformation:us-east-1:1:stack/{result.targets[-1].stack_name}/x",
                            "actionInvocationPoint": "CREATE_PRE_PROVISION",
                            "requestData": {"targetName": "STACK", "targetType": "STACK",
                                            "targetLogicalId": result.targets[-1].stack_name, "payload": url}}, Ctx())
    statuses.append(stack["hookStatus"])
    hook_failing |= {a["annotationName"] for a in stack.get("annotations", []) if a["status"] == "FAILED"
                     and not a["statusMessage"].startswith(("warning", "exempted"))}
    # THEN both doors block, or both let it through, for the same rules
    assert (code == 1) == ("FAILED" in statuses)
    assert cli_failing == hook_failing
    # AND resource by resource, the same resource rules block (one function blocking a rule does not
    # hide another function that only one door blocks for it)
    assert cli_by_resource == hook_by_resource

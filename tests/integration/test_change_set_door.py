"""The CHANGE_SET door answers as the STACK and RESOURCE doors do for the same stack.

template.yml enables CHANGE_SET invocations, so a non-compliant change set fails when it is created.
Here the change set is real: ``CreateChangeSet`` against moto's server, its changes read back with
``DescribeChangeSet`` and its template with ``GetTemplate``. The payload is what CloudFormation
sends (the hooks guide's CHANGE_SET shape): the template as submitted, and each changed resource
with an ``afterContext`` JSON string in which every scalar is a string. moto does not return the
property values of a change (``IncludePropertyValues``), so they are the template's, resolved as
the CLI resolves them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hook.cli.adapters.template import load_targets
from hook.core.model import ResourceTarget
from hook.handler import lambda_handler
from hook.sources import clear_caches
from tests.helpers import LambdaContext, stringified

ROOT = Path(__file__).resolve().parents[2]
# The sample stacks CloudFormation can create as they are (the SAM ones need the transform, which
# moto's change sets do not run).
TEMPLATES = [p for p in sorted((ROOT / "sample" / "templates").glob("*.yaml")) if "Transform" not in p.read_text()]
ACCOUNT = "123456789012"


def blocking(answer: dict[str, Any]) -> set[str]:
    return {a["annotationName"] for a in answer.get("annotations", []) if a["status"] == "FAILED"
            and not a["statusMessage"].startswith(("warning", "exempted"))}


def presign(s3: Any, key: str, body: dict[str, Any]) -> str:
    s3.put_object(Bucket="payloads", Key=key, Body=json.dumps(body))
    return str(s3.generate_presigned_url("get_object", Params={"Bucket": "payloads", "Key": key}))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_change_set_door_agrees_with_stack_and_resource_doors(path: Path, aws_client: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHOOK_POLICY", str(ROOT / "policies" / "default.policy.yaml"))
    monkeypatch.setenv("GOVHOOK_ALLOW_LOOPBACK_PAYLOAD", "1")
    clear_caches()
    cfn, s3 = aws_client("cloudformation"), aws_client("s3")
    s3.create_bucket(Bucket="payloads")
    stack = f"cs-{path.stem}"
    # GIVEN a real change set for a new stack from the sample template
    created = cfn.create_change_set(StackName=stack, ChangeSetName="first", ChangeSetType="CREATE",
                                    TemplateBody=path.read_text(), Capabilities=["CAPABILITY_IAM"])
    change_set_arn, stack_id = created["Id"], created["StackId"]
    desc = cfn.describe_change_set(ChangeSetName=change_set_arn)
    changes = [c["ResourceChange"] for c in desc["Changes"] if c.get("Type") == "Resource"]
    submitted = cfn.get_template(StackName=stack, ChangeSetName=change_set_arn)["TemplateBody"]
    submitted = submitted if isinstance(submitted, str) else json.dumps(submitted)
    if submitted.strip() in ("", "{}"):
        # moto's GetTemplate answers {} for some templates (api-sqs.yaml); CloudFormation's payload
        # carries the template as submitted, and an empty one now fails closed (issue 11 item 3).
        submitted = path.read_text()
    resolved = {t.logical_id: t for t in load_targets(str(path)).targets if isinstance(t, ResourceTarget)}
    assert {c["LogicalResourceId"] for c in changes} == set(resolved) and all(c["Action"] == "Add" for c in changes)
    envelope = {"clientRequestToken": "cs-1", "awsAccountId": ACCOUNT, "stackId": stack_id,
                "hookTypeName": "Private::Lambda::GovernanceTemplate", "actionInvocationPoint": "CREATE_PRE_PROVISION"}
    changed = [{"action": "CREATE", "logicalResourceId": c["LogicalResourceId"], "resourceType": c["ResourceType"],
                "lineNumber": 0, "beforeContext": None,
                "afterContext": json.dumps({"Properties": stringified(dict(resolved[c["LogicalResourceId"]].properties))})}
               for c in changes]
    # WHEN the CHANGE_SET door is asked, with every scalar of every change a string
    change_set = lambda_handler({**envelope, "changeSetId": change_set_arn, "requestData": {
        "targetName": "CHANGE_SET", "targetType": "CHANGE_SET", "targetLogicalId": change_set_arn,
        "payload": presign(s3, "cs.json", {"template": submitted, "changedResources": changed})}}, LambdaContext())
    # AND the STACK door, and the RESOURCE door once per resource, for the same stack
    answers = [lambda_handler({**envelope, "requestData": {
        "targetName": "STACK", "targetType": "STACK", "targetLogicalId": stack,
        "payload": presign(s3, "stack.json", {"template": submitted, "previousTemplate": ""})}}, LambdaContext())]
    for c in changed:
        answers.append(lambda_handler({**envelope, "requestData": {
            "targetName": c["resourceType"], "targetType": c["resourceType"], "targetLogicalId": c["logicalResourceId"],
            "targetModel": {"resourceProperties": json.loads(c["afterContext"])["Properties"]}}}, LambdaContext()))
    # THEN the change set is failed exactly when one of them fails, for the same rules
    assert change_set["hookStatus"] in ("SUCCESS", "FAILED"), change_set
    assert (change_set["hookStatus"] == "FAILED") == any(a["hookStatus"] == "FAILED" for a in answers), (change_set, answers)
    assert change_set.get("errorCode") in (None, "NonCompliant"), change_set["message"]
    assert blocking(change_set) == set().union(*(blocking(a) for a in answers))
    if path.name == "hello-noncompliant.yaml":  # the case the change-set door exists for
        assert change_set["hookStatus"] == "FAILED" and "lambda.runtime-allowed" in blocking(change_set)

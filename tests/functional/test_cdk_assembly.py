"""govhook check on a CDK cloud assembly: stacks, Stages, nested stacks, construct paths in every
format, construct-path overrides, and exemption requests (Metadata and CDK acknowledge) decided by
the policy, the same through the CLI and the handler."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hook.cli import main
from hook.cli.adapters.cdk import load_assembly
from hook.core.model import ResourceTarget
from hook.core.values import OfflineValues
from hook.sdk import OfflineAccount
from tests.functional import cdk_assembly

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "default.policy.yaml")
TODAY = "2026-12-01"


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = main(["check", "--policy", POLICY, "--today", TODAY, *args])
    out, err = capsys.readouterr()
    try:
        return code, json.loads(out), err
    except ValueError:
        return code, out, err


def by_rule(doc: dict[str, Any], disposition: str) -> set[tuple[str, str | None, str | None]]:
    return {(f["rule_id"], f["logical_id"], f["construct_path"]) for f in doc["findings"]
            if f["disposition"] == disposition}


def test_every_stack_of_the_assembly_with_the_manifest_name_environment_and_nested_stacks(tmp_path: Path) -> None:
    # GIVEN an assembly with a stack, a nested stack, a Stage with a legacy-synthesizer stack and its nested stack
    out = cdk_assembly.write(tmp_path)
    # WHEN it is read
    stacks = load_assembly(str(out))
    # THEN every stack is there, named as CloudFormation will name it, in its environment
    names = [s.stack_name for s in stacks]
    assert names == ["Prod-Api", "Prod-Api-Inner", "orders-prod", "orders-prod-NestedNestedStackResource"]
    orders = next(s for s in stacks if s.stack_name == "orders-prod")
    fn = next(t for t in orders.targets if isinstance(t, ResourceTarget) and t.logical_id == "Handler886CB40B")
    assert (fn.account_id, fn.region, fn.construct_path) == ("111111111111", "eu-west-1", "Orders/Handler/Resource")
    api = next(s for s in stacks if s.stack_name == "Prod-Api")
    api_fn = next(t for t in api.targets if isinstance(t, ResourceTarget))
    assert api_fn.region == "us-east-1"  # unknown-region: the default
    assert api_fn.properties["Code"]["S3Bucket"].reason.startswith("parameter AssetParametersabcS3Bucket")


def test_check_of_the_assembly_blocks_with_construct_paths_and_never_exits_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = cdk_assembly.write(tmp_path)
    code, doc, err = check(capsys, "--format", "json", str(out))
    assert code == 1 and err == ""
    blocking = by_rule(doc, "blocking")
    assert ("lambda.runtime-allowed", "Handler886CB40B", "Orders/Handler/Resource") in blocking
    assert ("lambda.runtime-supported", "Worker", "Orders/Nested/Worker/Resource") in blocking
    assert ("lambda.runtime-supported", "Job", "Prod/Api/Inner/Job/Resource") in blocking
    stacks = {f["stack_name"] for f in doc["findings"]}
    assert stacks == {"orders-prod", "orders-prod-NestedNestedStackResource", "Prod-Api", "Prod-Api-Inner"}
    assert len(doc["files"]) == 4


def test_the_cdk_framework_function_warns_where_the_same_setting_blocks_a_user_function(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN LogRetention on nodejs24.x with a 900 s timeout (CDK's choice), matched by construct path
    out = cdk_assembly.write(tmp_path)
    _, doc, _ = check(capsys, "--format", "json", str(out / "Orders.template.json"))
    lr = f"{cdk_assembly.LOG_RETENTION}FD4BFC8A"
    warned = {f["rule_id"]: f for f in doc["findings"] if f["logical_id"] == lr and f["disposition"] == "warning"}
    # THEN the override downgrades it and says why; nothing of it blocks
    assert "lambda.timeout-within-bounds" in warned
    assert "CDK framework function" in warned["lambda.timeout-within-bounds"]["downgraded_by"]
    assert not [f for f in doc["findings"] if f["logical_id"] == lr and f["disposition"] == "blocking"
                and f["rule_id"] in ("lambda.runtime-allowed", "lambda.timeout-within-bounds")]
    # a single template of an assembly is read with its manifest: the stack name and construct paths
    assert {f["stack_name"] for f in doc["findings"]} == {"orders-prod", "orders-prod-NestedNestedStackResource"}


def test_construct_paths_come_from_the_manifest_when_the_template_has_no_path_metadata(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = cdk_assembly.write(tmp_path, path_metadata=False)
    _, doc, _ = check(capsys, "--format", "json", str(out / "Orders.template.json"))
    assert ("lambda.runtime-allowed", "Handler886CB40B", "Orders/Handler/Resource") in by_rule(doc, "blocking")


def test_every_format_names_the_construct_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(cdk_assembly.write(tmp_path) / "Orders.template.json")
    _, text, _ = check(capsys, out)
    assert "Handler886CB40B (AWS::Lambda::Function)  construct Orders/Handler/Resource" in text
    _, sarif, _ = check(capsys, "--format", "sarif", out)
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "lambda.runtime-allowed"
                  and r["locations"][0]["logicalLocations"][0]["name"] == "Handler886CB40B")
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "Orders/Handler/Resource"
    _, xml, _ = check(capsys, "--format", "junit", out)
    names = {c.get("name") for c in ET.fromstring(xml).iter("testcase")}
    assert "Handler886CB40B (Orders/Handler/Resource) lambda.runtime-allowed" in names


def test_an_acknowledgement_is_accepted_where_the_policy_allows_requests(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN Validations.of(handler).acknowledge(id="govhook::lambda.memory-within-bounds", ...) with an expiry
    out = cdk_assembly.write(tmp_path, ack={
        "govhook::lambda.memory-within-bounds": "the nightly batch needs 4 GB, PLAT-12, expires 2027-03-31",
        "govhook::lambda.runtime-allowed": "we will upgrade soon, PLAT-13, expires 2027-01-31",
        "CloudFormation-Validate::W2531": "not ours"})
    code, doc, _ = check(capsys, "--format", "json", str(out))
    assert code == 1
    exempted = [f for f in doc["findings"] if f["disposition"] == "exempted"]
    assert [(f["rule_id"], f["logical_id"]) for f in exempted] == [("lambda.memory-within-bounds", "Handler886CB40B")]
    assert exempted[0]["exemption"] == {"id": "request (CDK acknowledge at Orders/Handler)",
                                        "reason": "the nightly batch needs 4 GB, PLAT-12, expires 2027-03-31",
                                        "expires": "2027-03-31"}
    assert doc["summary"]["exempted"] == 1
    # AND the one for a rule that denies requests is refused, in the finding and in a note
    refused = next(f for f in doc["findings"] if f["rule_id"] == "lambda.runtime-allowed"
                   and f["logical_id"] == "Handler886CB40B")
    assert refused["disposition"] == "blocking"
    assert "exemption request refused: the policy does not accept exemption requests" in refused["message"]
    assert any("CDK acknowledge at Orders/Handler" in n and "refused" in n for n in doc["notes"])


@pytest.mark.parametrize(("entry", "refusal"), [
    ({"rule": "lambda.memory-within-bounds", "reason": "batch needs 4 GB, PLAT-12"}, "requires an expiry date"),
    ({"rule": "lambda.memory-within-bounds", "reason": "short", "expires": "2027-01-01"}, "a reason of at least"),
    ({"rule": "lambda.memory-within-bounds", "reason": "batch needs 4 GB, PLAT-12", "expires": "2026-11-30"},
     "it expired on 2026-11-30"),
    ({"rule": "lambda.memory-within-bounds", "reason": "batch needs 4 GB, PLAT-12", "expires": "2028-01-01"},
     "more than the policy's 180 days"),
    ({"rule": "lambda.memory-within-bounds", "reason": "batch needs 4 GB, PLAT-12", "expires": "2027-01-15"}, None),
])
def test_metadata_requests_are_held_to_the_policy(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: dict[str, str], refusal: str | None) -> None:
    out = cdk_assembly.write(tmp_path, handler_metadata={"govhook": {"exempt": [entry]}})
    _, doc, _ = check(capsys, "--format", "json", str(out / "Orders.template.json"))
    memory = next(f for f in doc["findings"] if f["rule_id"] == "lambda.memory-within-bounds")
    if refusal is None:
        assert memory["disposition"] == "exempted" and memory["exemption"]["expires"] == "2027-01-15"
    else:
        assert memory["disposition"] == "blocking" and refusal in memory["message"]


STACK_POLICY = """
version: 1
requests: {require_reason: true}
rules:
  lambda.reserved-concurrency-stack-budget: {params: {budget: 100}, requests: allow}
  lambda.runtime-allowed: {params: {allowed: [python3.13]}}
"""

TEMPLATE = {
    "Metadata": {"govhook": {"exempt": [
        {"rule": "lambda.reserved-concurrency-stack-budget", "reason": "launch week load, PLAT-7"}]}},
    "Resources": {
        "A": {"Type": "AWS::Lambda::Function",
              "Properties": {"Runtime": "python3.12", "ReservedConcurrentExecutions": 80,
                             "Code": {"ZipFile": "x"}, "Handler": "i.h", "Role": "arn:aws:iam::1:role/r"},
              "Metadata": {"govhook": {"exempt": [
                  {"rule": "lambda.runtime-allowed", "reason": "vendor layer needs 3.12, PLAT-8"}]}}},
        "B": {"Type": "AWS::Lambda::Function",
              "Properties": {"Runtime": "python3.13", "ReservedConcurrentExecutions": 80,
                             "Code": {"ZipFile": "x"}, "Handler": "i.h", "Role": "arn:aws:iam::1:role/r"}},
    }
}


def test_the_cli_and_the_stack_hook_decide_a_metadata_request_alike(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from hook.handler import handle
    from hook.sources import clear_caches

    # GIVEN a template whose resource asks for two exemptions: the policy allows one and refuses the other
    policy = tmp_path / "p.policy.yaml"
    policy.write_text(STACK_POLICY)
    template = tmp_path / "app.template.json"
    template.write_text(json.dumps(TEMPLATE))
    # WHEN the CLI checks it
    code = main(["check", "--policy", str(policy), "--format", "json", "--stack-name", "app", str(template)])
    doc = json.loads(capsys.readouterr().out)
    # THEN the stack rule's request is accepted, the resource rule's refused (requests: deny by default)
    cli = {(f["rule_id"], f["disposition"]) for f in doc["findings"] if f["outcome"] == "FAIL"}
    assert cli == {("lambda.reserved-concurrency-stack-budget", "exempted"), ("lambda.runtime-allowed", "blocking")}
    assert code == 1
    # AND the STACK hook, given the same template as its payload, exempts the stack rule the same way
    monkeypatch.setenv("GOVHOOK_POLICY", str(policy))
    clear_caches()
    fetch: Callable[[str], bytes] = lambda url: json.dumps({"template": json.dumps(TEMPLATE)}).encode()  # noqa: E731
    event = {"clientRequestToken": "t", "awsAccountId": "123456789012",
             "stackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/app/1",
             "actionInvocationPoint": "CREATE_PRE_PROVISION",
             "requestData": {"targetName": "STACK", "targetType": "STACK", "targetLogicalId": "app",
                             "payload": "https://bucket.s3.amazonaws.com/p"}}
    response = handle(event, None, fetch=fetch, observe=False)
    assert response["hookStatus"] == "SUCCESS", response["message"]
    assert response["message"].startswith("1 exempted") and "Metadata govhook.exempt" in response["message"]
    # AND the RESOURCE hook blocks A's runtime as the CLI does (requests: deny for that rule)
    resource = {**event, "requestData": {"targetName": "AWS::Lambda::Function", "targetType": "AWS::Lambda::Function",
                                         "targetLogicalId": "A",
                                         "targetModel": {"resourceProperties": TEMPLATE["Resources"]["A"]["Properties"]}}}
    response = handle(resource, None, observe=False)
    assert response["hookStatus"] == "FAILED" and "[lambda.runtime-allowed] A" in response["message"]


def test_policy_validate_reports_bad_overrides_and_request_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.policy.yaml"
    bad.write_text("version: 1\nrequests: {max_days: 0}\nrules:\n  lambda.runtime-allowed:\n"
                   "    requests: maybe\n    overrides: [{constructs: ['*/X/*'], mode: warn}]\n")
    assert main(["policy", "validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "requests.max_days" in err and "rules.lambda.runtime-allowed.requests" in err
    assert "overrides[0]" in err and "reason" in err


def test_a_resource_hook_reads_the_construct_path_and_requests_from_the_stack_template(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hook.handler import handle
    from hook.sources import clear_caches

    # GIVEN the deployed hook's RESOURCE invocations for CDK's LogRetention function and the user's
    # function (CloudFormation sends the properties only, never the Metadata)
    out = cdk_assembly.write(tmp_path, handler_metadata={"govhook": {"exempt": [
        {"rule": "lambda.memory-within-bounds", "reason": "PDF rendering peaks at 3.5 GB, PLAT-12",
         "expires": "2026-12-31"}]}})
    template = json.loads((out / "Orders.template.json").read_text())
    monkeypatch.setenv("GOVHOOK_POLICY", POLICY)
    clear_caches()
    stack_id = "arn:aws:cloudformation:eu-west-1:111111111111:stack/orders-prod/1"
    read: list[str] = []

    def stack_template(sid: str) -> dict[str, Any]:
        read.append(sid)
        return template

    def event(logical_id: str) -> dict[str, Any]:
        props = dict(template["Resources"][logical_id]["Properties"])
        props["Role"] = "arn:aws:iam::111111111111:role/orders-" + logical_id
        return {"clientRequestToken": "t", "awsAccountId": "111111111111", "stackId": stack_id,
                "actionInvocationPoint": "CREATE_PRE_PROVISION",
                "requestData": {"targetName": "AWS::Lambda::Function", "targetType": "AWS::Lambda::Function",
                                "targetLogicalId": logical_id, "targetModel": {"resourceProperties": props}}}

    lr = f"{cdk_assembly.LOG_RETENTION}FD4BFC8A"
    offline: dict[str, Any] = {"observe": False, "values": OfflineValues(), "account": OfflineAccount()}
    # WHEN it is invoked without reading the template, LogRetention's runtime blocks
    assert handle(event(lr), None, **offline)["hookStatus"] == "FAILED"
    # THEN with the template, the construct path makes it a warning, as in govhook check
    response = handle(event(lr), None, **offline, stack_template=stack_template)
    assert response["hookStatus"] == "SUCCESS", response["message"]
    assert read == [stack_id]
    # AND the user's function: the memory request is accepted, the runtime still blocks
    response = handle(event("Handler886CB40B"), None, **offline, stack_template=stack_template)
    failed = {a["annotationName"] for a in response["annotations"] if a["status"] == "FAILED"}
    assert response["hookStatus"] == "FAILED" and "lambda.runtime-allowed" in failed
    assert "exempted (request (Metadata govhook.exempt of Handler886CB40B)) [lambda.memory-within-bounds]" \
        in response["message"]


def test_a_template_that_cannot_be_read_leaves_the_decision_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3
    from botocore.stub import Stubber

    from hook.sources.stack_template import StackTemplateError, get_stack_template

    cfn = boto3.client("cloudformation", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(cfn) as stub:
        stub.add_response("get_template", {"TemplateBody": '{"Resources": {"A": {"Type": "AWS::SQS::Queue"}}}',
                                           "StagesAvailable": ["Original", "Processed"]},
                          {"StackName": "arn:s", "TemplateStage": "Original"})
        stub.add_client_error("get_template", "AccessDenied", "User is not authorized to perform: "
                              "cloudformation:GetTemplate", 403)
        assert get_stack_template("arn:s", cfn)["Resources"]["A"]["Type"] == "AWS::SQS::Queue"
        with pytest.raises(StackTemplateError, match="GetTemplate failed: AccessDenied"):
            get_stack_template("arn:s", cfn)

"""template.yml's hooks: which invocations they get, who may use their role, what they leave out.

Each test here reads template.yml (and the default policy) as data; the handler runs in process.
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest

from hook.core.policy import load_policy
from hook.core.registry import default_registry
from hook.core.values import OfflineValues
from hook.handler import handle
from hook.inputs.yamlcfn import load_template_text
from hook.sdk import OfflineAccount
from hook.sources import clear_caches

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_TYPES = {"AWS::Lambda::Function", "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::Lambda::Permission",
                "AWS::Lambda::Url", "AWS::Lambda::EventSourceMapping", "AWS::Lambda::EventInvokeConfig",
                "AWS::Lambda::LayerVersion", "AWS::Lambda::LayerVersionPermission"}
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "111122223333",
          "AWS::StackName": "govhook"}


def template() -> dict[str, Any]:
    return load_template_text((ROOT / "template.yml").read_text(), "template.yml")


def resolve(value: Any, params: dict[str, str]) -> Any:
    """Enough of CloudFormation's intrinsics for the role's conditions: Ref, Fn::Sub, Fn::Join, Fn::Split."""
    if isinstance(value, list):
        return [resolve(v, params) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return {**PSEUDO, **params}[value["Ref"]]
    if set(value) == {"Fn::Join"}:
        sep, items = value["Fn::Join"]
        return sep.join(resolve(items, params))
    if set(value) == {"Fn::Split"}:
        sep, text = value["Fn::Split"]
        return resolve(text, params).split(sep)
    if set(value) == {"Fn::Sub"}:
        arg = value["Fn::Sub"]
        text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], {k: resolve(v, params) for k, v in arg[1].items()})
        for name, val in {**PSEUDO, **params, **extra}.items():
            text = text.replace("${" + name + "}", str(val))
        assert "${" not in text, text
        return text
    return {k: resolve(v, params) for k, v in value.items()}


def defaults() -> dict[str, str]:
    return {k: str(v.get("Default", "")) for k, v in template()["Parameters"].items()}


def type_arn(alias: str) -> str:
    # What CloudFormation names a hook type: arn:...:type/hook/<alias with "::" as "-">
    return f"arn:aws:cloudformation:eu-west-1:111122223333:type/hook/{alias.replace('::', '-')}"


def hooks() -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in template()["Resources"].items()
            if r["Type"] == "AWS::CloudFormation::LambdaHook"}


def test_change_sets_and_cloud_control_are_governed_and_stack_rules_always_run() -> None:
    # GIVEN the template's hooks
    by_op = {op: name for name, props in hooks().items() for op in props["TargetOperations"]}
    # THEN every kind of invocation the handler answers is enabled, each exactly once
    assert sorted(by_op) == ["CHANGE_SET", "CLOUD_CONTROL", "RESOURCE", "STACK"]
    assert sum(len(p["TargetOperations"]) for p in hooks().values()) == 4
    resource = hooks()[by_op["RESOURCE"]]
    stack = hooks()[by_op["STACK"]]
    # AND the resource hook is filtered to the Lambda types, for CloudFormation and Cloud Control alike
    assert by_op["CLOUD_CONTROL"] == by_op["RESOURCE"]
    assert set(resource["TargetFilters"]["TargetNames"]) == LAMBDA_TYPES
    # AND the hook that gets templates and change sets has no type-name filter, so whatever
    # CloudFormation does with TargetNames on STACK and CHANGE_SET invocations, it is called
    assert by_op["CHANGE_SET"] == by_op["STACK"]
    assert "TargetNames" not in stack["TargetFilters"] and "Targets" not in stack["TargetFilters"]
    assert "CREATE" in stack["TargetFilters"]["Actions"]  # the only action a change set has
    for props in hooks().values():
        assert props["FailureMode"] == {"Ref": "FailureMode"}
        assert props["LambdaFunction"] == {"Fn::GetAtt": ["HookFunction", "Arn"]}
        assert props["TargetFilters"]["InvocationPoints"] == ["PRE_PROVISION"]
        # AND each excludes exactly the governance stack, by its own name
        assert props["StackFilters"]["StackNames"] == {"Exclude": [{"Ref": "AWS::StackName"}]}
    # AND both hook ARNs are outputs (the rollout report and results read them)
    outputs = template()["Outputs"]
    assert {outputs["HookArn"]["Value"]["Ref"], outputs["TemplateHookArn"]["Value"]["Ref"]} == set(hooks())


def trust_allows(source_arn: str, params: dict[str, str] | None = None) -> bool:
    res = template()["Resources"]["HookInvokerRole"]["Properties"]
    (statement,) = res["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "hooks.cloudformation.amazonaws.com"}
    cond = resolve(statement["Condition"], {**defaults(), **(params or {})})
    assert set(cond) == {"StringEquals", "StringLike"}
    if cond["StringEquals"] != {"aws:SourceAccount": "111122223333"}:
        return False
    patterns = cond["StringLike"]["aws:SourceArn"]
    return any(fnmatch.fnmatchcase(source_arn, p) for p in ([patterns] if isinstance(patterns, str) else patterns))


def test_the_invoker_role_trusts_only_govhooks_hooks() -> None:
    # GIVEN the hook aliases (defaults, and others a team may choose)
    for params in ({}, {"HookAlias": "Acme::Lambda::Policy", "TemplateHookAlias": "Acme::Lambda::Templates"}):
        aliases = {**defaults(), **params}
        ours = [type_arn(aliases["HookAlias"]), type_arn(aliases["TemplateHookAlias"])]
        # THEN both of govhook's hooks may assume the role, by type ARN or version ARN
        for arn in ours:
            assert trust_allows(arn, params), arn
            assert trust_allows(arn + "/00000001", params), arn
        # AND no other hook in the account can (the confused deputy the old trust allowed)
        for other in ("Private::Lambda::Other", "Private::Guard::Governance", "Private::Lambda::Governance2"):
            if other not in (aliases["HookAlias"], aliases["TemplateHookAlias"]):
                assert not trust_allows(type_arn(other), params), other
        assert not trust_allows(ours[0].replace("111122223333", "444455556666"), params)


def test_no_stack_escapes_governance_by_its_name() -> None:
    # GIVEN the shipped policies
    for name in ("default", "strict"):
        policy = load_policy(str(ROOT / "policies" / f"{name}.policy.yaml"), default_registry())
        # THEN a team's stack named like the governance stack is governed like any other
        for stack in ("govhook-payments", "govhook", "StackSet-govhook-1a2b", "payments"):
            assert policy.scope.covers_stack(stack), (name, stack)


def ask(event: dict[str, Any]) -> dict[str, Any]:
    """The handler as deployed, with SSM values at their policy defaults and account facts unknown."""
    return handle(event, None, values=OfflineValues(), account=OfflineAccount(), observe=False)


def resource_event(stack_id: str | None, props: dict[str, Any], logical: str = "Fn") -> dict[str, Any]:
    event: dict[str, Any] = {
        "clientRequestToken": "t-1", "awsAccountId": "111122223333",
        "actionInvocationPoint": "CREATE_PRE_PROVISION",
        "requestData": {"targetName": "AWS::Lambda::Function", "targetType": "AWS::Lambda::Function",
                        "targetLogicalId": logical, "targetModel": {"resourceProperties": props}},
    }
    if stack_id:
        event["stackId"] = stack_id
    return event


@pytest.fixture()
def default_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHOOK_POLICY", str(ROOT / "policies" / "default.policy.yaml"))
    clear_caches()


def test_a_stack_named_govhook_star_is_blocked_like_any_other(default_policy: None) -> None:
    # GIVEN a non-compliant function in a team's stack named govhook-payments
    props = {"Runtime": "nodejs18.x", "Handler": "index.handler", "Role": "arn:aws:iam::111122223333:role/r",
             "Code": {"S3Bucket": "b", "S3Key": "k"}, "Timeout": "10", "MemorySize": "256"}
    stack_id = "arn:aws:cloudformation:eu-west-1:111122223333:stack/govhook-payments/6f1d2a80"
    # WHEN the hook is asked
    answer = ask(resource_event(stack_id, props))
    # THEN it blocks, naming the rule (the old govhook-* exclusion answered SUCCESS)
    assert answer["hookStatus"] == "FAILED" and answer["errorCode"] == "NonCompliant", answer
    assert "lambda.runtime-allowed" in answer["message"]


def test_cloud_control_on_the_governance_function_itself_is_not_locked_out(default_policy: None) -> None:
    # GIVEN the hook function as template.yml defines it, resolved as Cloud Control would receive it
    # (Cloud Control ignores stack filters, so the governance stack's exclusion does not apply)
    fn = template()["Resources"]["HookFunction"]["Properties"]
    props = json.loads(json.dumps(fn, default=str))
    props.update(FunctionName="govhook-hook", Role="arn:aws:iam::111122223333:role/govhook-HookFunctionRole-1",
                 Code={"S3Bucket": "govhook-artifacts-111122223333-eu-west-1", "S3Key": "govhook/abc.zip"},
                 Environment={"Variables": {"GOVHOOK_POLICY": "ssm:/govhook/policy", "GOVHOOK_CACHE_SECONDS": "300",
                                            "POWERTOOLS_SERVICE_NAME": "govhook",
                                            "POWERTOOLS_METRICS_NAMESPACE": "govhook",
                                            "POWERTOOLS_LOG_LEVEL": "INFO"}},
                 LoggingConfig={**fn["LoggingConfig"], "LogGroup": "/aws/lambda/govhook-hook"})
    props = {k: (str(v) if isinstance(v, int) else v) for k, v in props.items()}
    # WHEN an update of it arrives through the Cloud Control API (no stack id)
    answer = ask(resource_event(None, props, logical="govhook-hook"))
    # THEN the default policy lets it through, and the answer fits Cloud Control's limit
    assert answer["hookStatus"] == "SUCCESS", answer
    assert len(answer.get("message", "")) <= 1024

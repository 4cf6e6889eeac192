"""Real CDK synthesis (aws-cdk-lib from PyPI, offline) of sample/cdk with GovhookPlugin: the
plugin's report, the acknowledgement path, and the same decision from `govhook check cdk.out`
and from the handler on the same stacks (RESOURCE events from the synthesized resources, a STACK
event with the template as payload). Slow: two synths of ~30 s, and the install on first run."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from hook.cli import main
from tests.integration import cdk_env

pytestmark = pytest.mark.slow

APP = cdk_env.ROOT / "sample" / "cdk"
POLICY = str(cdk_env.ROOT / "policies" / "default.policy.yaml")
LEGACY_FN = "OrdersLegacy/Handler/Resource"
LOG_RETENTION = "OrdersLegacy/LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a/Resource"


@pytest.fixture(scope="session")
def site(request: pytest.FixtureRequest) -> Path:
    return cdk_env.python_cdk(request.config)


@pytest.fixture(scope="session")
def synthesized(site: Path, tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[tuple[Any, Path]]:
    """One synth per test run, whichever worker (pytest -n) asks first: the others wait on the lock
    and read its assembly and its result (the pattern pytest-xdist documents for session fixtures)."""
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent  # shared by this run's workers
    out, saved = root / "cdk-synth" / "cdk.out", root / "cdk-synth" / "result.json"
    with cdk_env.locked(root / "cdk-synth.lock"):
        if saved.exists():
            done = json.loads(saved.read_text())
            result = subprocess.CompletedProcess(done["args"], done["returncode"], done["stdout"], done["stderr"])
        else:
            expires = (date.today() + timedelta(days=60)).isoformat()
            result = cdk_env.synth_python(site, APP, out, {"govhook:policy": POLICY, "govhook:expires": expires})
            saved.write_text(json.dumps({"args": result.args, "returncode": result.returncode,
                                         "stdout": result.stdout, "stderr": result.stderr}))
    yield result, out


def test_the_plugin_fails_synth_on_the_noncompliant_stack_with_rule_ids_and_construct_paths(
        synthesized: tuple[Any, Path]) -> None:
    result, out = synthesized
    # THEN synth fails, and CDK's report holds govhook's verdict
    assert result.returncode != 0, result.stderr[-2000:]
    assert "Validation failed" in result.stderr
    report = cdk_env.plugin_report(out)
    assert report["conclusion"] == "failure"
    blocking = cdk_env.violations(report, "error", "fatal")
    assert blocking == {("lambda.runtime-allowed", LEGACY_FN), ("lambda.runtime-supported", LEGACY_FN)}
    # the compliant stack has nothing that blocks; the framework function only warns (policy override)
    assert not {v for v in cdk_env.violations(report, "error", "fatal", "warning") if v[1].startswith("OrdersApi/")}
    warned = cdk_env.violations(report, "warning")
    assert {("lambda.timeout-within-bounds", LOG_RETENTION)} <= warned
    # messages, fixes and property paths as govhook says them
    runtime = next(v for v in report["violations"] if v["ruleName"] == "lambda.runtime-allowed" and v["severity"] == "fatal")
    assert runtime["description"].startswith("runtime 'nodejs18.x' is not allowed")
    assert runtime["suggestedFix"].startswith("Set Runtime to nodejs24.x")
    assert runtime["violatingConstructs"][0]["cloudFormationResource"]["propertyPaths"] == ["Properties/Runtime"]


def test_the_acknowledgements_are_decided_by_the_policy(synthesized: tuple[Any, Path]) -> None:
    _, out = synthesized
    report = cdk_env.plugin_report(out)
    # accepted: lambda.memory-within-bounds allows requests; CDK lists it as acknowledged, with the reason
    suppressed = {(v["ruleName"], v["severity"]): v for v in report.get("suppressedViolations", [])}
    memory = suppressed[("lambda.memory-within-bounds", "info")]
    assert "PDF rendering peaks at 3.5 GB" in memory["description"]
    assert "exempted by request" in memory["description"]
    # refused: lambda.runtime-allowed accepts none; it is fatal, so CDK's acknowledge cannot hide it
    runtime = next(v for v in report["violations"] if v["ruleName"] == "lambda.runtime-allowed" and v["severity"] == "fatal")
    assert "exemption request refused: the policy does not accept exemption requests" in runtime["description"]


def test_govhook_check_of_the_assembly_agrees_with_the_plugin(
        synthesized: tuple[Any, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, out = synthesized
    report = cdk_env.plugin_report(out)
    code = main(["check", "--policy", POLICY, "--format", "json", str(out)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    cli_blocking = {(f["rule_id"], f["construct_path"]) for f in doc["findings"] if f["disposition"] == "blocking"}
    assert cli_blocking == cdk_env.violations(report, "error", "fatal")
    exempted = {(f["rule_id"], f["construct_path"], f["stack_name"]) for f in doc["findings"] if f["disposition"] == "exempted"}
    assert exempted == {("lambda.memory-within-bounds", LEGACY_FN, "orders-legacy")}
    assert {f["stack_name"] for f in doc["findings"]} == {"orders-api", "orders-legacy"}


def _resolved(value: Any) -> Any:
    """Properties as a RESOURCE event carries them: intrinsics resolved (here: to plausible strings)."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref")):
            return "arn:aws:iam::111111111111:role/resolved-by-cloudformation"
        return {k: _resolved(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v) for v in value]
    return value


def _blocking(response: dict[str, Any], ids: set[str]) -> set[str]:
    out = set()
    for a in response.get("annotations", []):
        if a["status"] != "FAILED":
            continue
        message = a["statusMessage"]
        if any(message.startswith(f"{i}: ") or f"; {i}: " in message for i in ids):
            out.add(a["annotationName"])
    return out


def test_the_handler_agrees_on_the_same_stacks(
        synthesized: tuple[Any, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from hook.core.values import OfflineValues
    from hook.handler import handle
    from hook.sdk import OfflineAccount
    from hook.sources import clear_caches

    _, out = synthesized
    main(["check", "--policy", POLICY, "--format", "json", str(out)])
    doc = json.loads(capsys.readouterr().out)
    monkeypatch.setenv("GOVHOOK_POLICY", POLICY)
    clear_caches()
    for name, file in (("orders-api", "OrdersApi.template.json"), ("orders-legacy", "OrdersLegacy.template.json")):
        template = json.loads((out / file).read_text())
        stack_id = f"arn:aws:cloudformation:eu-west-1:111111111111:stack/{name}/1"
        base = {"clientRequestToken": "t", "awsAccountId": "111111111111", "stackId": stack_id,
                "actionInvocationPoint": "CREATE_PRE_PROVISION"}
        kw: dict[str, Any] = {"observe": False, "values": OfflineValues(), "account": OfflineAccount(),
                              "stack_template": lambda _sid, t=template: t}
        hook_blocking: set[str] = set()
        for lid, res in template["Resources"].items():
            if not res["Type"].startswith("AWS::Lambda::"):
                continue
            event = {**base, "requestData": {"targetName": res["Type"], "targetType": res["Type"], "targetLogicalId": lid,
                                             "targetModel": {"resourceProperties": _resolved(res.get("Properties", {}))}}}
            hook_blocking |= _blocking(handle(event, None, **kw), {lid})
        payload = json.dumps({"template": json.dumps(template), "previousTemplate": ""}).encode()
        stack_event = {**base, "requestData": {"targetName": "STACK", "targetType": "STACK", "targetLogicalId": name,
                                               "payload": "https://b.s3.amazonaws.com/p"}}
        hook_blocking |= _blocking(handle(stack_event, None, fetch=lambda _u, p=payload: p, **kw),
                                   set(template["Resources"]) | {"stack"})
        cli_blocking = {f["rule_id"] for f in doc["findings"] if f["disposition"] == "blocking" and f["stack_name"] == name}
        assert hook_blocking == cli_blocking, name


def test_the_compliant_app_synthesizes(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    result = cdk_env.synth_python(site, APP, out, {"govhook:policy": POLICY, "only": "compliant"})
    assert result.returncode == 0, result.stderr[-2000:]
    # CDK leaves out of its report a plugin that found nothing; one that failed to run is reported
    doc = json.loads((out / "validation-report.json").read_text())
    assert [r for r in doc["pluginReports"] if r["pluginName"] == "govhook"] == []
    assert (out / "OrdersApi.template.json").exists() and not (out / "OrdersLegacy.template.json").exists()


def test_a_handwritten_assembly_with_a_stage_a_nested_stack_and_asset_parameters_is_checked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.functional import cdk_assembly

    out = cdk_assembly.write(tmp_path)
    code = main(["check", "--policy", POLICY, str(out)])
    text = capsys.readouterr().out
    assert code == 1 and "Prod/Api/Inner/Job/Resource" in text and "construct Orders/Nested/Worker/Resource" in text

"""The TypeScript/JavaScript wrapper (integrations/cdk-ts, npm package govhook-cdk) in a real CDK
app synthesized with npm's aws-cdk-lib (installed once into pytest's cache): the same rule names,
construct paths and severities as the Python plugin, and the acknowledgement path. Slow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from hook.cli import main
from tests.integration import cdk_env

pytestmark = pytest.mark.slow

APP = cdk_env.ROOT / "sample" / "cdk-ts"
POLICY = str(cdk_env.ROOT / "policies" / "default.policy.yaml")
LEGACY_FN = "OrdersLegacy/Handler/Resource"
LOG_RETENTION = "OrdersLegacy/LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a/Resource"


def test_the_javascript_app_fails_synth_with_the_same_report_as_the_python_plugin(
        request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    modules = cdk_env.npm_cdk(request.config) / "node_modules"
    # the wrapper is found as `govhook-cdk`, the way `npm install ./integrations/cdk-ts` links it
    link = tmp_path / "node_modules"
    link.mkdir()
    (link / "govhook-cdk").symlink_to(cdk_env.ROOT / "integrations" / "cdk-ts")
    out = tmp_path / "cdk.out"
    expires = (date.today() + timedelta(days=60)).isoformat()
    env = {**os.environ, "CDK_OUTDIR": str(out), "NODE_PATH": os.pathsep.join([str(link), str(modules)]),
           "GOVHOOK": str(Path(sys.executable).parent / "govhook"),
           "CDK_CONTEXT_JSON": json.dumps({**cdk_env.CLI_CONTEXT, "govhook:policy": POLICY, "govhook:expires": expires})}
    # WHEN the app is synthesized
    result = subprocess.run(["node", "app.js"], cwd=APP, env=env, capture_output=True, text=True, timeout=600, check=False)
    # THEN synth fails with govhook's rule ids on the construct paths, as in the Python app
    assert result.returncode != 0, result.stderr[-2000:]
    report = cdk_env.plugin_report(out)
    assert report["conclusion"] == "failure"
    assert cdk_env.violations(report, "fatal") == {("lambda.runtime-allowed", LEGACY_FN),
                                                  ("lambda.runtime-supported", LEGACY_FN)}
    assert cdk_env.violations(report, "error") == set()
    assert {("lambda.timeout-within-bounds", LOG_RETENTION)} <= \
        cdk_env.violations(report, "warning")
    runtime = next(v for v in report["violations"] if v["ruleName"] == "lambda.runtime-allowed" and v["severity"] == "fatal")
    assert runtime["violatingConstructs"][0]["cloudFormationResource"]["propertyPaths"] == ["Properties/Runtime"]
    assert "exemption request refused" in runtime["description"]
    # AND the accepted acknowledgement is listed by CDK as acknowledged, with govhook's reason
    suppressed = {(v["ruleName"], v["severity"]): v for v in report.get("suppressedViolations", [])}
    memory = suppressed[("lambda.memory-within-bounds", "info")]
    assert "exempted by request (CDK acknowledge at OrdersLegacy/Handler)" in memory["description"]
    # AND govhook check of the same assembly blocks on the same rules and paths
    assert main(["check", "--policy", POLICY, "--format", "json", str(out)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert {(f["rule_id"], f["construct_path"]) for f in doc["findings"] if f["disposition"] == "blocking"} == \
        cdk_env.violations(report, "error", "fatal")

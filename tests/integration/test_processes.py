"""The CLI and the hook in processes of their own, as a developer or Lambda starts them: what a
fresh interpreter prints and imports (moved here from tests/functional: they start subprocesses)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import ROOT


def test_a_sam_check_prints_nothing_on_stderr() -> None:
    # GIVEN a SAM template (expanded with samtranslator, which keeps metrics of its own)
    import subprocess
    import sys

    # WHEN the CLI checks it in a process of its own, as a developer runs it
    proc = subprocess.run([sys.executable, "-m", "hook.cli", "check", "--no-color", "sample/templates/sam-globals.yaml"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    # THEN the verdict is on stdout and stderr stays empty (no "unpublished metrics" warning at exit)
    assert proc.returncode == 0, proc.stderr
    assert "sam-globals.yaml  passed" in proc.stdout
    assert proc.stderr == ""


def test_a_sam_deployment_preference_prints_nothing_on_stderr() -> None:
    # GIVEN a SAM function with AutoPublishAlias and a DeploymentPreference (samtranslator logs a
    # feature-toggle warning while expanding it)
    import subprocess
    import sys

    # WHEN the CLI checks it in a process of its own
    code = (
        "import sys, pathlib, tempfile\n"
        "from hook.cli import main\n"
        "d = pathlib.Path(tempfile.mkdtemp())\n"
        "p = d / 't.yaml'\n"
        "p.write_text(sys.argv[1])\n"
        "sys.exit(main(['check', '--no-color', '--policy', sys.argv[2], str(p)]))\n"
    )
    sam = (
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {Runtime: python3.13, Handler: a.b, CodeUri: src/, AutoPublishAlias: live,\n"
        "                 DeploymentPreference: {Type: AllAtOnce}}\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, sam, str(ROOT / "policies" / "default.policy.yaml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    # THEN stderr stays empty: samtranslator's log lines are not govhook's output
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stderr == ""


def test_the_hook_reads_a_json_policy_without_importing_pyyaml(tmp_path: Path) -> None:
    # GIVEN the default policy as JSON, as deploy.sh publishes it
    import subprocess
    import sys

    from hook.core.policy import policy_json

    policy = tmp_path / "policy.json"
    policy.write_text(policy_json(str(ROOT / "policies" / "default.policy.yaml")))
    code = (
        "import json, sys; from hook.handler import handle; from hook.sdk import OfflineAccount; "
        "from hook.core.values import OfflineValues; "
        f"r = handle(json.load(open({str(ROOT / 'sample' / 'events' / 'resource-create-noncompliant.json')!r})), None, "
        "values=OfflineValues(), account=OfflineAccount(), observe=False); "
        "print(r['hookStatus'], 'yaml' in sys.modules)"
    )
    # WHEN a fresh interpreter answers a RESOURCE event with it
    out = subprocess.run([sys.executable, "-c", code], env={**__import__("os").environ, "GOVHOOK_POLICY": str(policy)},
                         capture_output=True, text=True, timeout=60, check=True).stdout.split()
    # THEN it decides, and PyYAML (a 20 ms import on a cold start) was never loaded
    assert out == ["FAILED", "False"]

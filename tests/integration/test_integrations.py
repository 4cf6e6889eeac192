"""govhook where teams already lint: a cfn-lint rule module and a pre-commit hook."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NONCOMPLIANT = ROOT / "sample" / "templates" / "hello-noncompliant.yaml"
COMPLIANT = ROOT / "sample" / "templates" / "hello-compliant.yaml"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["GOVHOOK_POLICY"] = str(ROOT / "policies" / "default.policy.yaml")
    env["NO_COLOR"] = "1"
    return env


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_cfn_lint_reports_govhook_blocking_findings_at_the_property_line() -> None:
    # GIVEN the non-compliant hello-world (nodejs18.x)
    # WHEN cfn-lint runs with govhook's rule module appended
    proc = subprocess.run(
        [str(BIN / "cfn-lint"), "--format", "parseable", "--append-rules", "hook.integrations.cfnlint", "--", str(NONCOMPLIANT)],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120, check=False,
    )
    # THEN govhook's runtime violation is an E9100 match on the Runtime line
    lines = [ln for ln in proc.stdout.splitlines() if ":E9100:" in ln]
    assert lines, proc.stdout + proc.stderr
    runtime_line = _line_of(NONCOMPLIANT, "Runtime:")
    assert any(re.search(rf":{runtime_line}:\d+:\d+:\d+:E9100:\[lambda\.runtime-allowed\]", ln) for ln in lines), lines
    assert proc.returncode != 0


def test_cfn_lint_has_no_govhook_errors_on_a_compliant_template() -> None:
    proc = subprocess.run(
        [str(BIN / "cfn-lint"), "--format", "parseable", "--append-rules", "hook.integrations.cfnlint", "--", str(COMPLIANT)],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120, check=False,
    )
    assert ":E9100:" not in proc.stdout, proc.stdout


def test_pre_commit_manifest_is_valid_for_pre_commit() -> None:
    from pre_commit.clientlib import load_manifest

    hooks = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    assert [h["id"] for h in hooks] == ["govhook"]
    assert hooks[0]["language"] == "python" and hooks[0]["pass_filenames"] is True


def _run_hook(*files: Path) -> subprocess.CompletedProcess[str]:
    """Run the hook the way pre-commit does: entry + args + the staged file names."""
    from pre_commit.clientlib import load_manifest

    hook = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))[0]
    regex = re.compile(hook["files"])
    names = [str(f.relative_to(ROOT)) for f in files if regex.search(str(f))]
    cmd = shlex.split(hook["entry"]) + list(hook["args"]) + names
    cmd[0] = str(BIN / cmd[0])
    return subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120, check=False)


def test_pre_commit_hook_passes_compliant_files_and_ignores_non_templates() -> None:
    # GIVEN a commit touching a compliant template and a YAML file that is not a template
    proc = _run_hook(COMPLIANT, ROOT / ".pre-commit-hooks.yaml", ROOT / "policies" / "default.policy.yaml")
    # THEN the hook passes
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_pre_commit_hook_blocks_a_non_compliant_template() -> None:
    proc = _run_hook(NONCOMPLIANT)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "lambda.runtime-allowed" in proc.stdout

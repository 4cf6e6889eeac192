"""A third-party rule pack (sample/plugin) installs, is listed, enforced and tested like built-ins."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """sample/plugin installed (for real, by pip) into a directory of its own."""
    target = tmp_path_factory.mktemp("plugin-site")
    build = tmp_path_factory.mktemp("plugin-src")
    subprocess.run(["cp", "-r", str(ROOT / "sample" / "plugin"), str(build / "plugin")], check=True)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(build / "plugin")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert list(target.glob("govhook_rules_acme-*.dist-info"))
    yield str(target)


def govhook(plugin_path: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=plugin_path, NO_COLOR="1")
    return subprocess.run([str(BIN / "govhook"), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_rules_lists_the_plugin_rule(plugin_path: str) -> None:
    proc = govhook(plugin_path, "rules")
    assert proc.returncode == 0, proc.stderr
    assert "acme.function-name-convention" in proc.stdout
    assert "lambda.runtime-allowed" in proc.stdout


def test_check_enforces_the_plugin_rule(plugin_path: str, tmp_path: Path) -> None:
    # GIVEN a policy enabling the acme rule and a function with an unconventional name
    policy = tmp_path / "acme.policy.yaml"
    policy.write_text("version: 1\nrules:\n  acme.function-name-convention: {}\n")
    template = tmp_path / "stack.yaml"
    template.write_text(
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties:\n"
        "      FunctionName: MyFunction\n"
        "      Runtime: python3.13\n"
        "      Handler: index.handler\n"
        "      Role: arn:aws:iam::123456789012:role/r\n"
        "      Code: {ZipFile: 'def handler(e, c): return 1'}\n"
    )
    # WHEN checked
    proc = govhook(plugin_path, "check", "--policy", str(policy), "--format", "json", str(template))
    # THEN the plugin's rule blocks it, at the FunctionName line
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "acme.function-name-convention" in proc.stdout
    assert "'MyFunction' does not follow" in proc.stdout


def test_plugin_cases_run_through_hook_testing(plugin_path: str) -> None:
    proc = govhook(plugin_path, "test", "sample/plugin/tests/cases")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "16 passed, 0 failed" in proc.stdout


def test_without_the_plugin_its_rule_is_unknown(tmp_path: Path) -> None:
    # GIVEN the plugin absent, whether or not this venv has it installed (README says to try it):
    # a distribution of the same name without entry points, first on the path, shadows it, as
    # the first distribution of a name wins.
    shadow = tmp_path / "govhook_rules_acme-0.0.0.dist-info"
    shadow.mkdir()
    (shadow / "METADATA").write_text("Metadata-Version: 2.1\nName: govhook-rules-acme\nVersion: 0.0.0\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    proc = subprocess.run([str(BIN / "govhook"), "explain", "acme.function-name-convention"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2

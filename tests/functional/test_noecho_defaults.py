"""Issue 12 item 1: a NoEcho parameter's Default read by an environment variable is found on the
template, by the STACK and CHANGE_SET hook and the CLI alike, and its value is shown nowhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hook.cli import main
from hook.core.values import OfflineValues
from hook.handler import handle
from hook.sdk import OfflineAccount
from hook.sources import clear_caches
from tests.hookcontract import assert_contract

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "default.policy.yaml")
SECRET = "S3CRET-noecho-default-9f8e7d"
RULE = "lambda.env-no-noecho-defaults"

TEMPLATE = f"""\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  DbPassword: {{Type: String, NoEcho: true, Default: "{SECRET}"}}
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/fn
      Code: {{ZipFile: "def handler(e, c): return e"}}
      Environment:
        Variables:
          DSN: !Sub "postgres://app:${{DbPassword}}@db:5432/app"
"""


def _stack_event(target: str) -> dict[str, Any]:
    return {"clientRequestToken": "t", "stackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
            "actionInvocationPoint": "CREATE_PRE_PROVISION",
            "requestData": {"targetName": target, "targetType": target, "targetLogicalId": "s",
                            "payload": "https://b.s3.amazonaws.com/p"}}


def test_the_stack_hook_blocks_and_shows_the_parameter_not_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the default policy and a template whose NoEcho Default reaches DSN through !Sub
    monkeypatch.setenv("GOVHOOK_POLICY", POLICY)
    clear_caches()
    body = json.dumps({"template": TEMPLATE, "previousTemplate": ""}).encode()
    # WHEN CloudFormation invokes the hook for the stack
    event = _stack_event("STACK")
    r = assert_contract(event, handle(event, None, fetch=lambda url: body, values=OfflineValues(),
                                      account=OfflineAccount(), observe=False), secrets=[SECRET])
    # THEN it blocks for this rule, names function, variable and parameter, and never the value
    assert r["hookStatus"] == "FAILED" and r["errorCode"] == "NonCompliant"
    [note] = [a for a in r["annotations"] if a["annotationName"] == RULE]
    assert note["status"] == "FAILED"
    assert "DSN of function Fn is set from NoEcho parameter DbPassword" in r["message"][:1000]
    assert SECRET not in json.dumps(r)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_the_cli_blocks_with_the_same_rule_and_prints_no_value(fmt: str, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    code = main(["check", "--policy", POLICY, "--format", fmt, "--no-color", str(path)])
    out = capsys.readouterr()
    assert code == 1
    assert RULE in out.out and "DbPassword" in out.out
    assert SECRET not in out.out + out.err

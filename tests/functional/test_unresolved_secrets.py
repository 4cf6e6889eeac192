"""Issue 11 item 9: unresolved values are described by shape, never by their contents.

A secret is planted inside every kind of unresolved value; it appears in no output: the hook's
response (annotations included), its decision log, and the CLI's text, JSON, SARIF and JUnit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hook.handler as handler
from hook.cli import main
from hook.core.values import OfflineValues
from hook.handler import handle
from hook.sdk import OfflineAccount, describe_value
from hook.sources import clear_caches
from tests.hookcontract import assert_contract

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "default.policy.yaml")
S = "S3CRET"  # every planted secret starts with this; none is in any output

TEMPLATE = f"""\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {{Type: String}}
  DbPassword: {{Type: String, NoEcho: true}}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Mappings:
  Sizes: {{prod: {{mem: 1024}}}}
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: !If [IsProd, nodejs22.x-{S}A, python3.13]
      Handler: !Join ["", [{S}B, !Ref DbPassword]]
      Role: !Sub "arn:aws:iam::123456789012:role/{S}C-${{DbPassword}}"
      Environment: !If [IsProd, {{Variables: {{DB_PASSWORD: {S}D}}}}, !Ref AWS::NoValue]
      KmsKeyArn: !If [IsProd, "arn:aws:kms:us-east-1:123456789012:key/{S}E", !Ref AWS::NoValue]
      MemorySize: !Select [!Ref DbPassword, [{S}F, 128]]
      Timeout: !FindInMap [Sizes, !Ref Stage, {S}G]
      Layers: !Split [",", !Sub "arn:{S}H,${{DbPassword}}"]
      CodeSigningConfigArn: !If [IsProd, "arn:{S}I", !Ref AWS::NoValue]
      TracingConfig: {{Mode: !Sub "{S}J${{DbPassword}}"}}
      ReservedConcurrentExecutions: !If [IsProd, !Base64 {S}K, 10]
      EphemeralStorage: {{Size: !ImportValue {{"Fn::Sub": "{S}L-${{Stage}}"}}}}
      Tags: !If [IsProd, [{{Key: team, Value: {S}M}}], !Ref AWS::NoValue]
      Architectures: !If [IsProd, [{S}N], [arm64]]
      LoggingConfig: !If [IsProd, {{LogFormat: {S}O}}, !Ref AWS::NoValue]
      VpcConfig: !If [IsProd, {{SubnetIds: [{S}P], SecurityGroupIds: [sg-1]}}, !Ref AWS::NoValue]
      Code: {{ZipFile: x}}
"""


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_no_cli_report_shows_a_secret_inside_an_unresolved_value(fmt: str, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(TEMPLATE)
    report = tmp_path / f"report.{fmt}"
    assert main(["check", str(template), "--policy", POLICY, "--format", fmt, "--output", str(report)]) == 0
    out = capsys.readouterr()
    text = report.read_text()
    assert "not known before deployment" in text or fmt == "text"
    for shown in (text, out.out, out.err):
        assert S not in shown


def test_the_skip_messages_say_what_kind_of_value_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(TEMPLATE)
    main(["check", str(template), "--policy", POLICY, "--format", "json"])
    text = capsys.readouterr().out
    assert "!If on condition IsProd" in text
    assert "!FindInMap in mapping Sizes" in text
    assert "!Sub (refers to DbPassword)" in text


def test_no_hook_output_shows_a_secret_inside_an_unresolved_value(monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GOVHOOK_POLICY", POLICY)
    monkeypatch.setattr(handler, "_observer", None)  # a fresh decision logger
    clear_caches()
    body = json.dumps({"template": TEMPLATE, "previousTemplate": ""}).encode()
    event = {"clientRequestToken": "t", "stackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
             "actionInvocationPoint": "CREATE_PRE_PROVISION",
             "requestData": {"targetName": "STACK", "targetType": "STACK", "targetLogicalId": "s",
                             "payload": "https://b.s3.amazonaws.com/p"}}
    r = assert_contract(event, handle(event, None, fetch=lambda url: body, values=OfflineValues(),
                                      account=OfflineAccount()), secrets=[S])
    assert r.get("annotations")
    decisions = [rec for rec in caplog.records if rec.getMessage() == "govhook decision"]
    assert decisions and "decision" in vars(decisions[0])
    out = capsys.readouterr()
    for text in (out.out, out.err, *(repr(vars(rec)) for rec in caplog.records)):
        assert S not in text


@pytest.mark.parametrize("value", [
    {"Fn::If": ["IsProd", {"Variables": {"DB_PASSWORD": S}}, {"Ref": "AWS::NoValue"}]},
    {"Fn::Sub": f"{S}-${{Env}}"},
    {"Fn::Sub": [f"{S}-${{X}}", {"X": S}]},
    {"Fn::Join": ["", [S, {"Ref": "P"}]]},
    {"Fn::Select": [{"Ref": "I"}, [S]]},
    {"Fn::FindInMap": ["M", {"Ref": "K"}, S]},
    {"Fn::Base64": S},
    {"Fn::ImportValue": {"Fn::Sub": f"{S}-${{Env}}"}},
    {"Fn::Split": [",", S]},
    {"Fn::GetAtt": ["Role", {"Ref": S}]},
    {"Ref": {"Fn::Sub": S}},
    {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": S}}},
    {"Fn::ToJsonString": {"k": S}},
    {"Fn::Cidr": [S, 1, 2]},
])
def test_describe_value_gives_the_shape_of_every_intrinsic(value: object) -> None:
    text = describe_value(value)
    assert text.startswith("!") and S not in text

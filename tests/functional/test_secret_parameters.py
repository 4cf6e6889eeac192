"""Issue 12, item 1: the CLI judges a secret-like variable set from a parameter as the hook does.

A parameter the CLI cannot know (no Default, NoEcho without Default, ``AWS::SSM::Parameter::Value``)
reaches the RESOURCE hook resolved, and under a secret-like name the hook blocks that literal;
``govhook check`` must say so before deployment, naming the variable and the parameter, never a
value, and what stays an indirection once resolved must pass at the CLI as at the hook.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hook.cli import main

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "default.policy.yaml")
#: Written for this test (tests/parity runs the same stack through the CLI and the handler).
STACK = ROOT / "tests" / "parity" / "secret-parameters.yaml"
RULE = "lambda.env-no-plaintext-secrets"


def _findings(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(["check", "--policy", POLICY, "--format", "json", *args])
    report = json.loads(capsys.readouterr().out)
    return code, [f for f in report["findings"] if f["rule_id"] == RULE and f["outcome"] == "FAIL"]


def test_each_secret_like_variable_from_an_unknown_parameter_is_blocked(capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN the CLI checks the stack
    code, fails = _findings(capsys, str(STACK))
    # THEN exactly the variables set from parameters it cannot know are findings, one per function
    assert code == 1
    got = {(f["logical_id"], f["path"]) for f in fails}
    assert got == {
        ("FromNoEchoParameter", "/Environment/Variables/DB_PASSWORD"),   # NoEcho, no Default
        ("FromParameter", "/Environment/Variables/API_KEY"),            # no Default
        ("FromSsmParameter", "/Environment/Variables/AUTH_TOKEN"),       # SSM-typed
        ("FromSub", "/Environment/Variables/DSN_PASSWORD"),              # inside a Sub
        ("FromJoin", "/Environment/Variables/SERVICE_TOKEN"),            # inside a Join
        ("FromIf", "/Environment/Variables/DB_PASSWORD"),                # one branch of an If
        ("FromExport", "/Environment/Variables/DB_PASSWORD"),            # another stack's export
    }
    # AND indirections pass: an indirect name, a resource's Ref/GetAtt, arn:, /path and {{resolve:}} Subs
    assert not [f for f in fails if f["logical_id"] == "Indirections"]
    # AND each message names the variable and the parameter, says why, and gives the fixes
    by_id = {f["logical_id"]: f for f in fails}
    ssm = by_id["FromSsmParameter"]
    assert ssm["message"].startswith("environment variable AUTH_TOKEN looks like a credential and is set from "
                                     "template parameter TokenFromSsm, known only at deploy time")
    assert "lambda:GetFunctionConfiguration" in ssm["message"]
    for fix in ("AUTH_TOKEN_ARN", "{{resolve:secretsmanager:...}}", "--param TokenFromSsm=VALUE"):
        assert fix in ssm["remediation"]
    # AND an export is named, with why and the fix
    assert by_id["FromExport"]["message"].startswith("environment variable DB_PASSWORD looks like a credential and is "
                                                     "set from the export shared-db-password of another stack")
    assert "...Arn" in by_id["FromExport"]["remediation"]
    # AND no value is printed: the SSM parameter's name (its Default) is not in the report either
    assert "/app/api/token" not in json.dumps(fails)


def test_a_value_given_with_param_is_judged_as_the_literal_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN the values to deploy are given: a dynamic reference for one, a literal password for the other
    code, fails = _findings(capsys, "--param", "DbPassword={{resolve:secretsmanager:prod/db:SecretString:pw}}",
                            "--param", "ApiKey=correct-horse-battery", str(STACK))
    messages = {(f["logical_id"], f["message"]) for f in fails}
    # THEN the dynamic reference passes wherever it flows (a Ref, a Sub, an If branch), and the literal
    # is a literal under a secret-like name (its text never shown)
    # (an export is not a parameter: --param does not change it)
    assert {lid for lid, _ in messages} == {"FromParameter", "FromJoin", "FromSsmParameter", "FromSub", "FromExport"}
    assert ("FromParameter", "environment variable API_KEY looks like a credential and has a literal value "
                             "(value not shown)") in messages
    assert "correct-horse-battery" not in json.dumps(fails)
    # AND the Sub that mixes the reference into a DSN is a literal too (no longer a bare dynamic reference)
    assert any(lid == "FromSub" and "literal value" in m for lid, m in messages)
    assert code == 1


def test_sam_globals_set_from_a_parameter_are_blocked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a SAM template whose Globals pass a NoEcho parameter without Default as a password
    path = tmp_path / "template.yaml"
    path.write_text("""\
Transform: AWS::Serverless-2016-10-31
Parameters:
  DbPassword: {Type: String, NoEcho: true}
  DbSecretName: {Type: String}
Globals:
  Function:
    Environment:
      Variables: {DB_PASSWORD: !Ref DbPassword, DB_SECRET_NAME: !Ref DbSecretName}
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.13, Handler: index.handler, InlineCode: "def handler(e, c): return e"}
""", encoding="utf-8")
    # WHEN the CLI checks it
    code, fails = _findings(capsys, str(path))
    # THEN the function is blocked for DB_PASSWORD only, at the line of the Globals it comes from
    assert code == 1
    assert [(f["logical_id"], f["path"], f["line"]) for f in fails] == [("Api", "/Environment/Variables/DB_PASSWORD", 8)]
    assert "template parameter DbPassword" in fails[0]["message"]

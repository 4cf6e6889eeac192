"""lambda.env-no-plaintext-secrets on values the CLI cannot know (issue 12, item 1), rule by itself.

The template adapter marks a value with the parameters whose value flows into it
(``Unresolved.parameters``); the rule fails a secret-like name set from one, as the RESOURCE hook
fails the resolved literal, and passes what is an indirection once resolved.
"""

from __future__ import annotations

from typing import Any

import pytest

from hook.sdk import Unresolved
from hook.testing import run_case

RULE = "lambda.env-no-plaintext-secrets"


def _outcome(value: Any, name: str = "DB_PASSWORD") -> tuple[str, list[str]]:
    result = run_case(RULE, {"name": "t", "expect": "PASS", "properties": {"Environment": {"Variables": {name: value}}}})
    return result.actual, [f.message for f in result.findings if f.outcome.value == "FAIL"]


def _p(expr: Any, *parameters: str, resource_type: str | None = None) -> Unresolved:
    return Unresolved(expr, "known after deployment", resource_type=resource_type, parameters=parameters)


@pytest.mark.parametrize("value", [
    _p({"Ref": "DbPassword"}, "DbPassword"),
    _p({"Fn::Sub": "postgres://app:${DbPassword}@db"}, "DbPassword"),
    _p({"Fn::Sub": ["${A}", {"A": {"Ref": "DbPassword"}}]}, "DbPassword"),
    _p({"Fn::Join": ["", ["Bearer ", {"Ref": "ApiKey"}]]}, "ApiKey"),
    _p({"Fn::If": ["IsProd", {"Ref": "DbPassword"}, "{{resolve:secretsmanager:dev/db}}"]}, "DbPassword"),
    _p({"Fn::Base64": {"Ref": "DbPassword"}}, "DbPassword"),
], ids=["ref", "sub", "sub-map", "join", "if-branch", "base64"])
def test_a_secret_like_name_from_an_unknown_parameter_fails_and_names_it(value: Unresolved) -> None:
    outcome, messages = _outcome(value)
    assert outcome == "FAIL"
    [message] = messages
    assert message.startswith("environment variable DB_PASSWORD looks like a credential and is set from template "
                              f"parameter {value.parameters[0]}, known only at deploy time")


@pytest.mark.parametrize(("value", "name"), [
    (_p({"Ref": "DbPassword"}, "DbPassword"), "DB_PASSWORD_ARN"),                      # the name says indirection
    (_p({"Ref": "DbPassword"}, "DbPassword"), "LOG_LEVEL"),                            # not a secret-like name
    (_p({"Ref": "Secret"}, resource_type="AWS::SecretsManager::Secret"), "DB_SECRET"),  # a resource's ARN
    (_p({"Fn::GetAtt": ["Role", "Arn"]}, resource_type="AWS::IAM::Role"), "AUTH_ROLE"),
    (_p({"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${N}"}, "N"),
     "DB_SECRET"),
    (_p({"Fn::Sub": "{{resolve:secretsmanager:${N}:SecretString:password}}"}, "N"), "DB_PASSWORD"),
    (_p({"Fn::Sub": "/${Env}/db/password"}, "Env"), "DB_PASSWORD"),                    # an SSM parameter name
    (_p({"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, "secretsmanager", "us-east-1", "1", {"Ref": "N"}]]},
        "N"), "DB_SECRET"),
    (_p({"Fn::If": ["HasSecret", {"Fn::Sub": "arn:aws:secretsmanager:us-east-1:1:secret:${N}"},
                    {"Ref": "AWS::NoValue"}]}, "N"), "DB_SECRET"),                     # an optional ARN
    (_p({"Fn::FindInMap": ["Passwords", {"Ref": "Env"}, "Db"]}, "Env"), "DB_PASSWORD"),  # the parameter only chooses
    (Unresolved({"Fn::GetAtt": ["Db", "Endpoint.Address"]}, "known after deployment"), "DB_TOKEN"),
    ({"Ref": "DbPassword"}, "DB_PASSWORD"),  # a raw intrinsic: parameter or resource, nothing says (kept as before)
], ids=["indirect-name", "plain-name", "resource-ref", "resource-getatt", "arn-sub", "resolve-sub", "path-sub",
        "arn-join", "if-optional-arn", "findinmap-key", "no-parameter", "raw-intrinsic"])
def test_what_resolves_to_an_indirection_or_is_not_a_parameter_passes(value: Any, name: str) -> None:
    assert _outcome(value, name) == ("PASS", [])


def test_the_message_lists_at_most_three_parameters_and_never_a_value() -> None:
    value = _p({"Fn::Join": ["", [{"Ref": p} for p in "ABCDE"]]}, *"ABCDE")
    _, [message] = _outcome(value, "API_TOKEN")
    assert "template parameters A, B, C and 2 more" in message

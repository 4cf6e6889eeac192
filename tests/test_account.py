"""Account facts from the Lambda API (AwsAccount), cached; errors become SKIPs that say why."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from hook.sdk import FactUnavailable
from hook.sources import AwsAccount, TTLCache

SETTINGS = {
    "AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800,
                     "ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 850},
    "AccountUsage": {"TotalCodeSize": 1234, "FunctionCount": 7},
}


def stubbed() -> tuple[Any, Stubber]:
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def test_account_settings_are_read_and_cached() -> None:
    client, stub = stubbed()
    stub.add_response("get_account_settings", SETTINGS)
    with stub:
        account = AwsAccount(TTLCache(max_age=300), client)
        first = account.account_settings()
        second = account.account_settings()  # the stub would raise on a second call
    assert first == second
    assert (first.unreserved_concurrent_executions, first.total_code_size_usage, first.function_count) == (850, 1234, 7)
    stub.assert_no_pending_responses()


def test_access_denied_is_a_fact_unavailable_naming_the_action() -> None:
    client, stub = stubbed()
    stub.add_client_error("get_account_settings", service_error_code="AccessDeniedException", http_status_code=403)
    with stub, pytest.raises(FactUnavailable, match=r"lambda:GetAccountSettings denied \(AccessDeniedException\)"):
        AwsAccount(TTLCache(), client).account_settings()


def test_throttling_is_a_fact_unavailable() -> None:
    client, stub = stubbed()
    stub.add_client_error("get_function_concurrency", service_error_code="TooManyRequestsException", http_status_code=429)
    with stub, pytest.raises(FactUnavailable, match="lambda:GetFunctionConcurrency failed: TooManyRequestsException"):
        AwsAccount(TTLCache(), client).function_concurrency("orders")


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", "def handler(e, c):\n    return 1\n")
    return buf.getvalue()


def test_versions_and_concurrency_from_moto(aws_client: Any) -> None:
    # GIVEN a function with two published versions and a reservation, in moto's server
    iam = aws_client("iam")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = aws_client("lambda")
    lam.create_function(FunctionName="orders", Runtime="python3.13", Role=role, Handler="index.handler",
                        Code={"ZipFile": _zip()})
    lam.publish_version(FunctionName="orders")
    lam.update_function_code(FunctionName="orders", ZipFile=_zip() + b"")
    lam.publish_version(FunctionName="orders")
    lam.put_function_concurrency(FunctionName="orders", ReservedConcurrentExecutions=25)
    account = AwsAccount(TTLCache(), lam)
    # THEN
    versions = account.function_versions("orders")
    assert "$LATEST" not in versions and len(versions) >= 1
    assert account.function_concurrency("orders") == 25
    assert account.function_concurrency("missing") is None
    assert account.function_versions("missing") == []


def test_versions_are_paginated_and_cached() -> None:
    # GIVEN ListVersionsByFunction answers in two pages (stubbed: moto's page size is not settable per call)
    client, stub = stubbed()
    stub.add_response("list_versions_by_function",
                      {"Versions": [{"Version": "$LATEST"}, {"Version": "1"}], "NextMarker": "m1"},
                      {"FunctionName": "orders"})
    stub.add_response("list_versions_by_function", {"Versions": [{"Version": "2"}, {"Version": "3"}]},
                      {"FunctionName": "orders", "Marker": "m1"})
    clock = [0.0]
    account = AwsAccount(TTLCache(max_age=300, stale_for=0, clock=lambda: clock[0]), client)
    with stub:
        # WHEN the versions are read twice within the cache age
        first = account.function_versions("orders")
        clock[0] = 299.0
        second = account.function_versions("orders")
    # THEN both pages are joined, $LATEST is excluded, and only one listing was made (the stub has no third answer)
    assert first == second == ["1", "2", "3"]
    stub.assert_no_pending_responses()


def test_listing_versions_denied_is_a_fact_unavailable() -> None:
    client, stub = stubbed()
    stub.add_client_error("list_versions_by_function", service_error_code="AccessDeniedException", http_status_code=403)
    with stub, pytest.raises(FactUnavailable, match=r"lambda:ListVersionsByFunction denied \(AccessDeniedException\)"):
        AwsAccount(TTLCache(), client).function_versions("orders")


def test_concurrency_is_cached_per_function(aws_client: Any) -> None:
    # GIVEN a function with a reservation in moto and a counter on GetFunctionConcurrency
    iam = aws_client("iam")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = aws_client("lambda")
    lam.create_function(FunctionName="orders", Runtime="python3.13", Role=role, Handler="index.handler",
                        Code={"ZipFile": _zip()})
    lam.put_function_concurrency(FunctionName="orders", ReservedConcurrentExecutions=7)
    calls: list[str] = []
    lam.meta.events.register("before-call.lambda.GetFunctionConcurrency", lambda **_: calls.append("x"))
    clock = [0.0]
    account = AwsAccount(TTLCache(max_age=300, stale_for=0, clock=lambda: clock[0]), lam)
    # WHEN it is asked 100 times within one cache age, then after it
    answers = {account.function_concurrency("orders") for _ in range(100)}
    clock[0] = 300.0
    lam.put_function_concurrency(FunctionName="orders", ReservedConcurrentExecutions=9)
    later = account.function_concurrency("orders")
    # THEN one call per age, and the new value after expiry
    assert answers == {7}
    assert later == 9
    assert len(calls) == 2

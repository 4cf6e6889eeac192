"""Account facts from the Lambda API (AwsAccount) with botocore Stubber answers shaped as AWS documents
them: cached, paginated, and errors that become SKIPs or notes saying why (moto's server: tests/integration)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from hook.sdk import FactUnavailable
from hook.sources import AwsAccount, TTLCache
from tests.helpers import Clock

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


FULL = {
    "AccountLimit": {**SETTINGS["AccountLimit"], "TotalCodeSize": 80530636800},
    "AccountUsage": {"TotalCodeSize": 72477573120, "FunctionCount": 7},  # 90% of 75 GB
}


def _function_event() -> dict[str, Any]:
    return {
        "clientRequestToken": "f8da6d11-b23f-48f4-814c-0fb6a667f50e", "awsAccountId": "123456789012",
        "stackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/app/1a2b3c",
        "actionInvocationPoint": "CREATE_PRE_PROVISION",
        "requestData": {"targetName": "AWS::Lambda::Function", "targetType": "AWS::Lambda::Function",
                        "targetLogicalId": "Orders",
                        "targetModel": {"resourceProperties": {"Runtime": "python3.13", "FunctionName": "orders"}}},
    }


def _throttled(stub: Stubber, operation: str) -> None:
    """Lambda's throttling answer as AWS sends it: 429 TooManyRequestsException, Reason and message."""
    stub.add_client_error(operation, service_error_code="TooManyRequestsException", service_message="Rate exceeded",
                          http_status_code=429, modeled_fields={"Reason": "CallerRateLimitExceeded"})


def test_stale_account_settings_decide_and_the_message_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hook.core.values import OfflineValues
    from hook.handler import handle

    # GIVEN a policy with the code-storage rule, and GetAccountSettings answering once (90% full), then throttled
    policy = tmp_path / "p.policy.yaml"
    policy.write_text("version: 1\nrules:\n  lambda.code-storage-headroom: {}\n")
    monkeypatch.setenv("GOVHOOK_POLICY", str(policy))
    client, stub = stubbed()
    stub.add_response("get_account_settings", FULL)
    _throttled(stub, "get_account_settings")
    _throttled(stub, "get_account_settings")
    clock = Clock()
    account = AwsAccount(TTLCache(max_age=300, stale_for=3600, clock=clock), client)

    def decide() -> dict[str, Any]:
        return handle(_function_event(), None, values=OfflineValues(), account=account, observe=False)

    with stub:
        # WHEN the first invocation reads the settings
        first = decide()
        # THEN the fresh fact blocks, with nothing to note
        assert first["hookStatus"] == "FAILED"
        assert first["message"].startswith("1 violation: [lambda.code-storage-headroom] Orders: code storage is 90% full")
        assert "note:" not in first["message"]
        # WHEN the cache age has passed and the refresh is throttled
        clock.now += 412
        second = decide()
        # THEN the last good settings still decide, and the message says they are stale and why
        assert second["hookStatus"] == "FAILED"
        assert "[lambda.code-storage-headroom] Orders: code storage is 90% full" in second["message"]
        assert second["message"].endswith(
            "; note: lambda:GetAccountSettings could not be refreshed (TooManyRequestsException); "
            "using the value fetched 412 s ago"
        )
        # WHEN GOVHOOK_STALE_SECONDS has passed too and the API is still throttled
        clock.now = 1000.0 + 300 + 3600
        third = decide()
    # THEN the rule SKIPs naming the failure, and no stale value is used or noted
    assert third["hookStatus"] == "SUCCESS"
    assert "note:" not in third["message"]
    [annotation] = third["annotations"]
    assert (annotation["status"], annotation["statusMessage"]) == (
        "SKIPPED", "lambda:GetAccountSettings failed: TooManyRequestsException"
    )
    stub.assert_no_pending_responses()

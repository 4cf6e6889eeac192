"""Account facts from the Lambda API (AwsAccount), cached; errors become SKIPs that say why."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from hook.sdk import FactUnavailable
from hook.sources import AwsAccount, TTLCache
from tests.helpers import Clock


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


# --- stale facts: served after a failed refresh, and the decision says so -------------------------

def _moto_function(aws_client: Any) -> Any:
    iam = aws_client("iam")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = aws_client("lambda")
    lam.create_function(FunctionName="orders", Runtime="python3.13", Role=role, Handler="index.handler",
                        Code={"ZipFile": _zip()})
    lam.publish_version(FunctionName="orders")
    lam.put_function_concurrency(FunctionName="orders", ReservedConcurrentExecutions=25)
    return lam


def _throttle_moto(lam: Any, operation: str, state: dict[str, bool]) -> None:
    """Answer ``operation`` with Lambda's throttling error while ``state["on"]``; moto serves it otherwise."""
    from botocore.exceptions import ClientError

    def handler(**_: Any) -> None:
        if state["on"]:
            raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"},
                               "ResponseMetadata": {"HTTPStatusCode": 429}}, operation)

    lam.meta.events.register(f"before-call.lambda.{operation}", handler)


def test_stale_versions_and_concurrency_are_noted_naming_the_error(aws_client: Any) -> None:
    # GIVEN a function in moto with a published version and a reservation, both read once
    lam = _moto_function(aws_client)
    state = {"on": False}
    _throttle_moto(lam, "ListVersionsByFunction", state)
    _throttle_moto(lam, "GetFunctionConcurrency", state)
    clock = Clock()
    account = AwsAccount(TTLCache(max_age=300, stale_for=3600, clock=clock), lam)
    versions = account.function_versions("orders")
    assert account.function_concurrency("orders") == 25
    assert account.notes() == []
    # WHEN the cache age passes and both refreshes are throttled
    state["on"] = True
    clock.now += 301
    # THEN the last good facts are served, and the notes say which call failed, with AWS's error code
    assert account.function_versions("orders") == versions
    assert account.function_concurrency("orders") == 25
    assert account.notes() == [
        "lambda:ListVersionsByFunction of orders could not be refreshed (TooManyRequestsException); "
        "using the value fetched 301 s ago",
        "lambda:GetFunctionConcurrency of orders could not be refreshed (TooManyRequestsException); "
        "using the value fetched 301 s ago",
    ]
    assert account.notes() == []  # taken once
    # WHEN GOVHOOK_STALE_SECONDS has passed too
    clock.now = 1000.0 + 300 + 3600
    # THEN the failure is raised as the rule's SKIP reason
    with pytest.raises(FactUnavailable, match=r"^lambda:ListVersionsByFunction failed: TooManyRequestsException$"):
        account.function_versions("orders")
    with pytest.raises(FactUnavailable, match=r"^lambda:GetFunctionConcurrency failed: TooManyRequestsException$"):
        account.function_concurrency("orders")


def test_engine_puts_stale_account_notes_in_the_verdict(aws_client: Any) -> None:
    from hook.core.engine import Engine
    from hook.core.model import ResourceTarget
    from hook.core.policy import parse_policy
    from hook.core.registry import default_registry
    from hook.sdk import Action

    # GIVEN a policy allowing one version per function, and moto's listing read once, then throttled
    lam = _moto_function(aws_client)
    state = {"on": False}
    _throttle_moto(lam, "ListVersionsByFunction", state)
    clock = Clock()
    account = AwsAccount(TTLCache(max_age=300, stale_for=3600, clock=clock), lam)
    registry = default_registry()
    policy = parse_policy("version: 1\nrules:\n  lambda.versions-per-function-max: {params: {max: 1}}\n", "p", registry)
    target = ResourceTarget("AWS::Lambda::Version", "OrdersV2", Action.CREATE, {"FunctionName": "orders"})
    fresh = Engine(registry, policy, account=account).evaluate([target])
    assert fresh.notes == ()
    # WHEN the next evaluation comes after the cache age, with the listing throttled
    state["on"] = True
    clock.now += 600
    stale = Engine(registry, policy, account=account).evaluate([target])
    # THEN the stale listing decides (one version exists: this one makes two) and the verdict notes it
    assert [f.message for f in stale.blocking] == [f.message for f in fresh.blocking]
    assert "already has 1 published versions" in stale.blocking[0].message
    assert stale.notes == (
        "lambda:ListVersionsByFunction of orders could not be refreshed (TooManyRequestsException); "
        "using the value fetched 600 s ago",
    )

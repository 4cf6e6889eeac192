"""SSM values and the run-time policy from moto's server through the TTL cache: fetched, cached, stale on
error, failing clearly (files and Stubber-answered errors: tests/functional/test_sources.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from hook import sources
from hook.core.policy_model import ValueRef
from hook.core.registry import default_registry
from hook.core.values import ValueSourceError
from hook.sources import SourceError, SSMValues, TTLCache, clear_caches, get_policy
from tests.helpers import Clock

REG = default_registry()
GOOD_POLICY = "version: 1\nrules:\n  lambda.runtime-allowed:\n    params:\n      allowed: [python3.13]\n"
OTHER_POLICY = "version: 1\nrules:\n  lambda.runtime-allowed:\n    params:\n      allowed: [nodejs22.x]\n"
BAD_POLICY = "version: 1\nrules:\n  lambda.no-such-rule: {}\n"


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    clear_caches()
    yield
    clear_caches()


def count_calls(client: Any, operation: str) -> list[int]:
    calls: list[int] = []
    client.meta.events.register(f"before-call.ssm.{operation}", lambda **_: calls.append(1))
    return calls


def inject_error(client: Any, code: str, state: dict[str, bool]) -> None:
    """Raise a ClientError with ``code`` before GetParameter while ``state["on"]`` is true."""

    def handler(**_: Any) -> None:
        if state["on"]:
            raise ClientError({"Error": {"Code": code, "Message": f"{code} injected"}}, "GetParameter")

    client.meta.events.register("before-call.ssm.GetParameter", handler)


def test_value_is_fetched_from_ssm(aws_client: Any) -> None:
    # GIVEN a StringList parameter in SSM
    ssm = aws_client("ssm")
    ssm.put_parameter(Name="/govhook/allowed-runtimes", Value="python3.13,nodejs22.x", Type="StringList")
    values = SSMValues(TTLCache(max_age=300, stale_for=3600, clock=Clock()), ssm=ssm)
    # WHEN it is resolved
    value = values.resolve(ValueRef(ssm="/govhook/allowed-runtimes"))
    # THEN the raw comma string comes back (the engine coerces it) and there is nothing to note
    assert value == "python3.13,nodejs22.x"
    assert values.notes() == []


def test_securestring_is_decrypted(aws_client: Any) -> None:
    # GIVEN a SecureString parameter
    ssm = aws_client("ssm")
    ssm.put_parameter(Name="/govhook/secret", Value="s3cr3t", Type="SecureString")
    values = SSMValues(TTLCache(clock=Clock()), ssm=ssm)
    # WHEN / THEN the decrypted value is returned
    assert values.resolve(ValueRef(ssm="/govhook/secret")) == "s3cr3t"


def test_thousand_resolves_make_one_call_per_cache_age(aws_client: Any) -> None:
    # GIVEN a parameter, a fake clock and a counter on GetParameter
    ssm = aws_client("ssm")
    ssm.put_parameter(Name="/p", Value="a", Type="String")
    calls = count_calls(ssm, "GetParameter")
    clock = Clock()
    values = SSMValues(TTLCache(max_age=300, stale_for=3600, clock=clock), ssm=ssm)
    ref = ValueRef(ssm="/p")
    # WHEN it is resolved 1,000 times within one cache age
    for i in range(1000):
        clock.now = 1000.0 + i * 0.29
        assert values.resolve(ref) == "a"
    # THEN one call was made
    assert len(calls) == 1
    # WHEN the age passes and the value changed in SSM
    ssm.put_parameter(Name="/p", Value="b", Type="String", Overwrite=True)
    clock.now = 1000.0 + 300
    # THEN it is fetched again
    assert values.resolve(ref) == "b"
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("code", "needles"),
    [
        ("ThrottlingException", ["ssm:/p", "ThrottlingException"]),
        ("AccessDeniedException", ["ssm:/p", "ssm:GetParameter", "denied"]),
    ],
)
def test_errors_name_the_parameter_and_cause(aws_client: Any, code: str, needles: list[str]) -> None:
    # GIVEN SSM answers every GetParameter with an error
    ssm = aws_client("ssm")
    inject_error(ssm, code, {"on": True})
    values = SSMValues(TTLCache(clock=Clock()), ssm=ssm)
    # WHEN the parameter is resolved
    with pytest.raises(ValueSourceError) as err:
        values.resolve(ValueRef(ssm="/p"))
    # THEN the message names the parameter, the cause and (when denied) the IAM action
    for needle in needles:
        assert needle in str(err.value)


def test_missing_parameter_without_default_raises(aws_client: Any) -> None:
    # GIVEN no such parameter and no default
    values = SSMValues(TTLCache(clock=Clock()), ssm=aws_client("ssm"))
    # WHEN / THEN it fails naming the parameter
    with pytest.raises(ValueSourceError, match=r"ssm:/missing does not exist \(ParameterNotFound\)"):
        values.resolve(ValueRef(ssm="/missing"))


def test_missing_parameter_with_default_uses_it_and_says_so(aws_client: Any) -> None:
    # GIVEN no such parameter but a default in the policy
    values = SSMValues(TTLCache(clock=Clock()), ssm=aws_client("ssm"))
    # WHEN it is resolved
    value = values.resolve(ValueRef(ssm="/missing", default=["python3.13"], has_default=True))
    # THEN the default is used, a note says so once
    assert value == ["python3.13"]
    assert values.notes() == ["ssm:/missing does not exist; the policy's default was used"]
    assert values.notes() == []


def test_throttling_with_default_still_fails_closed(aws_client: Any) -> None:
    # GIVEN throttling and a default: only a missing parameter falls back, on_error decides the rest
    ssm = aws_client("ssm")
    inject_error(ssm, "ThrottlingException", {"on": True})
    values = SSMValues(TTLCache(clock=Clock()), ssm=ssm)
    # WHEN / THEN it raises
    with pytest.raises(ValueSourceError) as err:
        values.resolve(ValueRef(ssm="/p", default="x", has_default=True))
    # AND the message says why the default was not used
    assert str(err.value).startswith("ssm:/p could not be read: ThrottlingException")
    assert str(err.value).endswith(
        "; the policy's default is used only when the parameter does not exist, so the rule's on_error decides"
    )


def test_timeout_names_the_parameter() -> None:
    # GIVEN a client pointed at a closed loopback port with tiny timeouts
    ssm = boto3.client(
        "ssm", endpoint_url="http://127.0.0.1:9", region_name="us-east-1",
        config=Config(connect_timeout=0.3, read_timeout=0.3, retries={"max_attempts": 1}),
    )
    values = SSMValues(TTLCache(clock=Clock()), ssm=ssm)
    # WHEN / THEN the error names the parameter and the endpoint failure
    with pytest.raises(ValueSourceError, match=r"ssm:/p could not be read: EndpointConnectionError"):
        values.resolve(ValueRef(ssm="/p"))


def test_stale_value_is_served_with_a_note_then_stops(aws_client: Any) -> None:
    # GIVEN a value fetched once, then SSM throttling
    ssm = aws_client("ssm")
    ssm.put_parameter(Name="/govhook/allowed-runtimes", Value="python3.13", Type="String")
    state = {"on": False}
    inject_error(ssm, "ThrottlingException", state)
    clock = Clock()
    values = SSMValues(TTLCache(max_age=300, stale_for=3600, clock=clock), ssm=ssm)
    ref = ValueRef(ssm="/govhook/allowed-runtimes")
    assert values.resolve(ref) == "python3.13"
    state["on"] = True
    # WHEN the cache age passes
    clock.now += 412
    # THEN the last good value is served and the note says why and how old
    assert values.resolve(ref) == "python3.13"
    assert values.notes() == [
        "ssm:/govhook/allowed-runtimes could not be refreshed (ThrottlingException); "
        "using the value fetched 412 s ago"
    ]
    # WHEN stale_for has passed too
    clock.now = 1000.0 + 300 + 3600
    # THEN it fails
    with pytest.raises(ValueSourceError, match="ThrottlingException"):
        values.resolve(ref)


def test_policy_from_ssm(aws_client: Any) -> None:
    # GIVEN the policy YAML in an SSM parameter
    aws_client("ssm").put_parameter(Name="/govhook/policy", Value=GOOD_POLICY, Type="String")
    # WHEN it is read
    policy, _ = get_policy("ssm:/govhook/policy", REG)
    # THEN it is parsed
    assert policy.rules["lambda.runtime-allowed"].params["allowed"] == ["python3.13"]


def test_policy_from_s3(aws_client: Any) -> None:
    # GIVEN the policy in S3
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="pol")
    s3.put_object(Bucket="pol", Key="govhook/policy.yaml", Body=GOOD_POLICY.encode())
    # WHEN it is read
    policy, _ = get_policy("s3://pol/govhook/policy.yaml", REG)
    # THEN it is parsed
    assert "lambda.runtime-allowed" in policy.rules


def test_missing_ssm_policy_is_a_source_error(aws_client: Any) -> None:
    aws_client("ssm")
    with pytest.raises(SourceError, match=r"policy ssm:/absent could not be read: ParameterNotFound"):
        get_policy("ssm:/absent", REG)


def test_invalid_policy_is_rejected(aws_client: Any) -> None:
    # GIVEN an invalid policy in SSM and no good one before it
    from hook.core.errors import PolicyError

    aws_client("ssm").put_parameter(Name="/govhook/policy", Value=BAD_POLICY, Type="String")
    # WHEN / THEN it is refused
    with pytest.raises(PolicyError, match=r"lambda\.no-such-rule"):
        get_policy("ssm:/govhook/policy", REG)


def test_invalid_new_policy_keeps_the_last_good_one(aws_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a good policy read once
    clock = Clock()
    monkeypatch.setattr(sources._POLICY_CACHE, "clock", clock)
    ssm = aws_client("ssm")
    ssm.put_parameter(Name="/govhook/policy", Value=GOOD_POLICY, Type="String")
    first, _ = get_policy("ssm:/govhook/policy", REG)
    # WHEN an invalid one replaces it and the cache age passes
    ssm.put_parameter(Name="/govhook/policy", Value=BAD_POLICY, Type="String", Overwrite=True)
    clock.now += 301
    policy, notes = get_policy("ssm:/govhook/policy", REG)
    # THEN the last good policy is used and the note says so
    assert policy is first
    assert notes == [
        "policy ssm:/govhook/policy could not be refreshed (PolicyError); using the value fetched 301 s ago"
    ]
    # WHEN a valid new one arrives
    ssm.put_parameter(Name="/govhook/policy", Value=OTHER_POLICY, Type="String", Overwrite=True)
    clock.now += 301
    policy, notes = get_policy("ssm:/govhook/policy", REG)
    # THEN it is used
    assert policy.rules["lambda.runtime-allowed"].params["allowed"] == ["nodejs22.x"]
    assert notes == []


def test_a_failed_refresh_is_not_retried_on_every_call(aws_client: Any) -> None:
    # GIVEN a value fetched once, then SSM throttling, and a counter on GetParameter
    ssm = aws_client("ssm")
    ssm.put_parameter(Name="/p", Value="a", Type="String")
    calls = count_calls(ssm, "GetParameter")  # registered first: it counts the failing calls too
    state = {"on": False}
    inject_error(ssm, "ThrottlingException", state)
    clock = Clock()
    values = SSMValues(TTLCache(max_age=300, stale_for=3600, clock=clock), ssm=ssm)
    ref = ValueRef(ssm="/p")
    values.resolve(ref)
    state["on"] = True
    clock.now += 300
    # WHEN 100 invocations in the next 29 s resolve it
    for i in range(100):
        clock.now = 1300.0 + i * 0.29
        assert values.resolve(ref) == "a"
    # THEN SSM was asked once more (the failed refresh), each use still says the value is stale
    assert len(calls) == 2
    notes = values.notes()
    assert notes[0] == "ssm:/p could not be refreshed (ThrottlingException); using the value fetched 300 s ago"
    assert len(notes) == 20  # bounded
    # WHEN the pause is over and SSM answers again
    state["on"] = False
    clock.now = 1330.0
    # THEN the value is refreshed
    assert values.resolve(ref) == "a"
    assert len(calls) == 3
    assert values.notes() == []


# --- access denied: what to grant, ssm:GetParameter and kms:Decrypt ------------------------------
# Error bodies as AWS sends them for GetParameter(WithDecryption=True): SSM's JSON protocol answers
# HTTP 400 with SSM's code; a kms:Decrypt refused by KMS keeps SSM's AccessDeniedException and carries

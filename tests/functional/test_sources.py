"""The run-time policy from files, the TTL cache's settings, and SSM's access-denied and KMS errors as AWS
sends them (botocore Stubber: moto cannot produce them): each names what to grant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from hook import sources
from hook.core.policy_model import ValueRef
from hook.core.registry import default_registry
from hook.core.values import ValueSourceError
from hook.sources import SourceError, SSMValues, TTLCache, clear_caches, get_policy
from tests.helpers import Clock

REG = default_registry()
GOOD_POLICY = "version: 1\nrules:\n  lambda.runtime-allowed:\n    params:\n      allowed: [python3.13]\n"


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    clear_caches()
    yield
    clear_caches()


def test_cache_reads_its_ages_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the environment sets the ages
    monkeypatch.setenv("GOVHOOK_CACHE_SECONDS", "12")
    monkeypatch.setenv("GOVHOOK_STALE_SECONDS", "34")
    # WHEN / THEN a cache uses them
    cache = TTLCache()
    assert (cache.max_age, cache.stale_for) == (12.0, 34.0)


# --- the policy -------------------------------------------------------------------------------


def test_policy_from_a_file(tmp_path: Path) -> None:
    # GIVEN a policy file
    path = tmp_path / "p.policy.yaml"
    path.write_text(GOOD_POLICY)
    # WHEN it is read
    policy, notes = get_policy(str(path), REG)
    # THEN it is parsed with its rule
    assert "lambda.runtime-allowed" in policy.rules
    assert notes == []


def test_policy_relative_to_the_task_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a relative path under LAMBDA_TASK_ROOT
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "mine.yaml").write_text(GOOD_POLICY)
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(tmp_path))
    monkeypatch.chdir("/")
    # WHEN / THEN it is found there
    policy, _ = get_policy("policies/mine.yaml", REG)
    assert "lambda.runtime-allowed" in policy.rules


def test_missing_policy_file_is_a_source_error() -> None:
    with pytest.raises(SourceError, match=r"policy file /nope/p\.yaml not found"):
        get_policy("/nope/p.yaml", REG)


# KMS's message (hashicorp/terraform-provider-aws#42849, tryolabs/aws-workshop#6); an unusable key is
# InvalidKeyId with KMS's reason (hashicorp/terraform-provider-aws#27352, segmentio/chamber#355).
# moto cannot produce these: its SecureString never calls KMS, and its IAM enforcement answers SSM's
# JSON API with an XML body botocore reads as code "403".

PARAM = "/govhook/db-password"
PARAM_ARN = "arn:aws:ssm:us-east-1:123456789012:parameter/govhook/db-password"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:sts::123456789012:assumed-role/govhook-kms-reader/govhook"  # "kms" in a role name is no KMS error
KMS_DENIED = (
    f"User: {ROLE} is not authorized to perform: kms:Decrypt on resource: {KEY_ARN} because no identity-based "
    "policy allows the kms:Decrypt action (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; "
    "Request ID: 5f642215-959a-11e8-bfd1-81a81941d54a; Proxy: null)"
)
KMS_DENIED_OLD = (
    "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you "
    "are not allowed to access. (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; "
    "Request ID: 5f642215-959a-11e8-bfd1-81a81941d54a)"
)
SSM_DENIED = (
    f"User: {ROLE} is not authorized to perform: ssm:GetParameter on resource: {PARAM_ARN} "
    "because no identity-based policy allows the ssm:GetParameter action"
)
PENDING_DELETION = (
    f"{KEY_ARN} is pending deletion. (Service: AWSKMS; Status Code: 400; Error Code: KMSInvalidStateException; "
    "Request ID: e81be56c-fcd4-49e0-b882-40def8749a9a; Proxy: null)"
)


def ssm_answering(code: str, message: str) -> tuple[Any, Any]:
    from botocore.stub import Stubber

    ssm = boto3.client("ssm", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(ssm)
    stub.add_client_error("get_parameter", service_error_code=code, service_message=message, http_status_code=400,
                          expected_params={"Name": PARAM, "WithDecryption": True})
    return ssm, stub


@pytest.mark.parametrize(
    ("code", "aws_message", "expected"),
    [
        pytest.param(
            "AccessDeniedException", KMS_DENIED,
            f"ssm:{PARAM}: access denied by AWS KMS decrypting the SecureString (AccessDeniedException); the hook's "
            f"role needs kms:Decrypt on {KEY_ARN} (and the key policy must allow it), besides ssm:GetParameter "
            f"on {PARAM_ARN}",
            id="kms-decrypt-denied",
        ),
        pytest.param(
            "AccessDeniedException", KMS_DENIED_OLD,
            f"ssm:{PARAM}: access denied by AWS KMS decrypting the SecureString (AccessDeniedException); the hook's "
            "role needs kms:Decrypt on the parameter's KMS key (and the key policy must allow it), besides "
            "ssm:GetParameter on arn:aws:ssm:us-east-1:*:parameter/govhook/db-password",
            id="kms-denied-without-arns",
        ),
        pytest.param(
            "AccessDeniedException", SSM_DENIED,
            f"ssm:{PARAM}: access denied (AccessDeniedException); the hook's role needs ssm:GetParameter on "
            f"{PARAM_ARN}, and kms:Decrypt on the parameter's key if it is a SecureString under a customer "
            "managed key",
            id="ssm-get-parameter-denied",
        ),
        pytest.param(
            "InvalidKeyId", PENDING_DELETION,
            f"ssm:{PARAM}: its KMS key cannot decrypt it (InvalidKeyId: {PENDING_DELETION}); enable the key or "
            "cancel its deletion, or re-encrypt the parameter under a key the hook's role may use",
            id="key-pending-deletion",
        ),
    ],
)
def test_denied_or_undecryptable_names_what_to_grant(code: str, aws_message: str, expected: str) -> None:
    # GIVEN SSM answers GetParameter(WithDecryption=True) with AWS's error
    ssm, stub = ssm_answering(code, aws_message)
    values = SSMValues(TTLCache(clock=Clock()), ssm=ssm)
    # WHEN the parameter is resolved
    with stub, pytest.raises(ValueSourceError) as err:
        values.resolve(ValueRef(ssm=PARAM))
    # THEN the message says what was refused and what to grant, on which ARN
    assert str(err.value) == expected
    stub.assert_no_pending_responses()


def test_denied_with_a_default_still_names_what_to_grant() -> None:
    # GIVEN KMS refuses the decryption of a parameter that has a default in the policy
    ssm, stub = ssm_answering("AccessDeniedException", KMS_DENIED)
    values = SSMValues(TTLCache(clock=Clock()), ssm=ssm)
    # WHEN / THEN the default is not used (fail closed) and the grant is still named
    with stub, pytest.raises(ValueSourceError) as err:
        values.resolve(ValueRef(ssm=PARAM, default="x", has_default=True))
    assert f"kms:Decrypt on {KEY_ARN}" in str(err.value)
    assert str(err.value).endswith("so the rule's on_error decides")


def test_denied_policy_parameter_names_what_to_grant(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the policy is a SecureString in SSM and KMS refuses the hook's role
    ssm, stub = ssm_answering("AccessDeniedException", KMS_DENIED)
    monkeypatch.setitem(sources._CLIENTS, "ssm", ssm)
    # WHEN / THEN reading the policy fails naming both grants
    with stub, pytest.raises(SourceError) as err:
        get_policy(f"ssm:{PARAM}", REG)
    assert str(err.value) == (
        f"policy ssm:{PARAM} could not be read: access denied by AWS KMS decrypting the SecureString "
        f"(AccessDeniedException); the hook's role needs kms:Decrypt on {KEY_ARN} (and the key policy must allow "
        f"it), besides ssm:GetParameter on {PARAM_ARN}"
    )

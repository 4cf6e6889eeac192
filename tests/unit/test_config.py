"""Issue 11 item 8: bad GOVHOOK_* settings fail closed with a message naming the variable and range."""

from __future__ import annotations

from pathlib import Path

import pytest

from hook.core.values import OfflineValues
from hook.handler import handle
from hook.handler.config import ConfigError, settings
from hook.sdk import OfflineAccount
from tests.hookcontract import assert_contract

ROOT = Path(__file__).resolve().parents[2]
EVENT = {"clientRequestToken": "t", "stackId": "arn:aws:cloudformation:us-east-1:1:stack/a/b",
         "actionInvocationPoint": "CREATE_PRE_PROVISION",
         "requestData": {"targetName": "AWS::Lambda::Function", "targetType": "AWS::Lambda::Function",
                         "targetLogicalId": "Fn", "targetModel": {"resourceProperties": {"Runtime": "nodejs22.x"}}}}


@pytest.fixture(autouse=True)
def _policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHOOK_POLICY", str(ROOT / "policies" / "default.policy.yaml"))


@pytest.mark.parametrize(("name", "value", "range_text"), [
    ("GOVHOOK_DEADLINE_MARGIN_MS", "abc", "from 100 to 20000"),
    ("GOVHOOK_DEADLINE_MARGIN_MS", "-60000", "from 100 to 20000"),
    ("GOVHOOK_DEADLINE_MARGIN_MS", "nan", "from 100 to 20000"),
    ("GOVHOOK_DEADLINE_MARGIN_MS", "1500.5", "whole number"),
    ("GOVHOOK_DEADLINE_MARGIN_MS", "99999", "from 100 to 20000"),
    ("GOVHOOK_CACHE_SECONDS", "-1", "from 0 to 86400"),
    ("GOVHOOK_CACHE_SECONDS", "inf", "from 0 to 86400"),
    ("GOVHOOK_STALE_SECONDS", "forever", "from 0 to 604800"),
    ("GOVHOOK_ALLOW_LOOPBACK_PAYLOAD", "yes", "0 or 1"),
    ("GOVHOOK_POLICY", "ssm:", "ssm:/parameter-name"),
    ("GOVHOOK_POLICY", "s3://bucket-only", "s3://bucket/key"),
    ("GOVHOOK_RUNTIMES", "s3:///key", "s3://bucket/key"),
])
def test_a_bad_setting_fails_closed_naming_it(name: str, value: str, range_text: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, value)
    r = assert_contract(EVENT, handle(EVENT, None, values=OfflineValues(), account=OfflineAccount(), observe=False))
    assert (r["hookStatus"], r["errorCode"]) == ("FAILED", "InternalFailure")
    assert r["message"].startswith(f"govhook could not evaluate: {name} is ")
    assert range_text in r["message"] and "ValueError" not in r["message"]


def test_good_settings_are_read_once_per_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHOOK_DEADLINE_MARGIN_MS", "1500")
    monkeypatch.setenv("GOVHOOK_CACHE_SECONDS", "60")
    first = settings()
    assert (first.margin_seconds, first.cache_seconds, first.stale_seconds) == (1.5, 60, 3600)
    assert settings() is first
    monkeypatch.setenv("GOVHOOK_DEADLINE_MARGIN_MS", "abc")
    with pytest.raises(ConfigError):
        settings()
    monkeypatch.setenv("GOVHOOK_DEADLINE_MARGIN_MS", "1500")
    assert settings().margin_seconds == 1.5


def test_defaults_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOVHOOK_POLICY", "GOVHOOK_DEADLINE_MARGIN_MS", "GOVHOOK_CACHE_SECONDS", "GOVHOOK_STALE_SECONDS",
                 "GOVHOOK_ALLOW_LOOPBACK_PAYLOAD", "GOVHOOK_RUNTIMES"):
        monkeypatch.delenv(name, raising=False)
    s = settings()
    assert (s.policy, s.margin_seconds, s.cache_seconds, s.stale_seconds, s.allow_loopback) == (
        "policies/default.policy.yaml", 2.0, 300, 3600, False)

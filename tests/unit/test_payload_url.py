"""Issue 11 items 6-7: the payload URL is parsed once, and nothing but scheme, host and path is shown."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from hook.handler import handle
from hook.sources import clear_caches
from hook.sources.fetch import PayloadError, parse_payload_url, safe_url
from tests.hookcontract import assert_contract

ROOT = Path(__file__).resolve().parents[2]
SIG = "X-Amz-Signature=" + "c0ffee" * 4
USER = "alice"
PASSWORD = "hunter2pw"


@pytest.mark.parametrize(("url", "needle"), [
    ("https://evil.com%2F@bucket.s3.amazonaws.com/p", "userinfo"),
    ("https://evil.com%2Fbucket.s3.amazonaws.com/p", "percent-encoded"),
    ("https://bucket.s3.amazonaws.com%2F.evil.com/p", "percent-encoded"),
    (f"https://{USER}:{PASSWORD}@bucket.s3.amazonaws.com/p", "userinfo"),
    (f"https://{USER}@bucket.s3.amazonaws.com/p", "userinfo"),
    ("https://bucket.s3.amazonaws.com:8443/p", "port 8443"),
    ("https://bucket.s3.amazonaws.com:x/p", "malformed port"),
    ("https://bucket.s3.amazonaws.com\\@evil.com/p", "backslash"),
    ("https://bucket.s3.amazonaws.com/a b", "space"),
    ("https://bucket.s3.amazonaws.com/a\r\nHost: evil", "control"),
    ("https://bucket.s3.amazonaws.com/é", "non-ASCII"),
    ("https://[::1]/p", "not an S3 endpoint"),
    ("https://bucket.s3.amazonaws.com./p", "not an S3 endpoint"),
    ("https://169.254.169.254/latest", "not an S3 endpoint"),
    ("http://bucket.s3.amazonaws.com/p", "not HTTPS"),
    ("file:///etc/passwd", "not HTTPS"),
    ("https://bucket.s3.amazonaws.com/" + "a" * 20000, "characters"),
])
def test_a_url_that_could_connect_elsewhere_is_refused_before_connecting(url: str, needle: str) -> None:
    with pytest.raises(PayloadError) as err:
        parse_payload_url(url + "?" + SIG)
    text = str(err.value)
    assert needle in text
    for secret in (SIG, "c0ffee", PASSWORD, f"{USER}:", f"{USER}@"):
        assert secret not in text


def test_the_validated_host_is_the_one_connected_to() -> None:
    url = parse_payload_url("https://Bucket.S3.us-east-1.amazonaws.com:443/dir/p.json?" + SIG)
    assert (url.scheme, url.host, url.port) == ("https", "bucket.s3.us-east-1.amazonaws.com", 443)
    assert url.target == "/dir/p.json?" + SIG
    assert url.shown == "https://bucket.s3.us-east-1.amazonaws.com/dir/p.json"


def test_loopback_is_allowed_only_with_the_switch() -> None:
    assert parse_payload_url("http://127.0.0.1:8080/p", allow_loopback=True).port == 8080
    with pytest.raises(PayloadError):
        parse_payload_url("http://127.0.0.1:8080/p")


@pytest.mark.parametrize("url", [
    "https://u:p@h/x?y#z", "https://h/a b?X-Amz-Signature=s", "nonsense?X-Amz-Signature=s", "https://h/p#frag=s",
])
def test_safe_url_keeps_scheme_host_and_path_only(url: str) -> None:
    shown = safe_url(url)
    assert "?" not in shown and "#" not in shown and "u:p" not in shown and "X-Amz" not in shown


MALFORMED = [
    f"https://bucket.s3.amazonaws.com/a b?{SIG}",
    f"https://{USER}:{PASSWORD}@bucket.s3.amazonaws.com/p?{SIG}",
    f"https://bucket.s3.amazonaws.com:{PASSWORD}@x/p?{SIG}",
    f"https://evil.com%2F@bucket.s3.amazonaws.com/p?{SIG}",
    f"https://bucket.s3.amazonaws.com/p\x00?{SIG}",
    f"https://[bucket.s3.amazonaws.com/p?{SIG}",
    f"https://evil.example/p?{SIG}#{PASSWORD}",
]


@pytest.mark.parametrize("url", MALFORMED)
def test_no_output_of_the_handler_shows_the_signature_or_userinfo(url: str, monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GOVHOOK_POLICY", str(ROOT / "policies" / "default.policy.yaml"))
    clear_caches()
    event: dict[str, Any] = {
        "clientRequestToken": "t", "stackId": "arn:aws:cloudformation:us-east-1:1:stack/a/b",
        "actionInvocationPoint": "CREATE_PRE_PROVISION",
        "requestData": {"targetName": "STACK", "targetType": "STACK", "targetLogicalId": "a", "payload": url},
    }
    with caplog.at_level(logging.DEBUG):
        r = handle(event, None)  # the real fetcher and the decision log
    assert_contract(event, r, secrets=["c0ffee", PASSWORD])
    assert r["errorCode"] == "InternalFailure"
    out = capsys.readouterr()
    for text in (json.dumps(r), out.out, out.err, caplog.text):
        assert "c0ffee" not in text and PASSWORD not in text

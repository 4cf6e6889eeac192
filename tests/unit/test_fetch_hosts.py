"""Payload URLs: only HTTPS to S3 hosts is fetched (decided before any connection: no server needed)."""

from __future__ import annotations

import pytest

from hook.sources.fetch import PayloadError, fetch_payload, is_s3_host

SECRET = "X-Amz-Signature=topsecret"


@pytest.mark.parametrize(
    "url",
    ["https://example.com/p.json", "https://s3.amazonaws.com.evil.com/p", "https://evil-s3.amazonaws.com.attacker.net/x",
     "https://127.0.0.1/p"],
)
def test_non_s3_hosts_are_refused(url: str) -> None:
    with pytest.raises(PayloadError, match="not an S3 endpoint"):
        fetch_payload(url + "?" + SECRET, timeout=1)


def test_plain_http_to_s3_is_refused() -> None:
    with pytest.raises(PayloadError, match="not HTTPS"):
        fetch_payload("http://bucket.s3.us-east-1.amazonaws.com/p?" + SECRET, timeout=1)


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("bucket.s3.amazonaws.com", True),
        ("bucket.s3.us-east-1.amazonaws.com", True),
        ("s3.us-west-2.amazonaws.com", True),
        ("bucket.s3-us-west-2.amazonaws.com", True),
        ("bucket.s3.dualstack.eu-west-1.amazonaws.com", True),
        ("bucket.s3-accelerate.amazonaws.com", True),
        ("bucket.s3-fips.us-gov-west-1.amazonaws.com", True),
        ("bucket.s3.cn-north-1.amazonaws.com.cn", True),
        ("cfn-hooks-payloads.s3.us-gov-east-1.amazonaws.com", True),
        ("s3.amazonaws.com.evil.com", False),
        ("bucket.s4.amazonaws.com", False),
        ("amazonaws.com", False),
        ("bucket.s3.amazonaws.com.cn.evil.org", False),
        ("s3.amazonaws.com", True),
        ("s3-external-1.amazonaws.com", True),
        ("bkt.s3-accelerate.dualstack.amazonaws.com", True),
        ("bkt.s3.dualstack.cn-north-1.amazonaws.com.cn", True),
        ("bkt.s3-fips.dualstack.us-gov-east-1.amazonaws.com", True),
        ("s3-fips.us-east-1.amazonaws.com", True),
        ("my.dotted.bucket.s3.eu-central-2.amazonaws.com", True),
        ("s3.evil.amazonaws.com", False),
        ("abc.execute-api.us-east-1.amazonaws.com", False),
        ("xs3.amazonaws.com", False),
        ("s3.amazonaws.co", False),
        ("bkt.s3.us-east-1.amazonaws.com.evil.com", False),
        ("evil.com", False),
    ],
)
def test_s3_host_recognition(host: str, ok: bool) -> None:
    assert is_s3_host(host) is ok

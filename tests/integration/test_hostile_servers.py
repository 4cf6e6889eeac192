"""Issue 11 items 5-8: hostile payload servers and hanging AWS endpoints on loopback.

Every invocation answers FAILED/InternalFailure before its deadline, naming the problem (and the
slow call), and no part of the payload URL beyond scheme, host and path reaches the answer or the
decision log.
"""

from __future__ import annotations

import gzip
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from hook.handler import lambda_handler
from hook.sources import clear_caches
from tests.hookcontract import assert_contract

ROOT = Path(__file__).resolve().parents[2]
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/app/1a2b3c"
SECRET = "5ecre7" + "516na7ure"  # (split: a traceback quoting a test's source line must not match)
SIGNATURE = f"X-Amz-Signature={SECRET}"
TEMPLATE = json.dumps({"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "nodejs22.x"}}}})
BODY = json.dumps({"template": TEMPLATE, "previousTemplate": ""}).encode()
BOMB = gzip.compress(b"\0" * (32 * 1024 * 1024))  # 32 KB that inflate to 32 MB
PATIENCE = 12.0  # no server loop runs longer than this, whoever stops reading


class Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _trickle(self, data: bytes, every: float) -> None:
        stop = time.monotonic() + PATIENCE
        for byte in data:
            if time.monotonic() > stop:
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(every)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        try:
            if path == "/slow-headers":
                self._trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 0.3)
            elif path == "/slow-body":
                self.send_response(200)
                self.send_header("Content-Length", str(len(BODY)))
                self.end_headers()
                self._trickle(BODY, 0.3)
            elif path == "/endless":
                self.send_response(200)
                self.end_headers()
                chunk = b" " * 65536
                stop = time.monotonic() + PATIENCE
                while time.monotonic() < stop:
                    self.wfile.write(chunk)
            elif path == "/truncated":
                self.send_response(200)
                self.send_header("Content-Length", str(len(BODY)))
                self.end_headers()
                self.wfile.write(BODY[:20])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
            elif path == "/gzip":
                packed = gzip.compress(BODY)
                self.send_response(200)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(packed)))
                self.end_headers()
                self.wfile.write(packed)
            elif path == "/gzip-bomb":
                packed = BOMB
                self.send_response(200)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(packed)))
                self.end_headers()
                self.wfile.write(packed)
            elif path == "/redirect":
                self.send_response(307)
                self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path == "/length-short":  # announces less than it sends: the JSON is cut
                self.send_response(200)
                self.send_header("Content-Length", "30")
                self.end_headers()
                self.wfile.write(BODY)
            elif path == "/length-long":  # announces more than it sends, and keeps the connection open
                self.send_response(200)
                self.send_header("Content-Length", str(len(BODY) + 100))
                self.end_headers()
                self.wfile.write(BODY)
                self.wfile.flush()
                time.sleep(PATIENCE / 2)
            elif path.startswith("/hang"):
                time.sleep(PATIENCE / 2)
        except OSError:
            pass  # the hook hung up on us: that is the point

    do_POST = do_GET  # noqa: N815 - the AWS APIs POST


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = Server(("127.0.0.1", 0), Hostile)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class Ctx:
    def __init__(self, ms: int) -> None:
        self.ms = ms
        self.start = time.monotonic()

    def get_remaining_time_in_millis(self) -> int:
        return int(self.ms - (time.monotonic() - self.start) * 1000)


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHOOK_POLICY", str(ROOT / "policies" / "default.policy.yaml"))
    monkeypatch.setenv("GOVHOOK_ALLOW_LOOPBACK_PAYLOAD", "1")
    monkeypatch.setenv("GOVHOOK_DEADLINE_MARGIN_MS", "1000")
    clear_caches()


def stack_event(url: str) -> dict[str, Any]:
    return {"clientRequestToken": "tok", "stackId": STACK_ID, "actionInvocationPoint": "CREATE_PRE_PROVISION",
            "requestData": {"targetName": "STACK", "targetType": "STACK", "targetLogicalId": "app", "payload": url}}


CASES = [
    ("/slow-headers", "timed out after", "no response"),
    ("/slow-body", "timed out after", "the body"),
    ("/endless", "larger than the limit", ""),
    ("/truncated", "truncated", ""),
    ("/gzip", "gzip-encoded", ""),
    ("/gzip-bomb", "gzip-encoded", ""),
    ("/redirect", "redirected (307)", ""),
    ("/length-short", "not JSON", ""),
    ("/length-long", "timed out after", "the body"),
    ("/hang", "timed out after", "no response"),
]


@pytest.mark.parametrize(("path", "needle", "also"), CASES, ids=[c[0] for c in CASES])
def test_a_hostile_payload_server_gets_internal_failure_on_time(server: str, path: str, needle: str, also: str,
                                                                caplog: pytest.LogCaptureFixture,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a 3 s invocation (1 s margin: the answer is due after 2 s)
    ctx = Ctx(3000)
    url = f"{server}{path}?{SIGNATURE}"
    event = stack_event(url)
    started = time.monotonic()
    # WHEN the payload comes from a hostile server
    with caplog.at_level(logging.DEBUG):
        r = assert_contract(event, lambda_handler(event, ctx), secrets=[SECRET])
    took = time.monotonic() - started
    # THEN the answer is FAILED/InternalFailure, before the deadline, naming the problem
    assert (r["hookStatus"], r["errorCode"]) == ("FAILED", "InternalFailure"), r
    assert took < 2.3, f"answered after {took:.2f} s"
    assert needle in r["message"][:1000] and also in r["message"], r["message"]
    out = capsys.readouterr()
    for text in (out.out, out.err, caplog.text):
        assert SECRET not in text


def test_a_good_payload_from_the_same_server_setup_is_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    # The control: the same handler, deadline and loopback switch judge a payload that arrives.
    class Good(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

    httpd = Server(("127.0.0.1", 0), Good)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        event = stack_event(f"http://127.0.0.1:{httpd.server_address[1]}/p?{SIGNATURE}")
        r = assert_contract(event, lambda_handler(event, Ctx(3000)))
        assert r["hookStatus"] == "SUCCESS", r
    finally:
        httpd.shutdown()
        httpd.server_close()


# -- AWS endpoints that hang -------------------------------------------------------------------------


@pytest.fixture()
def hanging_aws(server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every AWS API answers nothing for 6 s (longer than any deadline here)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"{server}/hang")
    clear_caches()
    return server


RESOURCE = {"clientRequestToken": "tok", "stackId": STACK_ID, "actionInvocationPoint": "CREATE_PRE_PROVISION",
            "requestData": {"targetName": "AWS::Lambda::Function", "targetType": "AWS::Lambda::Function",
                            "targetLogicalId": "Fn", "targetModel": {"resourceProperties": {
                                "Runtime": "nodejs22.x", "Handler": "i.h", "Tags": [{"Key": "team", "Value": "a"}],
                                "LoggingConfig": {"LogFormat": "JSON"}, "TracingConfig": {"Mode": "Active"},
                                "ReservedConcurrentExecutions": 10}}}}


@pytest.mark.parametrize("ms", [3000, 6000])
def test_a_hanging_ssm_is_named_and_the_answer_is_on_time(hanging_aws: str, tmp_path: Path, ms: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    pol = tmp_path / "p.yaml"
    pol.write_text("version: 1\nrules:\n  lambda.runtime-allowed:\n    params: {allowed: {ssm: /govhook/rt}}\n")
    monkeypatch.setenv("GOVHOOK_POLICY", str(pol))
    started = time.monotonic()
    r = assert_contract(RESOURCE, lambda_handler(RESOURCE, Ctx(ms)))
    took = time.monotonic() - started
    assert took < (ms - 1000) / 1000 + 0.3, f"answered after {took:.2f} s"
    assert r["errorCode"] == "InternalFailure" and "ssm:GetParameter of /govhook/rt did not answer" in r["message"], r


def test_a_hanging_policy_parameter_is_named_and_the_answer_is_on_time(hanging_aws: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHOOK_POLICY", "ssm:/govhook/policy")
    started = time.monotonic()
    r = assert_contract(RESOURCE, lambda_handler(RESOURCE, Ctx(3000)))
    assert time.monotonic() - started < 2.3
    assert r["errorCode"] == "InternalFailure" and "ssm:GetParameter of the policy /govhook/policy" in r["message"], r


def test_a_hanging_lambda_api_is_named_and_the_answer_is_on_time(hanging_aws: str) -> None:
    # The account facts (GetAccountSettings) are read for the reserved-concurrency headroom rule.
    started = time.monotonic()
    r = assert_contract(RESOURCE, lambda_handler(RESOURCE, Ctx(3000)))
    assert time.monotonic() - started < 2.3
    assert "lambda:GetAccountSettings" in json.dumps(r), r

"""Payload fetching: S3 hosts only, no redirects, a size cap, a deadline, no signature in errors."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from hook.sources.fetch import PayloadError, fetch_payload

SECRET = "X-Amz-Signature=topsecret"


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        Handler.hits[path] = Handler.hits.get(path, 0) + 1
        if path == "/ok":
            self._send(200, b'{"template": "{}"}')
        elif path == "/404":
            self._send(404, b"nope")
        elif path == "/403":
            self._send(403, b"denied")
        elif path == "/slow":
            time.sleep(3)
            self._send(200, b"late")
        elif path == "/big":
            self._send(200, b"x" * 5000)
        elif path == "/big-chunked":
            self.send_response(200)
            self.end_headers()
            for _ in range(10):
                self.wfile.write(b"y" * 1000)
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "https://evil.example.com/payload")
            self.end_headers()
        elif path == "/flaky":
            if Handler.hits[path] < 2:
                self._send(503, b"busy")
            else:
                self._send(200, b"recovered")
        elif path == "/down":
            self._send(500, b"down")
        elif path == "/trickle":
            # each byte arrives well within a per-read timeout; the whole body never within the deadline
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"z")
                self.wfile.flush()
                time.sleep(0.1)
        elif path == "/reset":
            if Handler.hits[path] < 2:
                self.close_connection = True
                self.connection.shutdown(2)  # hang up without an answer: RemoteDisconnected
            else:
                self._send(200, b"after reset")

    def _send(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client hanging up on an oversize or slow body is the point of those tests


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def get(url: str, **kw: object) -> bytes:
    return fetch_payload(url + "?" + SECRET, timeout=kw.pop("timeout", 2.0), allow_loopback=True, **kw)  # type: ignore[arg-type]


def test_fetches_a_payload(server: str) -> None:
    assert get(f"{server}/ok") == b'{"template": "{}"}'


@pytest.mark.parametrize(("path", "needle"), [("/404", "answered 404"), ("/403", "answered 403 Forbidden (expired or not signed")])
def test_http_errors_are_named_without_the_signature(server: str, path: str, needle: str) -> None:
    with pytest.raises(PayloadError) as exc:
        get(server + path)
    assert needle in str(exc.value) and "topsecret" not in str(exc.value) and "?" not in str(exc.value)


def test_slow_response_stops_at_the_deadline(server: str) -> None:
    start = time.monotonic()
    with pytest.raises(PayloadError, match="timed out"):
        get(f"{server}/slow", timeout=0.5)
    assert time.monotonic() - start < 1.5


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
def test_oversize_bodies_are_refused(server: str, path: str) -> None:
    with pytest.raises(PayloadError, match="limit"):
        get(server + path, max_bytes=1024)


def test_redirects_are_not_followed(server: str) -> None:
    with pytest.raises(PayloadError, match=r"redirected \(302\); redirects are not followed"):
        get(f"{server}/redirect")


def test_5xx_is_retried_a_bounded_number_of_times(server: str) -> None:
    assert get(f"{server}/flaky") == b"recovered"
    with pytest.raises(PayloadError, match="answered 500"):
        get(f"{server}/down")
    assert Handler.hits["/down"] == 3


def test_loopback_needs_the_explicit_flag(server: str) -> None:
    with pytest.raises(PayloadError, match="not HTTPS"):
        fetch_payload(f"{server}/ok", timeout=1)


def test_trickled_body_stops_at_the_overall_deadline(server: str) -> None:
    # GIVEN a server that sends one byte every 0.1 s (no single read times out)
    start = time.monotonic()
    # WHEN it is fetched with a 0.8 s deadline
    with pytest.raises(PayloadError, match="timed out") as exc:
        get(f"{server}/trickle", timeout=0.8)
    # THEN it gives up at the deadline, not per read, and shows no signature
    assert time.monotonic() - start < 1.3
    assert "topsecret" not in str(exc.value)


def test_a_dropped_connection_is_retried(server: str) -> None:
    # GIVEN a server that hangs up on the first request
    # WHEN / THEN the retry gets the body
    assert get(f"{server}/reset") == b"after reset"
    assert Handler.hits["/reset"] == 2


def test_fetches_a_presigned_url_from_moto_s3(aws_client: Any) -> None:
    # GIVEN a payload object in moto's S3 and a presigned GET URL for it (served over loopback HTTP)
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="payloads")
    s3.put_object(Bucket="payloads", Key="stack/payload.json", Body=b'{"template": {"Resources": {}}}')
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "payloads", "Key": "stack/payload.json"},
                                    ExpiresIn=60)
    assert "Signature" in url
    # WHEN it is fetched with loopback allowed
    body = fetch_payload(url, timeout=5, allow_loopback=True)
    # THEN the object comes back
    assert body == b'{"template": {"Resources": {}}}'
    # AND without the flag the same URL is refused
    with pytest.raises(PayloadError, match="not HTTPS") as exc:
        fetch_payload(url, timeout=5)
    assert "Signature" not in str(exc.value)


def test_missing_object_on_moto_is_a_clear_404(aws_client: Any) -> None:
    # GIVEN a presigned URL for an object that does not exist
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="payloads")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "payloads", "Key": "gone.json"}, ExpiresIn=60)
    # WHEN / THEN the error names the status and path, never the signature
    with pytest.raises(PayloadError, match=r"/payloads/gone\.json answered 404") as exc:
        fetch_payload(url, timeout=5, allow_loopback=True)
    assert "Signature" not in str(exc.value) and "?" not in str(exc.value)

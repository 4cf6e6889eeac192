"""Fetch a STACK/CHANGE_SET payload from its S3 presigned URL: S3 hosts only, capped, on a deadline.

The URL is parsed once (:func:`parse_payload_url`) and the connection goes to exactly the host and
port that were validated (urllib3, the HTTP client botocore ships with, so nothing new in the
Lambda package). A URL with userinfo, a percent-encoded delimiter or a control character in it, or
a port other than 443, is refused before any connection. The URL carries a signature: no part of
it beyond scheme, host and path is ever in a message.

``timeout`` is one total budget for connecting, the headers, every read of the body and the
retries (5xx answers and dropped connections, at most three attempts, only while time remains).
The request runs in a worker thread the caller waits for at most that long: a server that sends
its headers or body a byte at a time cannot hold the hook past its deadline (urllib3's read timeout
bounds each socket read, not the whole response). Redirects are never followed; the body is
refused past ``max_bytes`` while it streams; a compressed body is refused (we ask for identity).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from hook.core.errors import GovhookError

__all__ = ["PayloadError", "PayloadURL", "fetch_payload", "is_s3_host", "parse_payload_url", "safe_url"]

_S3_HOST = re.compile(
    r"^(?:[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]\.)?"  # virtual-hosted bucket
    r"s3(?:[.\-](?:fips|dualstack|accelerate|external-1|[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d))*"
    r"(?:\.dualstack)?(?:\.[a-z]{2}(?:-gov)?-[a-z]+-\d)?"
    r"\.amazonaws\.com(?:\.cn)?$"
)
#: A presigned URL with a session token is a few KB; anything much longer is not one.
MAX_URL = 16384
_ATTEMPTS = 3
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


class _RedactQuery(logging.Filter):
    """urllib3 logs each request line at DEBUG, query and all: the signature must not reach a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_QUERY.sub("?[redacted]", a) if isinstance(a, str) else a for a in record.args)
        return True


_QUERY = re.compile(r"[?#].*")
logging.getLogger("urllib3.connectionpool").addFilter(_RedactQuery())


class PayloadError(GovhookError):
    """The payload could not be fetched; the message never contains the signature."""


def safe_url(url: str) -> str:
    """``scheme://host/path`` of a URL, however malformed: no userinfo, query or fragment, no
    control characters, at most 300 characters."""
    head = re.split(r"[?#]", url, maxsplit=1)[0]
    scheme, sep, rest = head.partition("://")
    if not sep:
        return "(not a URL)"
    authority, slash, path = rest.partition("/")
    host = authority.rpartition("@")[2]
    text = f"{scheme}://{host}{slash}{path}"
    text = "".join(c if c.isprintable() and c != " " else f"%{ord(c):02X}" for c in text)
    return text if len(text) <= 300 else text[:299] + "…"


def is_s3_host(host: str) -> bool:
    return bool(_S3_HOST.match(host.lower()))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PayloadURL:
    """A payload URL that passed validation: connect to ``host:port`` and ask for ``target``."""

    __slots__ = ("host", "port", "scheme", "shown", "target")

    def __init__(self, scheme: str, host: str, port: int, target: str, shown: str) -> None:
        self.scheme = scheme
        self.host = host
        self.port = port
        self.target = target
        self.shown = shown


def parse_payload_url(url: str, *, allow_loopback: bool = False) -> PayloadURL:
    """Validate a payload URL once; what is returned is exactly what will be connected to."""
    if not isinstance(url, str) or not url:
        raise PayloadError("the payload URL is empty")
    shown = safe_url(url)
    if len(url) > MAX_URL:
        raise PayloadError(f"payload URL {shown} is {len(url)} characters; a presigned URL is at most {MAX_URL}")
    if _UNSAFE.search(url) or not url.isascii():
        raise PayloadError(f"payload URL {shown} contains a space, control, backslash or non-ASCII character")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise PayloadError(f"payload URL {shown} is malformed") from None
    scheme = parts.scheme.lower()
    netloc = parts.netloc
    if "@" in netloc:
        raise PayloadError(f"payload URL {shown} has userinfo (user@ or user:password@); a presigned S3 URL has none")
    if "%" in netloc:
        raise PayloadError(f"payload URL {shown} has a percent-encoded character in its host")
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        raise PayloadError(f"payload URL {shown} has a malformed port") from None
    loopback = allow_loopback and _is_loopback(host) and scheme in ("http", "https")
    if not loopback:
        if scheme != "https":
            raise PayloadError(f"payload URL {shown} is not HTTPS")
        if not is_s3_host(host):
            raise PayloadError(f"payload URL host {host or '(none)'} is not an S3 endpoint")
        if port not in (None, 443):
            raise PayloadError(f"payload URL {shown} names port {port}; S3 answers on the default port 443")
        if netloc.lower() not in (host, f"{host}:443"):
            raise PayloadError(f"payload URL {shown} has an authority that is not just its host")
    path = parts.path or "/"
    if not path.startswith("/"):
        raise PayloadError(f"payload URL {shown} has a path that does not start with /")
    target = path + (f"?{parts.query}" if parts.query else "")
    default = 443 if scheme == "https" else 80
    return PayloadURL(scheme, host, port or default, target, f"{scheme}://{host}{path}"[:300])


class _Attempt:
    """One request in a worker thread; the caller reads its outcome after joining it."""

    def __init__(self, pool: Any, url: PayloadURL, timeout: float, deadline: float, max_bytes: int) -> None:
        self.pool = pool
        self.url = url
        self.timeout = timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.phase = "connecting"
        self.received = 0
        self.expected: int | None = None
        self.body: bytes | None = None
        self.error: BaseException | None = None
        self.status = 0
        self.response: Any = None
        self.cancelled = False

    def run(self) -> None:
        try:
            self.body = self._fetch()
        except BaseException as exc:  # handed to the caller's thread
            self.error = exc

    def _fetch(self) -> bytes:
        import urllib3

        shown = self.url.shown
        wait = max(0.01, self.deadline - time.monotonic())
        resp = self.pool.urlopen(
            "GET", self.url.target, headers={"Accept-Encoding": "identity", "User-Agent": "govhook"},
            redirect=False, retries=False, preload_content=False, decode_content=False,
            timeout=urllib3.Timeout(connect=wait, read=wait), assert_same_host=True,
        )
        self.response = resp
        self.status = resp.status
        try:
            if 300 <= resp.status < 400:
                raise PayloadError(f"payload URL {shown} redirected ({resp.status}); redirects are not followed")
            if resp.status >= 400:
                return b""
            encoding = (resp.headers.get("Content-Encoding") or "identity").strip().lower()
            if encoding not in ("identity", ""):
                raise PayloadError(f"payload {shown} came {encoding}-encoded; it was asked for uncompressed "
                                   "(identity), as S3 serves the hook's payload")
            length = resp.headers.get("Content-Length")
            if length is not None:
                if not length.strip().isdigit():
                    raise PayloadError(f"payload {shown} has a malformed Content-Length")
                self.expected = int(length)
                if self.expected > self.max_bytes:
                    raise PayloadError(f"payload {shown} is {self.expected} bytes; the limit is {self.max_bytes}")
            self.phase = "reading the body"
            chunks: list[bytes] = []
            while not self.cancelled:
                chunk = resp.read(65536)
                if not chunk:
                    break
                self.received += len(chunk)
                if self.received > self.max_bytes:
                    raise PayloadError(f"payload {shown} is larger than the limit of {self.max_bytes} bytes")
                chunks.append(chunk)
            if self.expected is not None and self.received != self.expected:
                raise PayloadError(f"payload {shown} was truncated: {self.received} of the {self.expected} bytes "
                                   "its Content-Length announced")
            return b"".join(chunks)
        finally:
            resp.release_conn()

    def cancel(self) -> None:
        """Stop a worker that outlived its caller's patience: shut the socket so a blocked read
        returns at once (urllib3 2.3+), else the read timeout ends it."""
        self.cancelled = True
        shutdown = getattr(self.response, "shutdown", None)
        try:
            if callable(shutdown):
                shutdown()
            self.pool.close()
        except Exception:  # best effort on a connection we are abandoning
            pass


def _pool(url: PayloadURL) -> Any:
    import urllib3

    if url.scheme == "https":
        return urllib3.HTTPSConnectionPool(url.host, url.port, maxsize=1, block=False, retries=False)
    return urllib3.HTTPConnectionPool(url.host, url.port, maxsize=1, block=False, retries=False)


def _describe_error(exc: BaseException) -> str:
    """An urllib3/socket error in words that never contain the URL (urllib3 puts it in its own)."""
    import urllib3.exceptions as ue

    if isinstance(exc, ue.ProtocolError):
        text = str(exc)
        if "IncompleteRead" in text or "Connection broken" in text:
            return "the connection broke before the whole body arrived (truncated)"
        return "the connection was dropped"
    if isinstance(exc, ue.SSLError):
        return "the TLS handshake failed"
    if isinstance(exc, ue.NewConnectionError | ConnectionError):
        return "the connection was refused or could not be opened"
    if isinstance(exc, ue.TimeoutError | TimeoutError):
        return "timed out"
    if isinstance(exc, ue.HTTPError):
        return type(exc).__name__
    return type(exc).__name__


def _timed_out(run: _Attempt, timeout: float) -> str:
    if run.phase == "connecting":
        what = "no response (connect and headers)"
    else:
        what = f"the body ({run.received} bytes" + (f" of {run.expected}" if run.expected is not None else "") + ")"
    return f"payload {run.url.shown} timed out after {timeout:.1f} s waiting for {what}"


def fetch_payload(url: str, *, timeout: float, max_bytes: int = 10 * 1024 * 1024, allow_loopback: bool = False) -> bytes:
    target = parse_payload_url(url, allow_loopback=allow_loopback)
    shown = target.shown
    deadline = time.monotonic() + timeout
    attempt = 0
    while True:
        attempt += 1
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PayloadError(f"payload {shown} timed out after {timeout:.1f} s")
        pool = _pool(target)
        run = _Attempt(pool, target, timeout, deadline, max_bytes)
        worker = threading.Thread(target=run.run, name="govhook-payload", daemon=True)
        worker.start()
        worker.join(remaining)
        if worker.is_alive():
            run.cancel()
            raise PayloadError(_timed_out(run, timeout))
        pool.close()
        if run.error is None and run.status < 400:
            assert run.body is not None
            return run.body
        if isinstance(run.error, PayloadError):
            raise run.error
        retryable = run.error is not None or run.status >= 500
        if run.error is not None and run.received:
            retryable = False  # a body that broke half-way is reported, not silently re-fetched
        if retryable and attempt < _ATTEMPTS and deadline - time.monotonic() > 0.5:
            time.sleep(min(0.1 * attempt, max(0.0, deadline - time.monotonic() - 0.4)))
            continue
        if run.error is not None:
            reason = _describe_error(run.error)
            if reason == "timed out":
                raise PayloadError(_timed_out(run, timeout))
            raise PayloadError(f"payload {shown} could not be fetched: {reason}")
        from http.client import responses

        hint = {403: " (expired or not signed for this request)", 404: " (no such object)"}.get(run.status, "")
        raise PayloadError(f"payload URL {shown} answered {run.status} {responses.get(run.status, '')}".rstrip() + hint)

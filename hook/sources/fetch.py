"""Fetch a STACK/CHANGE_SET payload from its S3 presigned URL: S3 hosts only, capped, on a deadline.

The URL carries a signature: it is never logged, and errors show scheme://host/path only.
Every redirect is refused (a presigned S3 URL answers directly; following one could leave S3).
The timeout is one overall deadline for connect, retries and every read. 5xx answers and dropped
connections are retried at most twice, only while time remains.
"""

from __future__ import annotations

import ipaddress
import re
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from hook.core.errors import GovhookError

__all__ = ["PayloadError", "fetch_payload", "is_s3_host", "safe_url"]

_S3_HOST = re.compile(
    r"^(?:[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]\.)?"  # virtual-hosted bucket
    r"s3(?:[.\-](?:fips|dualstack|accelerate|external-1|[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d))*"
    r"(?:\.dualstack)?(?:\.[a-z]{2}(?:-gov)?-[a-z]+-\d)?"
    r"\.amazonaws\.com(?:\.cn)?$"
)


class PayloadError(GovhookError):
    """The payload could not be fetched; the message never contains the signature."""


def safe_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{parts.path}"


def is_s3_host(host: str) -> bool:
    return bool(_S3_HOST.match(host.lower()))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _limit_socket_wait(resp: object, remaining: float) -> None:
    """Bound the next read by what is left of the overall deadline, not a fresh per-read timeout,
    so a server that trickles bytes cannot stretch the fetch past the deadline."""
    sock = getattr(getattr(getattr(resp, "fp", None), "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(max(0.01, remaining))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        raise PayloadError(f"payload URL {safe_url(req.full_url)} redirected ({code}); redirects are not followed")


_opener: urllib.request.OpenerDirector | None = None


def _open(request: urllib.request.Request, timeout: float) -> Any:
    # Built on first use: an HTTPS handler loads the system CA store (~50 ms), which a RESOURCE
    # invocation, the kind CloudFormation sends most, never needs.
    global _opener
    if _opener is None:
        _opener = urllib.request.build_opener(_NoRedirect)
    return _opener.open(request, timeout=timeout)


def fetch_payload(url: str, *, timeout: float, max_bytes: int = 10 * 1024 * 1024, allow_loopback: bool = False) -> bytes:
    parts = urlsplit(url)
    host = parts.hostname or ""
    shown = safe_url(url)
    if allow_loopback and _is_loopback(host) and parts.scheme in ("http", "https"):
        pass
    elif parts.scheme != "https":
        raise PayloadError(f"payload URL {shown} is not HTTPS")
    elif not is_s3_host(host):
        raise PayloadError(f"payload URL host {host or '(none)'} is not an S3 endpoint")
    deadline = time.monotonic() + timeout
    attempt = 0
    while True:
        attempt += 1
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PayloadError(f"payload {shown} timed out after {timeout:.1f} s")
        try:
            with _open(urllib.request.Request(url), timeout=remaining) as resp:
                length = resp.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > max_bytes:
                    raise PayloadError(f"payload {shown} is {int(length)} bytes; the limit is {max_bytes}")
                chunks: list[bytes] = []
                size = 0
                while True:
                    if time.monotonic() > deadline:
                        raise PayloadError(f"payload {shown} timed out after {timeout:.1f} s")
                    _limit_socket_wait(resp, deadline - time.monotonic())
                    chunk = resp.read1(65536)  # what has arrived; read() would wait for all 64 KiB
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > max_bytes:
                        raise PayloadError(f"payload {shown} is larger than the limit of {max_bytes} bytes")
                    chunks.append(chunk)
                return b"".join(chunks)
        except PayloadError:
            raise
        except urllib.error.HTTPError as exc:
            if exc.code >= 500 and attempt < 3 and deadline - time.monotonic() > 0.5:
                time.sleep(min(0.2 * attempt, max(0.0, deadline - time.monotonic() - 0.3)))
                continue
            hint = {403: " (expired or not signed for this request)", 404: " (no such object)"}.get(exc.code, "")
            raise PayloadError(f"payload URL {shown} answered {exc.code} {exc.reason}{hint}") from None
        except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if "timed out" in str(reason) or isinstance(exc, TimeoutError):
                raise PayloadError(f"payload {shown} timed out after {timeout:.1f} s") from None
            if attempt < 3 and deadline - time.monotonic() > 0.5:
                time.sleep(0.1 * attempt)
                continue
            raise PayloadError(f"payload {shown} could not be fetched: {type(exc).__name__}: {reason}") from None

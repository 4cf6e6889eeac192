"""What every hook response is, on every path: UTF-8 encodable, JSON-serializable, within limits.

The limits are CloudFormation's (shared/reference/hook-contract.md section 2): ``message`` at most
4,096 characters (1,024 for Cloud Control, whose stack events show no more), annotation names
1-1,024, status and remediation messages 1-16,384, remediation links 1-5,120 (``https://``), at most
50 annotations here. :func:`finalize` rebuilds a response from those fields only, so a hostile event
(a lone surrogate in the token, a 10 MB type name) cannot make Lambda fail to return our verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "ANNOTATION_LINK", "ANNOTATION_NAME", "ANNOTATION_TEXT", "IDENT", "MAX_ANNOTATIONS", "MAX_MESSAGE",
    "MAX_MESSAGE_CLOUD_CONTROL", "clean", "clip", "finalize", "ident", "message_limit", "url_secrets",
]

MAX_MESSAGE = 4096
MAX_MESSAGE_CLOUD_CONTROL = 1024
ANNOTATION_NAME = 1024
ANNOTATION_TEXT = 16384
ANNOTATION_LINK = 5120
MAX_ANNOTATIONS = 50
#: An identifier taken from the event (type name, logical id) is shown at most this long.
IDENT = 200

_STATUSES = ("SUCCESS", "FAILED", "IN_PROGRESS")
_CODES = ("NonCompliant", "InternalFailure")
_ANN_STATUSES = ("PASSED", "FAILED", "SKIPPED")
_SEVERITIES = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")


def clean(text: Any) -> str:
    """``text`` as a string that encodes as UTF-8: each lone surrogate becomes U+FFFD (a pair
    written as two surrogates becomes its character)."""
    out = text if isinstance(text, str) else str(text)
    try:
        out.encode("utf-8")
        return out
    except UnicodeEncodeError:
        return out.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters; a cut text ends with an ellipsis."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def ident(value: Any, limit: int = IDENT) -> str:
    """An identifier from the event, safe to put in a message: encodable and short."""
    return clip(clean(value), limit)


def message_limit(event: Any) -> int:
    """The ``message`` limit of the target this event came for: 4,096, or 1,024 for Cloud Control.

    An event that does not say clearly that it comes from a stack (a stack id, a STACK or
    CHANGE_SET target) gets the smaller limit, which is valid for both.
    """
    if not isinstance(event, Mapping):
        return MAX_MESSAGE_CLOUD_CONTROL
    data = event.get("requestData")
    if isinstance(data, Mapping) and ({data.get("targetName"), data.get("targetType")} & {"STACK", "CHANGE_SET"}):
        return MAX_MESSAGE
    stack_id = event.get("stackId", event.get("stackID"))
    return MAX_MESSAGE if isinstance(stack_id, str) and stack_id else MAX_MESSAGE_CLOUD_CONTROL


def url_secrets(event: Any) -> tuple[str, ...]:
    """The parts of a STACK/CHANGE_SET payload URL that must never be shown: the query (the
    signature), the userinfo, the fragment and the URL itself; the longest first."""
    data = event.get("requestData") if isinstance(event, Mapping) else None
    url = data.get("payload") if isinstance(data, Mapping) else None
    if not isinstance(url, str) or not url:
        return ()
    found = {url}
    try:
        parts = urlsplit(url)
        found |= {parts.query, parts.fragment}
        netloc = parts.netloc
        if "@" in netloc:
            found |= {netloc, netloc.rpartition("@")[0]}
    except ValueError:
        pass
    if "?" in url:
        found.add(url.split("?", 1)[1])
    if "#" in url:
        found.add(url.split("#", 1)[1])
    return tuple(sorted((s for s in found if len(s) >= 4), key=len, reverse=True))


def _text(value: Any, limit: int, secrets: Iterable[str], fallback: str) -> str:
    text = clean(value) if value is not None else ""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "[redacted]")
    return clip(text, limit) or fallback


def finalize(response: Mapping[str, Any], token_key: str, token: Any, limit: int,
             secrets: Iterable[str] = ()) -> dict[str, Any]:
    """A response CloudFormation accepts, built from ``response``'s known fields only.

    hookStatus is one of the enum (anything else answers FAILED), errorCode is present exactly
    when FAILED, the token is echoed under the key that came, every text is encodable and cut to
    its field's limit, and no part of ``secrets`` appears anywhere.
    """
    secrets = tuple(s for s in secrets if s)
    status = response.get("hookStatus")
    if status not in _STATUSES:
        status = "FAILED"
    out: dict[str, Any] = {"hookStatus": status}
    if status == "FAILED":
        code = response.get("errorCode")
        out["errorCode"] = code if code in _CODES else "InternalFailure"
    out["message"] = _text(response.get("message"), limit, secrets, "govhook: no message")
    out[token_key] = None if not isinstance(token, str) else clean(token)
    annotations = response.get("annotations")
    if isinstance(annotations, list) and annotations:
        anns = [_annotation(a, secrets) for a in annotations[:MAX_ANNOTATIONS] if isinstance(a, Mapping)]
        if anns:
            out["annotations"] = anns
    if status == "IN_PROGRESS":
        for key in ("callbackContext", "callbackDelaySeconds"):
            if key in response:
                out[key] = response[key]
    return out


def _annotation(ann: Mapping[str, Any], secrets: tuple[str, ...]) -> dict[str, Any]:
    status = ann.get("status")
    severity = ann.get("severityLevel")
    out: dict[str, Any] = {
        "annotationName": _text(ann.get("annotationName"), ANNOTATION_NAME, secrets, "govhook"),
        "status": status if status in _ANN_STATUSES else "FAILED",
        "statusMessage": _text(ann.get("statusMessage"), ANNOTATION_TEXT, secrets, str(status or "FAILED")),
        "severityLevel": severity if severity in _SEVERITIES else "INFORMATIONAL",
    }
    if ann.get("remediationMessage") is not None:
        out["remediationMessage"] = _text(ann["remediationMessage"], ANNOTATION_TEXT, secrets, "See the rule documentation.")
    link = ann.get("remediationLink")
    if isinstance(link, str):
        link = clean(link)
        # A link cut short is a broken link: one over the limit is left out.
        if link.startswith("https://") and len(link) <= ANNOTATION_LINK and not any(s in link for s in secrets):
            out["remediationLink"] = link
    return out

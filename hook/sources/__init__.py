"""Values from AWS behind one TTL cache: SSM parameters, the policy, account facts.

The cache uses a monotonic clock; entries live ``GOVHOOK_CACHE_SECONDS`` (default 300). When a
refresh fails, the last good value is served for at most ``GOVHOOK_STALE_SECONDS`` (default 3600)
and a note says so. ``clear_caches()`` empties every cache (tests). boto3 is imported, and its
clients created, only when a value is first needed, then reused by warm invocations.
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Callable
from typing import Any

from hook.core._record import Record
from hook.core.errors import GovhookError
from hook.core.policy_model import Policy, ValueRef
from hook.core.values import ValueSourceError
from hook.sdk import AccountSettings, FactUnavailable

__all__ = ["AwsAccount", "SSMValues", "SourceError", "TTLCache", "clear_caches", "get_policy"]


class SourceError(GovhookError):
    """A value source (SSM, S3, a file) could not be read."""


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


class _Entry(Record):
    _fields = ("value", "fetched", "last_error")

    def __init__(self, value: Any, fetched: float, last_error: str = "") -> None:
        self.value = value
        self.fetched = fetched
        self.last_error = last_error


# After a failed call the source is left alone for a pause counted from when the failed call ended
# (a call slower than the pause does not use it up): 30 s while a last good value can be served
# (with a note), else 1 s doubling with each failure in a row up to 30 s, the remembered failure
# raised without asking. Never longer than the cache age. A throttled or hanging SSM is not asked
# again by every warm invocation.
_RETRY_PAUSE = 30.0
_FIRST_PAUSE = 1.0
_MAX_NOTES = 20
#: Entries per cache (least recently used evicted first): per-function account facts are keyed by
#: function name, and a busy account has many.
MAX_ENTRIES = 512


class _Failure(Record):
    _fields = ("kind", "message", "count", "retry_after", "pause")

    def __init__(self, kind: type[Exception], message: str, count: int, retry_after: float, pause: float) -> None:
        self.kind = kind
        self.message = message
        self.count = count
        self.retry_after = retry_after
        self.pause = pause


def _not_attempted(exc: BaseException) -> bool:
    """The call was never made (no time was left): not the source's failure, nothing to remember."""
    from hook.sources.budget import NotAttempted

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, NotAttempted):
            return True
        seen = seen.__cause__
    return False


class TTLCache:
    """Values by key, fresh for ``max_age`` seconds of a monotonic clock, then refetched.

    When a refresh fails, the last good value is served for at most ``stale_for`` seconds past its
    age, with a note; after that the failure is raised. Failures are remembered per key with a
    growing pause (see ``_RETRY_PAUSE``). At most ``max_entries`` keys are kept, the least recently
    used evicted first. Notes are kept until the owner takes them.
    """

    def __init__(self, max_age: float | None = None, stale_for: float | None = None,
                 clock: Callable[[], float] = time.monotonic, max_entries: int = MAX_ENTRIES) -> None:
        self.max_age = _env_float("GOVHOOK_CACHE_SECONDS", 300) if max_age is None else max_age
        self.stale_for = _env_float("GOVHOOK_STALE_SECONDS", 3600) if stale_for is None else stale_for
        self.clock = clock
        self.max_entries = max_entries
        self._data: dict[str, _Entry] = {}
        self._failures: dict[str, _Failure] = {}
        self.notes: list[str] = []
        _CACHES.add(self)

    def size(self) -> tuple[int, int]:
        """(values, remembered failures) held."""
        return len(self._data), len(self._failures)

    def get(self, key: str, fetch: Callable[[], Any], describe: str | None = None) -> Any:
        now = self.clock()
        entry = self._data.get(key)
        if entry is not None:
            self._data[key] = self._data.pop(key)  # most recently used last
            if now - entry.fetched < self.max_age:
                return entry.value
        usable = entry is not None and now - entry.fetched < self.max_age + self.stale_for
        failure = self._failures.get(key)
        if failure is not None and now < failure.retry_after:
            if entry is not None and usable:
                self._note(describe or key, entry.last_error, now - entry.fetched)
                return entry.value
            raise self._remembered(failure)
        try:
            value = fetch()
        except Exception as exc:
            if _not_attempted(exc):
                raise
            ended = self.clock()
            count = failure.count + 1 if failure is not None else 1
            # With a last good value to serve there is no hurry: the whole pause. Without one, the
            # pause starts short, so a passing fault does not fail closed for long.
            grow = _RETRY_PAUSE if entry is not None and usable else _FIRST_PAUSE * 2 ** (count - 1)
            pause = min(self.max_age, _RETRY_PAUSE, grow)
            self._failures.pop(key, None)
            self._failures[key] = _Failure(type(exc), str(exc), count, ended + pause, pause)
            if len(self._failures) > self.max_entries:
                del self._failures[next(iter(self._failures))]
            if entry is not None and usable:
                entry.last_error = _short(exc)
                self._note(describe or key, entry.last_error, now - entry.fetched)
                return entry.value
            raise
        self._failures.pop(key, None)
        self._data.pop(key, None)
        self._data[key] = _Entry(value, now)
        if len(self._data) > self.max_entries:
            del self._data[next(iter(self._data))]
        return value

    def _remembered(self, failure: _Failure) -> Exception:
        # The pause, not the time left of it: the same failure reads the same in every answer.
        text = (f"{failure.message} (remembered: not asked again for {failure.pause:g} s after "
                f"{failure.count} failure{'' if failure.count == 1 else 's'} in a row)")
        try:
            return failure.kind(text)
        except Exception:
            return SourceError(text)

    def _note(self, what: str, error: str, age: float) -> None:
        note = f"{what} could not be refreshed ({error}); using the value fetched {int(age)} s ago"
        # Bounded: notes nobody takes (an error path that never reaches the engine) must not grow
        # in a warm Lambda.
        if len(self.notes) < _MAX_NOTES:
            self.notes.append(note)

    def clear(self) -> None:
        self._data.clear()
        self._failures.clear()
        self.notes.clear()


_CACHES: weakref.WeakSet[TTLCache] = weakref.WeakSet()


def clear_caches() -> None:
    for cache in _CACHES:
        cache.clear()
    _CLIENTS.clear()


def _short(exc: BaseException) -> str:
    """The AWS error code (``ThrottlingException``) of an error or of its cause, else its class name."""
    seen: BaseException | None = exc
    while seen is not None:
        response = getattr(seen, "response", None)
        code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
        if code:
            return str(code)
        seen = seen.__cause__
    return type(exc).__name__


def _aws_message(exc: BaseException) -> str:
    """The ``Error.Message`` AWS sent with an error (or its cause's), else ``""``."""
    seen: BaseException | None = exc
    while seen is not None:
        response = getattr(seen, "response", None)
        if isinstance(response, dict):
            return str(response.get("Error", {}).get("Message") or "")
        seen = seen.__cause__
    return ""


def _ssm_denial(name: str, exc: BaseException, code: str, ssm: Any) -> str:
    """What GetParameter(WithDecryption=True) refused and what to grant; ``""`` for other errors.

    A SecureString under a customer managed key needs ``kms:Decrypt`` on the key besides
    ``ssm:GetParameter``. AWS answers a missing ``kms:Decrypt`` with SSM's own code,
    ``AccessDeniedException``, and KMS's message ("User: ... is not authorized to perform:
    kms:Decrypt on resource: arn:aws:kms:...:key/... (Service: AWSKMS; ...)"); a disabled, deleted
    or pending-deletion key is ``InvalidKeyId`` with KMS's reason in the message.
    """
    import re  # the error path only

    message = _aws_message(exc)
    if code == "InvalidKeyId" or code.startswith("KMS"):
        return (f"its KMS key cannot decrypt it ({code}: {message or exc}); enable the key or cancel its "
                "deletion, or re-encrypt the parameter under a key the hook's role may use")
    if code not in ("AccessDeniedException", "AccessDenied"):
        return ""
    found = re.search(r"arn:aws[\w-]*:ssm:[\w-]+:\d{12}:parameter/[^\s,;()]+", message)
    parameter = found.group(0).rstrip(".") if found else _parameter_arn(name, message, ssm)
    key = re.search(r"arn:aws[\w-]*:kms:[\w-]+:\d{12}:key/[\w-]+", message)
    # KMS's words, not a role that happens to be called kms-something (a role name has no colon).
    if re.search(r"(?i:\bkms:[a-z])|AWSKMS|Service: ?Kms\b|customer master key", message):
        target = key.group(0) if key else "the parameter's KMS key"
        return (f"access denied by AWS KMS decrypting the SecureString ({code}); the hook's role needs "
                f"kms:Decrypt on {target} (and the key policy must allow it), besides ssm:GetParameter "
                f"on {parameter}")
    return (f"access denied ({code}); the hook's role needs ssm:GetParameter on {parameter}, and kms:Decrypt "
            "on the parameter's key if it is a SecureString under a customer managed key")


def _parameter_arn(name: str, message: str, ssm: Any) -> str:
    """The parameter's ARN: the account from the denied principal in AWS's message, else ``*``."""
    import re

    if name.startswith("arn:"):
        return name
    meta = getattr(ssm, "meta", None)
    region = getattr(meta, "region_name", None) or os.environ.get("AWS_REGION") or "*"
    partition = getattr(meta, "partition", None) or "aws"
    principal = re.search(r"arn:aws[\w-]*:(?:iam|sts)::(\d{12}):", message)
    account = principal.group(1) if principal else "*"
    return f"arn:{partition}:ssm:{region}:{account}:parameter/{name.lstrip('/')}"


#: ``(service, timeout bucket) -> client``; a client stored under the bare service name (a test's
#: stubbed client) serves every budget.
_CLIENTS: dict[Any, Any] = {}
#: Per-call timeouts are rounded down to one of these, so a few clients per service serve every
#: budget (a client costs tens of milliseconds to make). A call never waits past 3 s per attempt.
_BUCKETS = (3.0, 2.0, 1.0, 0.5, 0.25)
#: The most a single AWS call may take, retries included, even with time to spare.
AWS_CALL_CAP = 6.0


def use_clients(**clients: Any) -> None:
    """Serve these boto3 clients (by service name: ``ssm=...``, ``s3=...``) for every call of this
    process that has no client of its own: the CLI's ``--profile``/``--region`` session."""
    _CLIENTS.update(clients)


def client(service: str, timeout: float = AWS_CALL_CAP) -> Any:
    """A boto3 client whose connect and read timeouts, and retries, fit in ``timeout`` seconds."""
    if service in _CLIENTS:
        return _CLIENTS[service]
    bucket = next((b for b in _BUCKETS if b <= timeout), _BUCKETS[-1])
    key = (service, bucket)
    if key not in _CLIENTS:
        import boto3
        from botocore.config import Config

        # Each attempt may take connect + read; a second attempt only when both fit.
        attempts = 2 if 2 * (min(2.0, bucket) + bucket) <= timeout else 1
        config = Config(connect_timeout=min(2.0, bucket), read_timeout=bucket,
                        retries={"total_max_attempts": attempts, "mode": "standard"})
        # botocore reads AWS_DEFAULT_REGION only; Lambda and many shells set AWS_REGION.
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
        _CLIENTS[key] = boto3.client(service, region_name=region, config=config)  # type: ignore[call-overload]
    return _CLIENTS[key]


def aws_call(service: str, what: str, fn: Callable[[Any], Any], injected: Any = None) -> Any:
    """``fn(client)`` within the invocation's remaining budget: the client's timeouts and retries
    are sized to it, and a guard stops waiting when it runs out (OutOfTime names ``what``)."""
    from hook.sources.budget import OutOfTime, current, guarded

    timeout = current().for_call(what, AWS_CALL_CAP)
    c = injected if injected is not None else client(service, timeout)
    try:
        return guarded(what, lambda: fn(c), timeout)
    except Exception as exc:
        if type(exc).__name__ in ("ReadTimeoutError", "ConnectTimeoutError"):  # botocore's own timeouts
            raise OutOfTime(f"{what} did not answer within {timeout:.1f} s (the time left before the deadline)") from exc
        raise


_SSM_CACHE = TTLCache()


class SSMValues:
    """``{ssm: NAME}`` parameter references, read from SSM Parameter Store through the cache."""

    def __init__(self, cache: TTLCache | None = None, ssm: Any = None) -> None:
        self.cache = cache or _SSM_CACHE
        self._ssm = ssm

    def _fetch(self, name: str) -> str:
        from hook.sources.budget import OutOfTime

        ssm: Any = self._ssm
        try:
            return str(aws_call("ssm", f"ssm:GetParameter of {name}",
                                lambda c: c.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"], ssm))
        except OutOfTime as exc:
            raise ValueSourceError(f"ssm:{name} could not be read in time: {exc}") from exc
        except Exception as exc:
            code = _short(exc)
            if code == "ParameterNotFound":
                raise ValueSourceError(f"ssm:{name} does not exist (ParameterNotFound)") from exc
            what = _ssm_denial(name, exc, code, ssm)
            if what:
                raise ValueSourceError(f"ssm:{name}: {what}") from exc
            raise ValueSourceError(f"ssm:{name} could not be read: {code}: {exc}") from exc

    def resolve(self, ref: ValueRef) -> Any:
        """The parameter's value. A parameter that does not exist falls back to the policy's
        default (with a note); any other failure raises, and the policy's on_error decides."""
        try:
            return self.cache.get(f"ssm:{ref.ssm}", lambda: self._fetch(ref.ssm), f"ssm:{ref.ssm}")
        except ValueSourceError as exc:
            if ref.has_default and "ParameterNotFound" in str(exc):
                self.cache.notes.append(f"ssm:{ref.ssm} does not exist; the policy's default was used")
                return ref.default
            if ref.has_default:
                # Fail closed: a default stands in for a parameter nobody created, never for an SSM
                # that is down or denies us (that would silently loosen the policy).
                raise ValueSourceError(
                    f"{exc}; the policy's default is used only when the parameter does not exist, "
                    "so the rule's on_error decides"
                ) from exc
            raise

    def notes(self) -> list[str]:
        out = list(self.cache.notes)
        self.cache.notes.clear()
        return out


_ACCOUNT_CACHE = TTLCache()


class AwsAccount:
    """Account facts from the Lambda API, cached; errors become FactUnavailable (the rule SKIPs).

    A failed refresh serves the last good fact for ``GOVHOOK_STALE_SECONDS`` with a note, as the
    SSM values do; the engine takes the notes (:meth:`notes`) into the verdict.
    """

    def __init__(self, cache: TTLCache | None = None, lambda_client: Any = None) -> None:
        self.cache = cache or _ACCOUNT_CACHE
        self._lambda = lambda_client

    def _call(self, action: str, fn: Callable[[Any], Any]) -> Any:
        from hook.sources.budget import OutOfTime

        try:
            return aws_call("lambda", f"lambda:{action}", fn, self._lambda)
        except OutOfTime as exc:
            raise FactUnavailable(f"lambda:{action} could not be read in time: {exc}") from exc
        except Exception as exc:
            code = _short(exc)
            if code in ("AccessDeniedException", "AccessDenied"):
                raise FactUnavailable(f"lambda:{action} denied ({code}): grant it to the hook's role") from exc
            if code == "ResourceNotFoundException":
                raise
            raise FactUnavailable(f"lambda:{action} failed: {code}") from exc

    def account_settings(self) -> AccountSettings:
        def fetch() -> AccountSettings:
            r = self._call("GetAccountSettings", lambda c: c.get_account_settings())
            lim, use = r["AccountLimit"], r["AccountUsage"]
            return AccountSettings(
                total_code_size_limit=int(lim["TotalCodeSize"]),
                code_size_unzipped_limit=int(lim["CodeSizeUnzipped"]),
                code_size_zipped_limit=int(lim["CodeSizeZipped"]),
                concurrent_executions_limit=int(lim["ConcurrentExecutions"]),
                unreserved_concurrent_executions=int(lim["UnreservedConcurrentExecutions"]),
                total_code_size_usage=int(use["TotalCodeSize"]),
                function_count=int(use["FunctionCount"]),
            )

        return self.cache.get("lambda:settings", fetch, "lambda:GetAccountSettings")  # type: ignore[no-any-return]

    def function_versions(self, function_name: str) -> list[str]:
        def fetch() -> list[str]:
            def run(c: Any) -> list[str]:
                out: list[str] = []
                for page in c.get_paginator("list_versions_by_function").paginate(FunctionName=function_name):
                    out.extend(v["Version"] for v in page["Versions"] if v["Version"] != "$LATEST")
                return out

            try:
                return self._call("ListVersionsByFunction", run)  # type: ignore[no-any-return]
            except Exception as exc:
                if _short(exc) == "ResourceNotFoundException":
                    return []
                raise

        return self.cache.get(  # type: ignore[no-any-return]
            f"lambda:versions:{function_name}", fetch, f"lambda:ListVersionsByFunction of {function_name}"
        )

    def function_concurrency(self, function_name: str) -> int | None:
        def fetch() -> int | None:
            try:
                r = self._call("GetFunctionConcurrency", lambda c: c.get_function_concurrency(FunctionName=function_name))
            except Exception as exc:
                if _short(exc) == "ResourceNotFoundException":
                    return None
                raise
            value = r.get("ReservedConcurrentExecutions")
            return int(value) if value is not None else None

        return self.cache.get(  # type: ignore[no-any-return]
            f"lambda:concurrency:{function_name}", fetch, f"lambda:GetFunctionConcurrency of {function_name}"
        )

    def notes(self) -> list[str]:
        """Facts served stale since the last call (the refresh failed), each with the AWS error."""
        out = list(self.cache.notes)
        self.cache.notes.clear()
        return out


_POLICY_CACHE = TTLCache()


def _read_policy_text(location: str) -> str:
    from hook.sources.budget import OutOfTime

    if location.startswith("ssm:"):
        name = location[4:]
        ssm: Any = _CLIENTS.get("ssm")
        try:
            return str(aws_call("ssm", f"ssm:GetParameter of the policy {name}",
                                lambda c: c.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]))
        except OutOfTime as exc:
            raise SourceError(f"policy {location} could not be read in time: {exc}") from exc
        except Exception as exc:
            code = _short(exc)
            raise SourceError(f"policy {location} could not be read: {_ssm_denial(name, exc, code, ssm) or code}") from exc
    if location.startswith("s3://"):
        bucket, _, key = location[5:].partition("/")
        try:
            body = aws_call("s3", f"s3:GetObject of the policy {location}",
                            lambda c: c.get_object(Bucket=bucket, Key=key)["Body"].read())
            return body.decode("utf-8")  # type: ignore[no-any-return]
        except OutOfTime as exc:
            raise SourceError(f"policy {location} could not be read in time: {exc}") from exc
        except Exception as exc:
            raise SourceError(f"policy {location} could not be read: {_short(exc)}") from exc
    candidates = [location]
    if not os.path.isabs(location):
        roots = [os.environ.get("LAMBDA_TASK_ROOT", ""), os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))]
        candidates += [os.path.join(r, location) for r in roots if r]
    for path in candidates:
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as fh:
                return fh.read()
    raise SourceError(f"policy file {location} not found")


def get_policy(location: str, registry: Any) -> tuple[Policy, list[str]]:
    """The policy at a file path, ``ssm:/name`` or ``s3://bucket/key``, validated, cached."""
    from hook.core.policy import parse_policy

    def fetch() -> Policy:
        return parse_policy(_read_policy_text(location), location, registry)

    policy = _POLICY_CACHE.get(f"policy:{location}", fetch, f"policy {location}")
    notes = list(_POLICY_CACHE.notes)
    _POLICY_CACHE.notes.clear()
    return policy, notes

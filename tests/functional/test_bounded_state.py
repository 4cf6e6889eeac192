"""Issue 17 items 2-4: no metrics kept without a namespace, every cache bounded, failures remembered."""

from __future__ import annotations

from typing import Any

import pytest

from hook.core.policy_model import ValueRef
from hook.core.values import ValueSourceError
from hook.handler.observability import Observer
from hook.inputs import yamlcfn
from hook.sdk import FactUnavailable
from hook.sources import MAX_ENTRIES, AwsAccount, SSMValues, TTLCache

RECORD = {"outcome": "blocked", "violations": ["lambda.runtime-allowed"], "duration_ms": 1.5, "error": "x"}


def test_without_a_namespace_no_metric_is_made_or_kept(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)
    observer = Observer()
    for _ in range(300):
        observer.record("t", RECORD)
    assert observer.metrics is None
    assert '"_aws"' not in capsys.readouterr().out  # no EMF blob either


def test_with_a_namespace_a_failed_flush_keeps_nothing(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "govhook-tests")
    observer = Observer()

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("flush refused")

    monkeypatch.setattr(observer.metrics, "flush_metrics", refuse)
    for _ in range(50):
        with pytest.raises(RuntimeError):
            observer.record("t", RECORD)
    assert observer.metrics.metric_set == {}


def test_with_a_namespace_metrics_are_emitted_and_not_kept(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "govhook-tests")
    observer = Observer()
    for _ in range(20):
        observer.record("t", RECORD)
    assert capsys.readouterr().out.count('"Namespace":"govhook-tests"') == 20
    assert observer.metrics.metric_set == {}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_cache_keeps_at_most_its_entries_least_recently_used_first() -> None:
    cache = TTLCache(max_age=300, stale_for=0, clock=Clock())
    cache.get("keep", lambda: "k")
    for i in range(MAX_ENTRIES * 3):
        cache.get(f"k{i}", lambda i=i: i)  # type: ignore[misc]
        if i % 100 == 0:
            cache.get("keep", lambda: "refetched")  # used often: never evicted
    assert cache.size()[0] == MAX_ENTRIES
    assert cache.get("keep", lambda: "refetched") == "k"


class FakeLambda:
    """The Lambda API as botocore answers it, for the calls AwsAccount makes."""

    def __init__(self) -> None:
        self.calls = 0

    def get_function_concurrency(self, FunctionName: str) -> dict[str, Any]:  # noqa: N803 - botocore's name
        self.calls += 1
        return {"ReservedConcurrentExecutions": 5}


def test_per_function_account_facts_stay_bounded() -> None:
    api = FakeLambda()
    account = AwsAccount(TTLCache(max_age=300, stale_for=3600, clock=Clock()), lambda_client=api)
    for i in range(5000):
        assert account.function_concurrency(f"fn-{i}") == 5
    assert account.cache.size()[0] <= MAX_ENTRIES and api.calls == 5000


def test_the_yaml_scalar_cache_is_bounded_by_bytes() -> None:
    for n in range(10):
        lines = [f"  K{n}x{i}: {'v' * 200}{n}{i}" for i in range(3000)]
        lines += [f"  L{n}x{i}: {'w' * 5000}{i}" for i in range(50)]  # long scalars are never kept
        yamlcfn.load_template_text("Resources:\n" + "\n".join(lines) + "\n")
    entries, size = yamlcfn.scalar_cache_size()
    assert entries <= yamlcfn.MAX_RESOLVED_ENTRIES and size <= yamlcfn.MAX_RESOLVED_BYTES
    assert sum(len(k[0]) for k in yamlcfn._RESOLVED) == size


class Throttled:
    """An SSM client that is throttled, and takes ``slow`` seconds of the fake clock to say so."""

    def __init__(self, clock: Clock, slow: float = 0.0) -> None:
        self.clock = clock
        self.slow = slow
        self.calls = 0

    def get_parameter(self, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        self.calls += 1
        self.clock.now += self.slow
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "GetParameter")


def test_a_failing_source_is_not_asked_on_every_invocation() -> None:
    clock = Clock()
    ssm = Throttled(clock)
    values = SSMValues(TTLCache(max_age=300, stale_for=3600, clock=clock), ssm=ssm)
    ref = ValueRef(ssm="/p")
    messages = set()
    for i in range(100):  # 100 invocations in 0.99 s
        clock.now = 1000.0 + i * 0.01
        with pytest.raises(ValueSourceError, match="ThrottlingException") as err:
            values.resolve(ref)
        if i:
            messages.add(str(err.value))
    assert ssm.calls == 1
    # every remembered answer reads the same (the pause, not the time left of it): the same
    # template gets the same hook message whenever in the pause it comes
    assert len(messages) == 1 and "remembered: not asked again for 1 s after 1 failure in a row" in messages.pop()
    # the pause grows with each failure in a row: asked again after 1 s, then after 2 s more
    clock.now = 1001.05
    with pytest.raises(ValueSourceError):
        values.resolve(ref)
    clock.now = 1002.5
    with pytest.raises(ValueSourceError):
        values.resolve(ref)
    assert ssm.calls == 2


def test_the_pause_is_counted_from_the_end_of_a_slow_failed_call() -> None:
    clock = Clock()
    ssm = Throttled(clock, slow=40.0)  # slower than the longest pause
    values = SSMValues(TTLCache(max_age=300, stale_for=3600, clock=clock), ssm=ssm)
    ref = ValueRef(ssm="/p")
    with pytest.raises(ValueSourceError):
        values.resolve(ref)
    clock.now += 0.5
    with pytest.raises(ValueSourceError, match="remembered"):
        values.resolve(ref)
    assert ssm.calls == 1


def test_an_account_fact_failure_is_remembered_too() -> None:
    class Denied(FakeLambda):
        def get_function_concurrency(self, FunctionName: str) -> dict[str, Any]:  # noqa: N803
            from botocore.exceptions import ClientError

            self.calls += 1
            raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}},
                              "GetFunctionConcurrency")

    api = Denied()
    account = AwsAccount(TTLCache(max_age=300, stale_for=3600, clock=Clock()), lambda_client=api)
    for _ in range(20):
        with pytest.raises(FactUnavailable, match="TooManyRequestsException"):
            account.function_concurrency("fn")
    assert api.calls == 1

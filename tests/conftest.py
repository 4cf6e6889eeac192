"""Shared fixtures. moto's server runs on loopback for SSM, S3, Lambda and CloudFormation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_ROOT = Path(__file__).resolve().parents[1]

# No test ever reaches a real AWS account: fake credentials and a fixed region for every test.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_SESSION_TOKEN", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_REGION", "us-east-1")
os.environ.pop("AWS_PROFILE", None)
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "govhook-tests")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "govhook")
# The CLI's result cache (hook/cli/cache.py) stays off in tests unless a test turns it on, and never
# touches the user's cache directory.
os.environ["GOVHOOK_NO_CACHE"] = "1"
os.environ["XDG_CACHE_HOME"] = os.path.join(__import__("tempfile").mkdtemp(prefix="govhook-test-cache-"))


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A real moto server on 127.0.0.1 (random port); yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    # moto builds a service's backend on its first request (SSM's loads AWS's public parameters:
    # 1.5 s idle, 4 s on a busy machine). Build the ones the hook calls now, so no test's first hook
    # answer pays it inside the hook's own time budget for an SSM or Lambda call.
    import boto3

    for service, call in (("ssm", "describe_parameters"), ("lambda", "list_functions")):
        getattr(boto3.client(service, endpoint_url=f"http://{host}:{port}", region_name="us-east-1"), call)()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture()
def moto_endpoint(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's endpoint, set as AWS_ENDPOINT_URL for this test; state is reset afterwards."""
    import urllib.request

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    yield moto_server
    req = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(req, timeout=10).read()


@pytest.fixture()
def aws_client(moto_endpoint: str) -> Any:
    """``aws_client("ssm")``: a boto3 client bound to moto's server."""
    import boto3

    def make(service: str) -> Any:
        return boto3.client(service, endpoint_url=moto_endpoint, region_name="us-east-1")

    return make


@pytest.fixture(autouse=True)
def _every_hook_answer_meets_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every response ``lambda_handler`` gives in any test is checked by the one contract validator
    (tests/hookcontract.py); tests that call ``handle`` directly check it themselves."""
    import hook.handler as handler
    from tests.hookcontract import assert_contract

    original = handler.handle

    def checked(event: Any, context: Any = None, **kwargs: Any) -> dict[str, Any]:
        return assert_contract(event, original(event, context, **kwargs))

    monkeypatch.setattr(handler, "handle", checked)


_CDK_TESTS = ("test_cdk.py", "test_cdk_ts.py")


def pytest_configure(config: pytest.Config) -> None:
    """The main process of a run that includes the CDK tests (not an xdist worker, no -m filter)
    starts their installs in the background (tests/integration/cdk_env.py:prefetch)."""
    if hasattr(config, "workerinput") or config.option.markexpr or config.option.collectonly:
        return
    integration = (_ROOT / "tests" / "integration").resolve()
    targets = [Path(str(arg).split("::")[0]).resolve() for arg in config.args] or [_ROOT / "tests"]
    if not any(t == integration or t in integration.parents or t.name in _CDK_TESTS for t in targets):
        return
    from tests.integration import cdk_env

    config._govhook_cdk_prefetch = cdk_env.prefetch(config)  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    """A prefetch still running when the run ends (the CDK tests deselected) is stopped: its
    half-made install has no marker, so the next run starts it again."""
    proc = getattr(config, "_govhook_cdk_prefetch", None)
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


_TIERS = ("unit", "functional", "integration", "property")
# Fixtures that make a test integration-grade wherever it lives: moto's server on loopback.
_SERVER_FIXTURES = frozenset({"moto_server", "moto_endpoint", "aws_client"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test is marked with its tier, from the folder it lives in (tests/unit, tests/functional,
    tests/integration, tests/property), so `pytest -m unit` is the fast loop; a test using moto's
    server fixtures is also marked `moto` and `integration` (tests/unit and tests/functional refuse
    network connections and subprocesses: tests/tier_guard.py)."""
    for item in items:
        parts = item.path.parts
        tiers = {tier for tier in _TIERS if tier in parts}
        if _SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.moto)
            tiers.add("integration")
        for tier in sorted(tiers):
            item.add_marker(getattr(pytest.mark, tier))
    # The slow tests first (the order is otherwise kept): with parallel workers (make test runs
    # pytest -n auto) the longest scenarios start at once on different cores instead of ending
    # the run on one.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)

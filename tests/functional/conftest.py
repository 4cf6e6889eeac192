"""tests/functional: fakes, botocore Stubber and in-process moto; no network, no subprocess (enforced)."""

from __future__ import annotations

import pytest

from tests.tier_guard import forbid_network_and_subprocesses


@pytest.fixture(autouse=True)
def _functional_tier_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_network_and_subprocesses(monkeypatch, "functional")
    # In-process checks stay in this process (``--jobs`` forks workers; tests/integration runs them).
    monkeypatch.setenv("GOVHOOK_JOBS", "1")

"""The unit tier keeps its promise: no network, no subprocess (tests/tier_guard.py)."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest


def test_a_unit_test_that_starts_a_subprocess_fails_naming_the_tier_it_belongs_in() -> None:
    with pytest.raises(AssertionError, match=r"a unit test started a subprocess .* belongs in tests/integration"):
        subprocess.run(["true"], check=False)
    with pytest.raises(AssertionError, match="belongs in tests/integration"):
        os.system("true")


def test_a_unit_test_that_opens_a_connection_fails_naming_the_tier_it_belongs_in() -> None:
    with pytest.raises(AssertionError, match=r"a unit test opened a network connection .* belongs in tests/integration"):
        socket.create_connection(("127.0.0.1", 9), timeout=1)


def test_tests_are_marked_with_the_tier_of_their_folder(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("unit") is not None
    assert request.node.get_closest_marker("integration") is None

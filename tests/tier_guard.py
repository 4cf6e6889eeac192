"""The tiers' promises, enforced: a unit or functional test that opens a network connection or
starts a subprocess fails, naming the tier it belongs in (tests/unit/conftest.py and
tests/functional/conftest.py use it as an autouse fixture)."""

from __future__ import annotations

import os
import socket
import subprocess
from typing import Any, NoReturn

import pytest


def forbid_network_and_subprocesses(monkeypatch: pytest.MonkeyPatch, tier: str) -> None:
    def refuse_connect(self: socket.socket, address: Any, *args: Any) -> NoReturn:
        raise AssertionError(f"a {tier} test opened a network connection (to {address!r}): "
                             "a test that needs a server belongs in tests/integration")

    def refuse_process(*args: Any, **kwargs: Any) -> NoReturn:
        raise AssertionError(f"a {tier} test started a subprocess ({args[1:2]!r}): "
                             "a test that runs a program belongs in tests/integration")

    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_connect)
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse_process)
    for name in ("system", "posix_spawn", "posix_spawnp", "fork", "forkpty", "execv", "execve"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refuse_process)

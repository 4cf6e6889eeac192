"""The entry-point scan: one group's entry points without building every installed distribution.

``importlib.metadata.entry_points()`` builds a ``Distribution`` (and reads its metadata) for every
package on ``sys.path`` before it filters by group; rule discovery needs one group, on every cold
start. :func:`scan_entry_points` reads only the ``entry_points.txt`` files that mention the group.
``tests/unit/test_entry_points.py`` compares it with ``importlib.metadata`` on this environment and
on made-up ones; what it saves is measured in ``bench/README.md``.
"""

from __future__ import annotations

from typing import Any

from hook.core._record import Frozen

__all__ = ["EntryPoint", "scan_entry_points"]


class EntryPoint(Frozen):
    """One ``name = module:attr`` line of a group (what ``importlib.metadata.EntryPoint`` gives)."""

    _fields = ("name", "value")
    name: str
    value: str

    def __init__(self, name: str, value: str) -> None:
        self.__dict__.update(name=name, value=value)

    def load(self) -> Any:
        from importlib import import_module

        module, _, attr = self.value.partition(":")
        obj: Any = import_module(module.strip())
        for part in attr.strip().split(".") if attr.strip() else []:
            obj = getattr(obj, part)
        return obj


def scan_entry_points(group: str) -> list[EntryPoint]:
    """Entry points of one group, read straight from ``*.dist-info/entry_points.txt``: the same
    ``(name, value)`` pairs as ``importlib.metadata.entry_points(group=group)``, in sys.path order,
    the first distribution of a name winning, as importlib.metadata does."""
    import os
    import sys

    header = f"[{group}]"
    seen: set[str] = set()
    out: list[EntryPoint] = []
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            dist = name.rsplit(".", 1)[0].split("-", 1)[0].lower().replace("_", "-")
            if dist in seen:
                continue
            seen.add(dist)
            try:
                with open(os.path.join(entry or ".", name, "entry_points.txt"), encoding="utf-8") as fh:
                    text = fh.read()
            except OSError:
                continue
            if header not in text:
                continue
            section = False
            for raw in text.splitlines():
                line = raw.strip()
                if line.startswith("["):
                    section = line == header
                elif section and "=" in line and not line.startswith(("#", ";")):
                    key, _, value = line.partition("=")
                    out.append(EntryPoint(key.strip(), value.strip()))
    return out

"""AWS's runtime deprecation schedule, as data (``hook/data/runtimes.json``)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

__all__ = ["runtime_lifecycle"]


@cache
def runtime_lifecycle() -> Mapping[str, Mapping[str, Any]]:
    """Runtime -> ``{deprecated, create_blocked, update_blocked, successor}``, read once from
    ``hook/data/runtimes.json``."""
    import json  # on first use: importing the SDK must not load json and pathlib for this
    from pathlib import Path

    data = json.loads((Path(__file__).parent.parent / "data" / "runtimes.json").read_text())
    return data["runtimes"]  # type: ignore[no-any-return]
